-- A version of everything a feed page shows, so that an instance can keep rendered pages
-- and still answer exactly: a request reads the version (with its token check, one cheap
-- statement) and serves a kept page only when it was read at that same version. Every
-- instance asks the database, so a write on one instance is seen by the next read on any
-- other, with no message between them that could arrive late or be forged.
--
-- The version moves once per transaction that changed events, reactions, comments or
-- tenants (a page shows tenant names), at its commit. Bumping at commit keeps the row
-- lock to the commit itself: a drain batch that writes for a second does not hold up
-- reactions behind it, and no lock is taken after this one, so it cannot deadlock.
-- Per statement, a trigger marks the transaction in feed_version_touches (one row per
-- transaction: later statements find it there); the row's deferred trigger then bumps
-- the version once, at commit. A rolled-back transaction rolls back its mark as well.
CREATE TABLE feed_version (
    one boolean PRIMARY KEY DEFAULT true CHECK (one),
    v   bigint  NOT NULL
);
INSERT INTO feed_version (v) VALUES (1);

CREATE TABLE feed_version_touches (
    xid bigint PRIMARY KEY
);

CREATE FUNCTION af_feed_touch_trg() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO feed_version_touches (xid) VALUES (txid_current()) ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;

CREATE FUNCTION af_feed_bump_trg() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE feed_version SET v = v + 1;
    DELETE FROM feed_version_touches WHERE xid = NEW.xid;
    RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER feed_version_bump
    AFTER INSERT ON feed_version_touches DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION af_feed_bump_trg();

CREATE TRIGGER activity_events_feed_version
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON activity_events
    FOR EACH STATEMENT EXECUTE FUNCTION af_feed_touch_trg();
CREATE TRIGGER activity_reactions_feed_version
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON activity_reactions
    FOR EACH STATEMENT EXECUTE FUNCTION af_feed_touch_trg();
CREATE TRIGGER activity_comments_feed_version
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON activity_comments
    FOR EACH STATEMENT EXECUTE FUNCTION af_feed_touch_trg();
CREATE TRIGGER tenants_feed_version
    AFTER UPDATE OR DELETE OR TRUNCATE ON tenants
    FOR EACH STATEMENT EXECUTE FUNCTION af_feed_touch_trg();
