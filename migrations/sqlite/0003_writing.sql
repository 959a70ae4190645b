-- Writing in the browser: sticky posts, post passwords, optimistic locking, trash, and revisions.

ALTER TABLE posts ADD COLUMN sticky BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE posts ADD COLUMN password TEXT;
-- Bumped by every save; a save that names an older version is refused, so no edit silently replaces another.
ALTER TABLE posts ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE posts ADD COLUMN status_before_trash TEXT;

-- Every saved state of a post's text, newest last.
CREATE TABLE revisions (
    id INTEGER PRIMARY KEY,
    site_id BIGINT NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    post_id BIGINT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    editor_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    title TEXT NOT NULL,
    source TEXT NOT NULL,
    excerpt TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX revisions_by_post ON revisions (post_id, id);
