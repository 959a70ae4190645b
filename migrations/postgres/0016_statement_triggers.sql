-- The content version moves once per statement instead of once per row: a statement that writes a million
-- rows (an import, the growth benchmark's seeding) updated the one sites row a million times. The rows a
-- statement changed are read from its transition tables, so the sites it touches, and the rule that only
-- approved comments count, are the same as before.
-- touch_sites_of_rows(COLUMN) moves the version column that its trigger names.
CREATE FUNCTION touch_sites_of_rows() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    bump CONSTANT text := format('UPDATE sites SET %1$I = %1$I + 1 WHERE id IN ', TG_ARGV[0]);
BEGIN
    IF TG_OP = 'INSERT' THEN
        EXECUTE bump || '(SELECT site_id FROM inserted_rows)';
    ELSIF TG_OP = 'DELETE' THEN
        EXECUTE bump || '(SELECT site_id FROM deleted_rows)';
    ELSE
        EXECUTE bump || '(SELECT site_id FROM deleted_rows UNION SELECT site_id FROM inserted_rows)';
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION touch_sites_of_comments() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE sites SET content_version = content_version + 1
        WHERE id IN (SELECT site_id FROM inserted_rows WHERE status = 'approved');
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE sites SET content_version = content_version + 1
        WHERE id IN (SELECT site_id FROM deleted_rows WHERE status = 'approved');
    ELSE
        UPDATE sites SET content_version = content_version + 1
        WHERE id IN (
            SELECT unnest(ARRAY[before_row.site_id, after_row.site_id])
            FROM deleted_rows before_row JOIN inserted_rows after_row ON after_row.id = before_row.id
            WHERE before_row.status = 'approved' OR after_row.status = 'approved'
        );
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION touch_sites_of_post_terms() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE sites SET content_version = content_version + 1
        WHERE id IN (SELECT p.site_id FROM posts p WHERE p.id IN (SELECT post_id FROM inserted_rows));
    ELSE
        UPDATE sites SET content_version = content_version + 1
        WHERE id IN (SELECT p.site_id FROM posts p WHERE p.id IN (SELECT post_id FROM deleted_rows));
    END IF;
    RETURN NULL;
END $$;

DROP TRIGGER posts_touch_site ON posts;
DROP TRIGGER comments_touch_site_insert ON comments;
DROP TRIGGER comments_touch_site_update ON comments;
DROP TRIGGER comments_touch_site_delete ON comments;
DROP TRIGGER terms_touch_site ON terms;
DROP TRIGGER post_terms_touch_site ON post_terms;
DROP TRIGGER site_settings_touch_site ON site_settings;
DROP TRIGGER memberships_touch_site ON memberships;
DROP TRIGGER readings_touch_site ON readings;
DROP TRIGGER citations_touch_site ON citations;
DROP FUNCTION touch_site();
DROP FUNCTION touch_site_of_post();

CREATE TRIGGER posts_touch_sites_insert AFTER INSERT ON posts
    REFERENCING NEW TABLE AS inserted_rows FOR EACH STATEMENT EXECUTE FUNCTION touch_sites_of_rows('content_version');
CREATE TRIGGER posts_touch_sites_update AFTER UPDATE ON posts
    REFERENCING OLD TABLE AS deleted_rows NEW TABLE AS inserted_rows
    FOR EACH STATEMENT EXECUTE FUNCTION touch_sites_of_rows('content_version');
CREATE TRIGGER posts_touch_sites_delete AFTER DELETE ON posts
    REFERENCING OLD TABLE AS deleted_rows FOR EACH STATEMENT EXECUTE FUNCTION touch_sites_of_rows('content_version');

CREATE TRIGGER comments_touch_sites_insert AFTER INSERT ON comments
    REFERENCING NEW TABLE AS inserted_rows FOR EACH STATEMENT EXECUTE FUNCTION touch_sites_of_comments();
CREATE TRIGGER comments_touch_sites_update AFTER UPDATE ON comments
    REFERENCING OLD TABLE AS deleted_rows NEW TABLE AS inserted_rows
    FOR EACH STATEMENT EXECUTE FUNCTION touch_sites_of_comments();
CREATE TRIGGER comments_touch_sites_delete AFTER DELETE ON comments
    REFERENCING OLD TABLE AS deleted_rows FOR EACH STATEMENT EXECUTE FUNCTION touch_sites_of_comments();

CREATE TRIGGER terms_touch_sites_insert AFTER INSERT ON terms
    REFERENCING NEW TABLE AS inserted_rows FOR EACH STATEMENT EXECUTE FUNCTION touch_sites_of_rows('content_version');
CREATE TRIGGER terms_touch_sites_update AFTER UPDATE ON terms
    REFERENCING OLD TABLE AS deleted_rows NEW TABLE AS inserted_rows
    FOR EACH STATEMENT EXECUTE FUNCTION touch_sites_of_rows('content_version');
CREATE TRIGGER terms_touch_sites_delete AFTER DELETE ON terms
    REFERENCING OLD TABLE AS deleted_rows FOR EACH STATEMENT EXECUTE FUNCTION touch_sites_of_rows('content_version');

CREATE TRIGGER post_terms_touch_sites_insert AFTER INSERT ON post_terms
    REFERENCING NEW TABLE AS inserted_rows FOR EACH STATEMENT EXECUTE FUNCTION touch_sites_of_post_terms();
CREATE TRIGGER post_terms_touch_sites_delete AFTER DELETE ON post_terms
    REFERENCING OLD TABLE AS deleted_rows FOR EACH STATEMENT EXECUTE FUNCTION touch_sites_of_post_terms();

CREATE TRIGGER site_settings_touch_sites_insert AFTER INSERT ON site_settings
    REFERENCING NEW TABLE AS inserted_rows FOR EACH STATEMENT EXECUTE FUNCTION touch_sites_of_rows('content_version');
CREATE TRIGGER site_settings_touch_sites_update AFTER UPDATE ON site_settings
    REFERENCING OLD TABLE AS deleted_rows NEW TABLE AS inserted_rows
    FOR EACH STATEMENT EXECUTE FUNCTION touch_sites_of_rows('content_version');
CREATE TRIGGER site_settings_touch_sites_delete AFTER DELETE ON site_settings
    REFERENCING OLD TABLE AS deleted_rows FOR EACH STATEMENT EXECUTE FUNCTION touch_sites_of_rows('content_version');

CREATE TRIGGER memberships_touch_sites_insert AFTER INSERT ON memberships
    REFERENCING NEW TABLE AS inserted_rows FOR EACH STATEMENT EXECUTE FUNCTION touch_sites_of_rows('content_version');
CREATE TRIGGER memberships_touch_sites_update AFTER UPDATE ON memberships
    REFERENCING OLD TABLE AS deleted_rows NEW TABLE AS inserted_rows
    FOR EACH STATEMENT EXECUTE FUNCTION touch_sites_of_rows('content_version');
CREATE TRIGGER memberships_touch_sites_delete AFTER DELETE ON memberships
    REFERENCING OLD TABLE AS deleted_rows FOR EACH STATEMENT EXECUTE FUNCTION touch_sites_of_rows('content_version');

CREATE TRIGGER readings_touch_sites_insert AFTER INSERT ON readings
    REFERENCING NEW TABLE AS inserted_rows FOR EACH STATEMENT EXECUTE FUNCTION touch_sites_of_rows('content_version');
CREATE TRIGGER readings_touch_sites_update AFTER UPDATE ON readings
    REFERENCING OLD TABLE AS deleted_rows NEW TABLE AS inserted_rows
    FOR EACH STATEMENT EXECUTE FUNCTION touch_sites_of_rows('content_version');
CREATE TRIGGER readings_touch_sites_delete AFTER DELETE ON readings
    REFERENCING OLD TABLE AS deleted_rows FOR EACH STATEMENT EXECUTE FUNCTION touch_sites_of_rows('content_version');

CREATE TRIGGER citations_touch_sites_insert AFTER INSERT ON citations
    REFERENCING NEW TABLE AS inserted_rows FOR EACH STATEMENT EXECUTE FUNCTION touch_sites_of_rows('content_version');
CREATE TRIGGER citations_touch_sites_delete AFTER DELETE ON citations
    REFERENCING OLD TABLE AS deleted_rows FOR EACH STATEMENT EXECUTE FUNCTION touch_sites_of_rows('content_version');
