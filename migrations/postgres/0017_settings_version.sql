-- A site's settings have a version of their own, moved only when they change: every approved comment moves the
-- content version, and each request after it read all the site's settings again to find them unchanged.
ALTER TABLE sites ADD COLUMN settings_version BIGINT NOT NULL DEFAULT 0;

CREATE FUNCTION touch_settings_of_sites() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE sites SET settings_version = settings_version + 1
        WHERE id IN (SELECT site_id FROM inserted_rows);
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE sites SET settings_version = settings_version + 1
        WHERE id IN (SELECT site_id FROM deleted_rows);
    ELSE
        UPDATE sites SET settings_version = settings_version + 1
        WHERE id IN (SELECT site_id FROM deleted_rows UNION SELECT site_id FROM inserted_rows);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER site_settings_touch_settings_insert AFTER INSERT ON site_settings
    REFERENCING NEW TABLE AS inserted_rows FOR EACH STATEMENT EXECUTE FUNCTION touch_settings_of_sites();
CREATE TRIGGER site_settings_touch_settings_update AFTER UPDATE ON site_settings
    REFERENCING OLD TABLE AS deleted_rows NEW TABLE AS inserted_rows
    FOR EACH STATEMENT EXECUTE FUNCTION touch_settings_of_sites();
CREATE TRIGGER site_settings_touch_settings_delete AFTER DELETE ON site_settings
    REFERENCING OLD TABLE AS deleted_rows FOR EACH STATEMENT EXECUTE FUNCTION touch_settings_of_sites();
