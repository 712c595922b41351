-- The feed's JSON shape of one event, built in the database so that hot reads pass
-- the text through (field names: table columns stay snake_case, computed fields are camelCase).
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

-- One comment as the API shows it (columns snake_case, the computed tenantName camelCase).
CREATE FUNCTION af_comment_json(c activity_comments) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT json_build_object(
        'id', c.id,
        'event_id', c.event_id,
        'tenant_id', c.tenant_id,
        'tenantName', (SELECT name FROM tenants t WHERE t.id = c.tenant_id),
        'body', c.body,
        'created_at', af_ts(c.created_at))
$$;

-- The opaque keyset cursor: base64url("<created_at in µs since epoch>:<tie-breaker>"),
-- decoded by af::Cursor in C++.
CREATE FUNCTION af_cursor(t timestamptz, tie text) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT rtrim(translate(encode(convert_to(
               (extract(epoch FROM t) * 1000000)::bigint::text || ':' || tie, 'UTF8'),
               'base64'), E'+/\n', '-_'), '=')
$$;

-- Sliding-window rate limit of reactions: one row per request that reached the upsert,
-- written under a per-tenant advisory lock so that the count is exact under concurrency.
CREATE TABLE reaction_attempts (
    id           bigserial PRIMARY KEY,
    tenant_id    int NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    attempted_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX reaction_attempts_tenant_idx ON reaction_attempts (tenant_id, attempted_at);

-- The feed filtered by tenant pages on the same key as the shared feed.
CREATE INDEX activity_events_tenant_feed_idx
    ON activity_events (tenant_id, created_at DESC, seq DESC);
