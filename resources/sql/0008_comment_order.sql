-- Comments: an order that follows commit order, a kept count per event, and an index
-- for the per-tenant posting window.
--
-- The comments cursor pages on (created_at, id) per event. With created_at = now() (the
-- transaction's start), two concurrent comments could commit in the other order and a
-- reader between the two commits would page past the one that commits last. Posting now
-- takes a per-event lock and gives each comment a created_at strictly after the event's
-- newest (see FeedService::addComment), so the order per event is commit order.
--
-- The count lets a push say commentCount without counting the whole thread; a trigger
-- keeps it right for every insert, delete and move of a comment to another event.
CREATE TABLE activity_comment_counts (
    event_id uuid PRIMARY KEY REFERENCES activity_events(id) ON DELETE CASCADE,
    n        integer NOT NULL DEFAULT 0
);
INSERT INTO activity_comment_counts (event_id, n)
SELECT event_id, count(*) FROM activity_comments GROUP BY event_id;

CREATE FUNCTION af_comment_counts_trg() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        UPDATE activity_comment_counts SET n = n - 1 WHERE event_id = OLD.event_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO activity_comment_counts (event_id, n) VALUES (NEW.event_id, 1)
        ON CONFLICT (event_id) DO UPDATE SET n = activity_comment_counts.n + 1;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER activity_comments_count
    AFTER INSERT OR DELETE OR UPDATE OF event_id ON activity_comments
    FOR EACH ROW EXECUTE FUNCTION af_comment_counts_trg();

CREATE INDEX activity_comments_tenant_idx ON activity_comments (tenant_id, created_at);
