-- Grouping that does not depend on when drains run. Each published event records the
-- opening of the 5-minute window it was made from, so a later drain finds the windows
-- its rows fall into and grows or folds what is already there.
CREATE TABLE activity_event_windows (
    event_id     uuid PRIMARY KEY REFERENCES activity_events(id) ON DELETE CASCADE,
    tenant_id    int NOT NULL,
    event_type   text NOT NULL,
    window_start timestamptz NOT NULL,
    created_seq  bigint NOT NULL  -- the seq it was published with: a larger seq is an update
);
CREATE INDEX activity_event_windows_key_idx
    ON activity_event_windows (tenant_id, event_type, window_start);

-- A single folded into a tile leaves a tombstone in the same seq order as the events, so
-- a client reconnecting from before the fold learns of the removal in order.
CREATE TABLE activity_event_tombstones (
    event_id    uuid PRIMARY KEY,
    merged_into uuid NOT NULL,
    seq         bigint NOT NULL UNIQUE,
    removed_at  timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE drain_runs ADD COLUMN updated int NOT NULL DEFAULT 0;
ALTER TABLE drain_runs ADD COLUMN removed int NOT NULL DEFAULT 0;

-- Events published before this migration: their window opens at their oldest source row
-- (a tile's first_at when its rows were purged, else its own time).
INSERT INTO activity_event_windows (event_id, tenant_id, event_type, window_start, created_seq)
SELECT e.id, e.tenant_id, e.event_type,
       coalesce(min(q.created_at), (e.payload_json->>'first_at')::timestamptz, e.created_at),
       e.seq
  FROM activity_events e
  LEFT JOIN activity_event_sources s ON s.event_id = e.id
  LEFT JOIN activity_queue q ON q.id = s.queue_id
 GROUP BY e.id;
