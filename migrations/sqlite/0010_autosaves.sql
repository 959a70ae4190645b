-- The editor's autosave: the text a writer has typed but not yet saved, one per post and writer. Readers never
-- see it, so it does not move the site's content version; a save of the post discards it.
CREATE TABLE autosaves (
    post_id BIGINT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    source TEXT NOT NULL,
    excerpt TEXT NOT NULL,
    saved_at BIGINT NOT NULL,
    PRIMARY KEY (post_id, user_id)
);
