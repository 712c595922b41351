-- Each published event's window (where its 5-minute window opened, and the seq it was
-- first published with) lives on the event row itself. A separate row per event cost the
-- drain a second insert per new event, its primary key, a second index and a foreign-key
-- check against the event it had just written: about a third of a backlog drain. On the
-- event, the drain writes the window in the COPY that writes the event, and the one
-- index below finds a key's windows as the table's key index did.
--
-- created_seq stays NULL while the event still has the seq it was published with; the
-- drain sets it (to the old seq) the first time it gives a grown tile a new seq. So a
-- new event needs no second write to learn its own seq.
ALTER TABLE activity_events ADD COLUMN window_start timestamptz;
ALTER TABLE activity_events ADD COLUMN created_seq bigint;

UPDATE activity_events e
   SET window_start = w.window_start,
       created_seq = CASE WHEN w.created_seq < e.seq THEN w.created_seq END
  FROM activity_event_windows w
 WHERE w.event_id = e.id;

DROP TABLE activity_event_windows;

CREATE INDEX activity_events_window_idx ON activity_events (tenant_id, event_type, window_start);

-- The same relation for readers, as it was: only events a drain made have a window.
CREATE VIEW activity_event_windows AS
    SELECT e.id AS event_id, e.tenant_id, e.event_type, e.window_start,
           coalesce(e.created_seq, e.seq) AS created_seq
      FROM activity_events e
     WHERE e.window_start IS NOT NULL;
