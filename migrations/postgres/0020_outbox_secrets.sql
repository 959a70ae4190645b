-- A mail that carries a one-time link (password reset, sign-in link, email confirmation) gives its recipient's
-- account to whoever reads it: the dashboard's outbox shows its text only where the reader may already act for
-- that account.
ALTER TABLE outbox ADD COLUMN carries_secret BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE outbox SET carries_secret = TRUE
WHERE body LIKE '%/login/reset/%' OR body LIKE '%/login/link/%' OR body LIKE '%/account/confirm/%';
