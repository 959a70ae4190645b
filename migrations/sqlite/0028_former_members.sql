-- A post kept on a site its writer left (#18 point 6): it shows "former student" as its author, never their
-- name or author page. (Their comments are kept the same way, with no column: the name is stored with each.)
ALTER TABLE posts ADD COLUMN by_former_member BOOLEAN NOT NULL DEFAULT FALSE;
