-- Full-text search over the titles and text of posts and pages. The application keeps each post's row in step
-- with the post in the same transaction. Existing posts are indexed from their source text.
CREATE TABLE post_search (
    post_id BIGINT PRIMARY KEY REFERENCES posts (id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    document TSVECTOR NOT NULL
);
CREATE INDEX post_search_document ON post_search USING GIN (document);
INSERT INTO post_search (post_id, title, body, document)
SELECT id, title, source, setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', source), 'B')
FROM posts;
