-- A draft's date is the writer's choice, or it floats until the post is published (then it is that moment).
ALTER TABLE posts ADD COLUMN date_chosen BOOLEAN NOT NULL DEFAULT TRUE;
-- A draft the editor's autosave made that its writer has not saved since: listed apart, to keep or discard.
ALTER TABLE posts ADD COLUMN autosaved_only BOOLEAN NOT NULL DEFAULT FALSE;
-- The editing session (a token of the new-post form) that made a post: one session makes one post, however
-- the editor was left and opened again.
ALTER TABLE posts ADD COLUMN editing_session TEXT;
CREATE UNIQUE INDEX posts_by_editing_session ON posts (author_id, editing_session)
    WHERE editing_session IS NOT NULL;
