-- Full-text search over the titles and text of posts and pages. The application keeps each post's row in step
-- with the post in the same transaction; the rowid is the post's id. Existing posts are indexed from their
-- source text.
CREATE VIRTUAL TABLE post_search USING fts5(title, body, tokenize = 'porter unicode61 remove_diacritics 2');
INSERT INTO post_search (rowid, title, body) SELECT id, title, source FROM posts;
