-- Comments move their site's content version in one of sixteen stripes, chosen by the writing connection,
-- instead of in the site's row: every comment transaction updated that one row, so concurrent comments waited for
-- each other's commit on it. A site's content version is its row's plus its stripes' sum (the sites_versions
-- view); each committed change still makes it grow.
CREATE TABLE site_comment_versions (
    site_id BIGINT NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    stripe INTEGER NOT NULL,
    version BIGINT NOT NULL,
    PRIMARY KEY (site_id, stripe)
);

CREATE OR REPLACE FUNCTION touch_sites_of_comments() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    bump CONSTANT text := 'INSERT INTO site_comment_versions (site_id, stripe, version)
        SELECT DISTINCT site_id, pg_backend_pid() %% 16, 1 FROM (%s) touched
        ON CONFLICT (site_id, stripe) DO UPDATE SET version = site_comment_versions.version + 1';
BEGIN
    IF TG_OP = 'INSERT' THEN
        EXECUTE format(bump, 'SELECT site_id FROM inserted_rows WHERE status = ''approved''');
    ELSIF TG_OP = 'DELETE' THEN
        EXECUTE format(bump, 'SELECT site_id FROM deleted_rows WHERE status = ''approved''');
    ELSE
        EXECUTE format(bump,
            'SELECT unnest(ARRAY[before_row.site_id, after_row.site_id]) AS site_id
             FROM deleted_rows before_row JOIN inserted_rows after_row ON after_row.id = before_row.id
             WHERE before_row.status = ''approved'' OR after_row.status = ''approved''');
    END IF;
    RETURN NULL;
END $$;

CREATE VIEW site_versions AS
SELECT s.id, s.slug,
       s.content_version
           + COALESCE((SELECT SUM(v.version) FROM site_comment_versions v WHERE v.site_id = s.id), 0)::BIGINT
           AS content_version,
       s.settings_version
FROM sites s;
