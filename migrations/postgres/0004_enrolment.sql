-- Enrolment: each site's join code, and confirmations of email addresses.

ALTER TABLE sites ADD COLUMN join_code TEXT;
CREATE UNIQUE INDEX sites_join_code_unique ON sites (join_code);

-- A mailed link that proves an address belongs to an account (a new account, or a changed email).
CREATE TABLE email_confirmations (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX email_confirmations_by_user ON email_confirmations (user_id);
