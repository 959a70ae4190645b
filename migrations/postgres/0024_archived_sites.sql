-- An archived course is read-only: still served to its readers as before, but it takes no new posts, comments,
-- members or edits until it is restored. NULL while the site is open; otherwise when it was archived.
ALTER TABLE sites ADD COLUMN archived_at BIGINT;
