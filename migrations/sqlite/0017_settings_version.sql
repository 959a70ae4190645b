-- A site's settings have a version of their own, moved only when they change: every approved comment moves the
-- content version, and each request after it read all the site's settings again to find them unchanged.
ALTER TABLE sites ADD COLUMN settings_version BIGINT NOT NULL DEFAULT 0;

CREATE TRIGGER site_settings_touch_settings_insert AFTER INSERT ON site_settings
BEGIN UPDATE sites SET settings_version = settings_version + 1 WHERE id = NEW.site_id; END;
CREATE TRIGGER site_settings_touch_settings_update AFTER UPDATE ON site_settings
BEGIN UPDATE sites SET settings_version = settings_version + 1 WHERE id IN (OLD.site_id, NEW.site_id); END;
CREATE TRIGGER site_settings_touch_settings_delete AFTER DELETE ON site_settings
BEGIN UPDATE sites SET settings_version = settings_version + 1 WHERE id = OLD.site_id; END;
