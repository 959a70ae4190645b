-- Readings: the assigned texts, with the printed edition's page marks in their Markdown. A post may name the
-- reading it discusses; citations of a reading's pages, in posts and comments, are kept for its margin.
CREATE TABLE readings (
    id INTEGER PRIMARY KEY,
    site_id BIGINT NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    slug TEXT NOT NULL,
    title TEXT NOT NULL,
    author TEXT NOT NULL,
    year INTEGER,
    label TEXT NOT NULL,
    -- The label folded for comparison (case and spacing ignored): one reading per label in a site.
    label_key TEXT NOT NULL,
    source TEXT NOT NULL,
    members_only BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL,
    modified_at BIGINT NOT NULL,
    UNIQUE (site_id, slug),
    UNIQUE (site_id, label_key)
);

ALTER TABLE posts ADD COLUMN reading_id BIGINT REFERENCES readings (id) ON DELETE SET NULL;

-- One row per citation; comment_id is NULL for a citation in the post's own text.
CREATE TABLE citations (
    id INTEGER PRIMARY KEY,
    site_id BIGINT NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    reading_id BIGINT NOT NULL REFERENCES readings (id) ON DELETE CASCADE,
    post_id BIGINT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    comment_id BIGINT REFERENCES comments (id) ON DELETE CASCADE,
    first_page BIGINT NOT NULL,
    last_page BIGINT NOT NULL,
    quote TEXT NOT NULL
);
CREATE INDEX citations_by_page ON citations (reading_id, first_page);
CREATE INDEX citations_by_post ON citations (post_id);
CREATE INDEX citations_by_comment ON citations (comment_id);

CREATE TRIGGER readings_touch_site_insert AFTER INSERT ON readings
BEGIN UPDATE sites SET content_version = content_version + 1 WHERE id = NEW.site_id; END;
CREATE TRIGGER readings_touch_site_update AFTER UPDATE ON readings
BEGIN UPDATE sites SET content_version = content_version + 1 WHERE id IN (OLD.site_id, NEW.site_id); END;
CREATE TRIGGER readings_touch_site_delete AFTER DELETE ON readings
BEGIN UPDATE sites SET content_version = content_version + 1 WHERE id = OLD.site_id; END;
CREATE TRIGGER citations_touch_site_insert AFTER INSERT ON citations
BEGIN UPDATE sites SET content_version = content_version + 1 WHERE id = NEW.site_id; END;
CREATE TRIGGER citations_touch_site_delete AFTER DELETE ON citations
BEGIN UPDATE sites SET content_version = content_version + 1 WHERE id = OLD.site_id; END;
