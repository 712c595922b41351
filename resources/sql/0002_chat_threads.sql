-- Thread containers for chat messages; existing messages move into one "Main"
-- thread per tenant that has any.
CREATE TABLE chat_threads (
    id         serial PRIMARY KEY,
    tenant_id  int NOT NULL REFERENCES tenants(id),
    title      text NOT NULL DEFAULT 'New thread',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX chat_threads_tenant_idx ON chat_threads (tenant_id);

ALTER TABLE chat_messages
    ADD COLUMN thread_id int REFERENCES chat_threads(id) ON DELETE SET NULL;

INSERT INTO chat_threads (tenant_id, title, created_at, updated_at)
SELECT tenant_id, 'Main', min(created_at), max(created_at)
  FROM chat_messages
 GROUP BY tenant_id;

UPDATE chat_messages m
   SET thread_id = t.id
  FROM chat_threads t
 WHERE t.tenant_id = m.tenant_id AND t.title = 'Main' AND m.thread_id IS NULL;

CREATE INDEX chat_messages_thread_idx ON chat_messages (thread_id);
