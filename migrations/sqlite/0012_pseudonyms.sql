-- A member may publish under a pseudonym: every public page shows it instead of their name, which only the
-- site's staff see. Changing it changes public pages, so it moves the content version like a name does.
ALTER TABLE users ADD COLUMN pseudonym TEXT;

DROP TRIGGER users_touch_sites;
CREATE TRIGGER users_touch_sites AFTER UPDATE OF name, nicename, pseudonym ON users
BEGIN UPDATE sites SET content_version = content_version + 1
      WHERE id IN (SELECT site_id FROM memberships WHERE user_id = NEW.id); END;
