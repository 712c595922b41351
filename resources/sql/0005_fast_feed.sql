-- The event JSON the API serves as an inlinable table function. 0003's af_event_json is a
-- scalar SQL function with sub-selects, which PostgreSQL can never inline: every call is
-- a separate SQL-function execution (the body planned again in every statement, an
-- executor started per event, and af_reaction_counts nested inside), about 0.13 ms per
-- event on a feed page. A LANGUAGE sql, STABLE, non-strict set-returning function whose
-- body is one SELECT is inlined where it is called in FROM (`, LATERAL af_event_rows(…)`),
-- so the feed page is planned once as one statement (prepared, generic plan) and reads
-- each event's reactions in one pass: the counts and the viewer's own reactions from the
-- same rows. Same keys, same order, same values as af_event_json in 0003.
CREATE FUNCTION af_event_rows(e activity_events, viewer int) RETURNS TABLE (event json)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT json_build_object(
        'id', e.id,
        'tenant_id', e.tenant_id,
        'tenantName', (SELECT t.name FROM tenants t WHERE t.id = e.tenant_id),
        'event_type', e.event_type,
        'display_name', e.display_name,
        'description', e.description,
        'icon', e.icon,
        'payload_json', e.payload_json,
        'created_at', af_ts(e.created_at),
        'seq', e.seq,
        'reactions', json_build_object('hype', rx.hype, 'respect', rx.respect,
                                       'tribute', rx.tribute),
        'myReactions', coalesce(rx.mine, '[]'::json),
        'commentCount', (SELECT count(*) FROM activity_comments c WHERE c.event_id = e.id))
      FROM (SELECT count(*) FILTER (WHERE r.reaction_type = 'hype')    AS hype,
                   count(*) FILTER (WHERE r.reaction_type = 'respect') AS respect,
                   count(*) FILTER (WHERE r.reaction_type = 'tribute') AS tribute,
                   json_agg(r.reaction_type ORDER BY r.reaction_type)
                       FILTER (WHERE r.from_tenant_id = viewer)        AS mine
              FROM activity_reactions r
             WHERE r.event_id = e.id) rx
$$;

-- The single-event form for the callers that build one event per statement (the drain's
-- push, the listener, the SSE replay): the same shape from the one definition above. In
-- PL/pgSQL, whose plan is cached per session, instead of an SQL function that PostgreSQL
-- plans again in every statement that calls it.
CREATE OR REPLACE FUNCTION af_event_json(e activity_events, viewer int) RETURNS json
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
    RETURN (SELECT r.event FROM af_event_rows(e, viewer) r);
END
$$;

-- to_char is STABLE, so an IMMUTABLE af_ts (0003) is never inlined: every call was an
-- SQL-function execution of its own (one per event and timestamp). Declared as what it
-- is, it is inlined into the calling expression. No index or stored column uses it.
CREATE OR REPLACE FUNCTION af_ts(t timestamptz) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
$$;
