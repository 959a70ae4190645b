-- Every change that a public page can show bumps its site's content_version, in the same transaction, by
-- trigger (so no write path can forget). Pages cached for anonymous readers carry the version they were drawn
-- at; a request that reads a newer version draws the page again, on every instance sharing the database.
ALTER TABLE sites ADD COLUMN content_version BIGINT NOT NULL DEFAULT 0;

CREATE TRIGGER posts_touch_site_insert AFTER INSERT ON posts
BEGIN UPDATE sites SET content_version = content_version + 1 WHERE id = NEW.site_id; END;
CREATE TRIGGER posts_touch_site_update AFTER UPDATE ON posts
BEGIN UPDATE sites SET content_version = content_version + 1 WHERE id IN (OLD.site_id, NEW.site_id); END;
CREATE TRIGGER posts_touch_site_delete AFTER DELETE ON posts
BEGIN UPDATE sites SET content_version = content_version + 1 WHERE id = OLD.site_id; END;

-- Only approved comments are on public pages.
CREATE TRIGGER comments_touch_site_insert AFTER INSERT ON comments WHEN NEW.status = 'approved'
BEGIN UPDATE sites SET content_version = content_version + 1 WHERE id = NEW.site_id; END;
CREATE TRIGGER comments_touch_site_update AFTER UPDATE ON comments
WHEN OLD.status = 'approved' OR NEW.status = 'approved'
BEGIN UPDATE sites SET content_version = content_version + 1 WHERE id IN (OLD.site_id, NEW.site_id); END;
CREATE TRIGGER comments_touch_site_delete AFTER DELETE ON comments WHEN OLD.status = 'approved'
BEGIN UPDATE sites SET content_version = content_version + 1 WHERE id = OLD.site_id; END;

CREATE TRIGGER terms_touch_site_insert AFTER INSERT ON terms
BEGIN UPDATE sites SET content_version = content_version + 1 WHERE id = NEW.site_id; END;
CREATE TRIGGER terms_touch_site_update AFTER UPDATE ON terms
BEGIN UPDATE sites SET content_version = content_version + 1 WHERE id IN (OLD.site_id, NEW.site_id); END;
CREATE TRIGGER terms_touch_site_delete AFTER DELETE ON terms
BEGIN UPDATE sites SET content_version = content_version + 1 WHERE id = OLD.site_id; END;

CREATE TRIGGER post_terms_touch_site_insert AFTER INSERT ON post_terms
BEGIN UPDATE sites SET content_version = content_version + 1 WHERE id = (SELECT site_id FROM posts WHERE id = NEW.post_id); END;
CREATE TRIGGER post_terms_touch_site_delete AFTER DELETE ON post_terms
BEGIN UPDATE sites SET content_version = content_version + 1 WHERE id = (SELECT site_id FROM posts WHERE id = OLD.post_id); END;

CREATE TRIGGER site_settings_touch_site_insert AFTER INSERT ON site_settings
BEGIN UPDATE sites SET content_version = content_version + 1 WHERE id = NEW.site_id; END;
CREATE TRIGGER site_settings_touch_site_update AFTER UPDATE ON site_settings
BEGIN UPDATE sites SET content_version = content_version + 1 WHERE id IN (OLD.site_id, NEW.site_id); END;
CREATE TRIGGER site_settings_touch_site_delete AFTER DELETE ON site_settings
BEGIN UPDATE sites SET content_version = content_version + 1 WHERE id = OLD.site_id; END;

CREATE TRIGGER memberships_touch_site_insert AFTER INSERT ON memberships
BEGIN UPDATE sites SET content_version = content_version + 1 WHERE id = NEW.site_id; END;
CREATE TRIGGER memberships_touch_site_update AFTER UPDATE ON memberships
BEGIN UPDATE sites SET content_version = content_version + 1 WHERE id IN (OLD.site_id, NEW.site_id); END;
CREATE TRIGGER memberships_touch_site_delete AFTER DELETE ON memberships
BEGIN UPDATE sites SET content_version = content_version + 1 WHERE id = OLD.site_id; END;

-- A person's name is on their posts and in their author archive, on every site they belong to.
CREATE TRIGGER users_touch_sites AFTER UPDATE OF name, nicename ON users
BEGIN UPDATE sites SET content_version = content_version + 1
      WHERE id IN (SELECT site_id FROM memberships WHERE user_id = NEW.id); END;
