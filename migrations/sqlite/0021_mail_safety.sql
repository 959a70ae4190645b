-- Mail that cannot be turned into a weapon or go astray (#17 points 10 and 12).

-- Delivery: one instance at a time holds a mail (claimed_until, a lease); a failed one is tried again when
-- next_attempt_at comes, which is NULL once it is sent or left for a person after a day of tries. A mail keeps
-- its Message-ID, so that a receiver can tell a retry from a new mail, and a follow-up mail the address that
-- unsubscribes in one click (List-Unsubscribe).
ALTER TABLE outbox ADD COLUMN next_attempt_at BIGINT;
ALTER TABLE outbox ADD COLUMN claimed_until BIGINT;
ALTER TABLE outbox ADD COLUMN message_id TEXT;
ALTER TABLE outbox ADD COLUMN unsubscribe_url TEXT;
UPDATE outbox SET next_attempt_at = created_at WHERE sent_at IS NULL AND attempts < 5;
DROP INDEX outbox_unsent;
CREATE INDEX outbox_due ON outbox (next_attempt_at);

-- Mails a stranger can have sent (reset and sign-in links, joining), counted per recipient and per client
-- address over the last hour, whether an account has the address or not.
CREATE TABLE mail_requests (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('link', 'join')),
    email_key TEXT NOT NULL,
    client_ip TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX mail_requests_by_email ON mail_requests (email_key, created_at);
CREATE INDEX mail_requests_by_ip ON mail_requests (client_ip, kind, created_at);

-- Joining a course with a new account: nothing is made until the link mailed to the address is used, so the
-- join form answers the same whether the address has an account or not. Only the token's SHA-256 is stored.
CREATE TABLE join_requests (
    token_hash TEXT PRIMARY KEY,
    site_id BIGINT NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX join_requests_by_expiry ON join_requests (expires_at);
