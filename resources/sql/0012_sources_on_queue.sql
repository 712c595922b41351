-- Which event a queue row made lives on the queue row itself. The drain marks a row
-- processed with one UPDATE anyway; naming its event in the same UPDATE replaces a
-- separate activity_event_sources row per source row and its two foreign-key checks (a
-- lookup and a row lock on the queue row and on the event), which were most of a drain's
-- cost. A row still feeds one event only (one column holds one event), and a tile still
-- opens to every row it groups (the index below).
ALTER TABLE activity_queue ADD COLUMN event_id uuid;

UPDATE activity_queue q SET event_id = s.event_id
  FROM activity_event_sources s WHERE s.queue_id = q.id;

CREATE INDEX activity_queue_event_idx ON activity_queue (event_id) WHERE event_id IS NOT NULL;

DROP TABLE activity_event_sources;

-- The same relation for readers (the tile's rows, consistency checks), as it was.
CREATE VIEW activity_event_sources AS
    SELECT q.event_id, q.id AS queue_id FROM activity_queue q WHERE q.event_id IS NOT NULL;
