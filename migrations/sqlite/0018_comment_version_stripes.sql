-- PostgreSQL's comments move their site's content version in stripes (see its 0018); SQLite has one writer, so
-- its comments keep moving the version in the site's row, and the view reads it from there.
CREATE VIEW site_versions AS
SELECT id, slug, content_version, settings_version FROM sites;
