-- Indexes that keep the hot paths of reading and commenting from scanning (found by colloquy-bench).
-- The home page lists sticky posts first, then by date: this order is read straight off the index.
CREATE INDEX posts_home ON posts (site_id, kind, status, sticky, published_at, id);
-- A signed-in person's comments (the duplicate check, and their own history).
CREATE INDEX comments_by_user ON comments (user_id, post_id);
