-- The background work runs every second on every instance: publishing scheduled posts and purging old trash.
-- These partial indexes hold only the rows it looks for, so it never reads the whole table of a large site.
CREATE INDEX posts_scheduled ON posts (published_at) WHERE status = 'future';
CREATE INDEX comments_trashed ON comments (trashed_at) WHERE status = 'trash';
