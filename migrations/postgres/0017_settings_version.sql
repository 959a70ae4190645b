-- A site's settings have a version of their own, moved only when they change: every approved comment moves the
-- content version, and each request after it read all the site's settings again to find them unchanged.
ALTER TABLE sites ADD COLUMN settings_version BIGINT NOT NULL DEFAULT 0;

CREATE TRIGGER site_settings_touch_settings_insert AFTER INSERT ON site_settings
    REFERENCING NEW TABLE AS inserted_rows FOR EACH STATEMENT EXECUTE FUNCTION touch_sites_of_rows('settings_version');
CREATE TRIGGER site_settings_touch_settings_update AFTER UPDATE ON site_settings
    REFERENCING OLD TABLE AS deleted_rows NEW TABLE AS inserted_rows
    FOR EACH STATEMENT EXECUTE FUNCTION touch_sites_of_rows('settings_version');
CREATE TRIGGER site_settings_touch_settings_delete AFTER DELETE ON site_settings
    REFERENCING OLD TABLE AS deleted_rows FOR EACH STATEMENT EXECUTE FUNCTION touch_sites_of_rows('settings_version');
