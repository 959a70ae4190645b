-- Discussion on a passage: a comment may be on one paragraph of a reading or one block quote of a post. It keeps
-- the passage's signature (what finds the passage again after edits elsewhere) and its words as they were
-- (shown as "an earlier version" once the passage is rewritten).
ALTER TABLE comments ADD COLUMN passage_signature TEXT;
ALTER TABLE comments ADD COLUMN passage_text TEXT;
CREATE INDEX comments_by_passage ON comments (post_id, passage_signature);

-- A reading's discussion is held on a post of its own that is never published as a post (a draft page that
-- no listing shows); its comments are ordinary comments, shown on the reading's page.
ALTER TABLE posts ADD COLUMN discusses_reading BOOLEAN NOT NULL DEFAULT FALSE;
CREATE UNIQUE INDEX posts_reading_discussion ON posts (reading_id) WHERE discusses_reading;
