-- Core schema of the activity feed: tenants, tokens, the queue, events and their sources, reactions, comments.
CREATE TABLE tenants (
    id         serial PRIMARY KEY,
    name       text NOT NULL UNIQUE CHECK (char_length(name) BETWEEN 1 AND 200),
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_tokens (
    id           serial PRIMARY KEY,
    tenant_id    int NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    token_sha256 bytea NOT NULL UNIQUE CHECK (octet_length(token_sha256) = 32),
    label        text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    revoked_at   timestamptz
);

CREATE TABLE activity_queue (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id    int NOT NULL REFERENCES tenants(id),
    event_type   text NOT NULL,
    payload_json jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at   timestamptz NOT NULL DEFAULT now(),
    processed    bool NOT NULL DEFAULT false
);
CREATE INDEX activity_queue_unprocessed_idx
    ON activity_queue (tenant_id, processed, created_at) WHERE processed = false;
-- The drain reads every tenant's unprocessed rows oldest first.
CREATE INDEX activity_queue_pending_order_idx
    ON activity_queue (created_at, id) WHERE processed = false;

CREATE TABLE activity_events (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id    int NOT NULL REFERENCES tenants(id),
    event_type   text NOT NULL,
    display_name text NOT NULL,
    description  text NOT NULL,
    icon         text NOT NULL,
    payload_json jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at   timestamptz NOT NULL DEFAULT now(),
    seq          bigint GENERATED ALWAYS AS IDENTITY UNIQUE
);
CREATE INDEX activity_events_tenant_created_idx ON activity_events (tenant_id, created_at DESC);
-- Keyset pagination of the shared feed: newest first by (created_at, seq).
CREATE INDEX activity_events_feed_idx ON activity_events (created_at DESC, seq DESC);

CREATE TABLE activity_event_sources (
    event_id uuid NOT NULL REFERENCES activity_events(id) ON DELETE CASCADE,
    queue_id uuid NOT NULL UNIQUE REFERENCES activity_queue(id)
);
CREATE INDEX activity_event_sources_event_idx ON activity_event_sources (event_id);

CREATE TABLE activity_reactions (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    event_id       uuid NOT NULL REFERENCES activity_events(id) ON DELETE CASCADE,
    from_tenant_id int NOT NULL REFERENCES tenants(id),
    reaction_type  text NOT NULL CHECK (reaction_type IN ('hype', 'respect', 'tribute')),
    created_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT activity_reactions_unique UNIQUE (event_id, from_tenant_id, reaction_type)
);

CREATE TABLE activity_comments (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    event_id   uuid NOT NULL REFERENCES activity_events(id) ON DELETE CASCADE,
    tenant_id  int NOT NULL REFERENCES tenants(id),
    body       text NOT NULL CHECK (char_length(body) <= 500),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX activity_comments_event_idx ON activity_comments (event_id, created_at, id);

CREATE TABLE drain_runs (
    id          bigserial PRIMARY KEY,
    started_at  timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    trigger     text NOT NULL,
    tenant_id   int REFERENCES tenants(id),
    processed   int NOT NULL DEFAULT 0,
    inserted    int NOT NULL DEFAULT 0,
    error       text
);

CREATE TABLE chat_messages (
    id         serial PRIMARY KEY,
    tenant_id  int NOT NULL REFERENCES tenants(id),
    role       text NOT NULL,
    content    text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
