-- Accounts in use: sessions, sign-in throttling, one-time links, and the mail outbox.

ALTER TABLE users ADD COLUMN email_confirmed_at BIGINT;

-- A signed-in browser. The cookie holds a random token; only its SHA-256 is stored.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);

-- Failed password sign-ins, counted per client address and per email typed (existing account or not).
CREATE TABLE sign_in_failures (
    id INTEGER PRIMARY KEY,
    client_ip TEXT NOT NULL,
    email_key TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX sign_in_failures_by_ip ON sign_in_failures (client_ip, created_at);
CREATE INDEX sign_in_failures_by_email ON sign_in_failures (email_key, created_at);

-- Single-use links: password reset and sign-in by mail. Only the token's SHA-256 is stored.
CREATE TABLE one_time_tokens (
    token_hash TEXT PRIMARY KEY,
    purpose TEXT NOT NULL CHECK (purpose IN ('reset_password', 'sign_in')),
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX one_time_tokens_by_user ON one_time_tokens (user_id);

-- Every mail colloquy sends is written here first; delivery by SMTP marks it sent.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    site_id BIGINT REFERENCES sites (id) ON DELETE SET NULL,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    sent_at BIGINT,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT
);
CREATE INDEX outbox_by_site ON outbox (site_id, created_at);
CREATE INDEX outbox_unsent ON outbox (sent_at, attempts);
