-- Every change that a public page can show bumps its site's content_version, in the same transaction, by
-- trigger (so no write path can forget). Pages cached for anonymous readers carry the version they were drawn
-- at; a request that reads a newer version draws the page again, on every instance sharing the database.
ALTER TABLE sites ADD COLUMN content_version BIGINT NOT NULL DEFAULT 0;

CREATE FUNCTION touch_site() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE sites SET content_version = content_version + 1 WHERE id = NEW.site_id;
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE sites SET content_version = content_version + 1 WHERE id = OLD.site_id;
    ELSE
        UPDATE sites SET content_version = content_version + 1 WHERE id IN (OLD.site_id, NEW.site_id);
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION touch_site_of_post() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        UPDATE sites SET content_version = content_version + 1
        WHERE id = (SELECT site_id FROM posts WHERE id = OLD.post_id);
    ELSE
        UPDATE sites SET content_version = content_version + 1
        WHERE id = (SELECT site_id FROM posts WHERE id = NEW.post_id);
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION touch_sites_of_user() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE sites SET content_version = content_version + 1
    WHERE id IN (SELECT site_id FROM memberships WHERE user_id = NEW.id);
    RETURN NULL;
END $$;

CREATE TRIGGER posts_touch_site AFTER INSERT OR UPDATE OR DELETE ON posts
    FOR EACH ROW EXECUTE FUNCTION touch_site();

-- Only approved comments are on public pages.
CREATE TRIGGER comments_touch_site_insert AFTER INSERT ON comments
    FOR EACH ROW WHEN (NEW.status = 'approved') EXECUTE FUNCTION touch_site();
CREATE TRIGGER comments_touch_site_update AFTER UPDATE ON comments
    FOR EACH ROW WHEN (OLD.status = 'approved' OR NEW.status = 'approved') EXECUTE FUNCTION touch_site();
CREATE TRIGGER comments_touch_site_delete AFTER DELETE ON comments
    FOR EACH ROW WHEN (OLD.status = 'approved') EXECUTE FUNCTION touch_site();

CREATE TRIGGER terms_touch_site AFTER INSERT OR UPDATE OR DELETE ON terms
    FOR EACH ROW EXECUTE FUNCTION touch_site();
CREATE TRIGGER post_terms_touch_site AFTER INSERT OR DELETE ON post_terms
    FOR EACH ROW EXECUTE FUNCTION touch_site_of_post();
CREATE TRIGGER site_settings_touch_site AFTER INSERT OR UPDATE OR DELETE ON site_settings
    FOR EACH ROW EXECUTE FUNCTION touch_site();
CREATE TRIGGER memberships_touch_site AFTER INSERT OR UPDATE OR DELETE ON memberships
    FOR EACH ROW EXECUTE FUNCTION touch_site();

-- A person's name is on their posts and in their author archive, on every site they belong to.
CREATE TRIGGER users_touch_sites AFTER UPDATE OF name, nicename ON users
    FOR EACH ROW EXECUTE FUNCTION touch_sites_of_user();
