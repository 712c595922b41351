-- Reading: each tenant's read position in the shared feed, and the index behind the feed's
-- event-type filter.
--
-- A marker is a seq of activity_events: seq is commit order (drains hold one global lock),
-- so "unread" is exactly the events with a larger seq. No row means nothing read yet
-- (seq 0). MarkerService::advance only ever raises last_read_seq.
CREATE TABLE activity_markers (
    tenant_id     int PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
    last_read_seq bigint NOT NULL DEFAULT 0 CHECK (last_read_seq >= 0),
    updated_at    timestamptz NOT NULL DEFAULT now()
);

-- The feed filtered by type pages on the same key as the shared feed: one ordered index
-- range per type, merged (FeedService reads each requested type through this index, so a
-- rare type is as fast as a common one and a page never scans past other types' rows).
CREATE INDEX activity_events_type_feed_idx
    ON activity_events (event_type, created_at DESC, seq DESC);
