-- The feed's JSON shape of one event, built in the database so that hot reads pass
-- the text through (CONTRACT §4 field names: columns snake_case, computed camelCase).
CREATE FUNCTION af_ts(t timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
$$;

CREATE FUNCTION af_reaction_counts(ev uuid) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT json_build_object(
        'hype',    count(*) FILTER (WHERE reaction_type = 'hype'),
        'respect', count(*) FILTER (WHERE reaction_type = 'respect'),
        'tribute', count(*) FILTER (WHERE reaction_type = 'tribute'))
      FROM activity_reactions WHERE event_id = ev
$$;

CREATE FUNCTION af_event_json(e activity_events, viewer int) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT json_build_object(
        'id', e.id,
        'tenant_id', e.tenant_id,
        'tenantName', (SELECT name FROM tenants t WHERE t.id = e.tenant_id),
        'event_type', e.event_type,
        'display_name', e.display_name,
        'description', e.description,
        'icon', e.icon,
        'payload_json', e.payload_json,
        'created_at', af_ts(e.created_at),
        'seq', e.seq,
        'reactions', af_reaction_counts(e.id),
        'myReactions', coalesce((SELECT json_agg(r.reaction_type ORDER BY r.reaction_type)
                                   FROM activity_reactions r
                                  WHERE r.event_id = e.id AND r.from_tenant_id = viewer),
                                '[]'::json),
        'commentCount', (SELECT count(*) FROM activity_comments c WHERE c.event_id = e.id))
$$;
