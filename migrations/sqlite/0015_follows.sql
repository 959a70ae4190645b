-- Following a discussion: a commenter who ticked "Notify me of follow-up comments" is mailed each approved
-- comment on that post, once their address is confirmed by the link of the first mail. The token is in every
-- mail's links (confirm, unsubscribe) and is all they need: no sign-in.
CREATE TABLE follows (
    id INTEGER PRIMARY KEY,
    site_id BIGINT NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    post_id BIGINT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    email_key TEXT NOT NULL,
    token TEXT NOT NULL UNIQUE,
    confirmed_at BIGINT,
    created_at BIGINT NOT NULL,
    UNIQUE (post_id, email_key)
);
CREATE INDEX follows_by_email ON follows (site_id, email_key);
