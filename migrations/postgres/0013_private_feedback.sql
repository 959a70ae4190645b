-- Private feedback: a comment only the post's author and the site's staff see (staff's feedback with an
-- optional grade, or the author's question to staff). Public pages, feeds, counts and exports leave it out.
ALTER TABLE comments ADD COLUMN is_private BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE comments ADD COLUMN grade TEXT;
