-- A member may publish under a pseudonym: every public page shows it instead of their name, which only the
-- site's staff see. Changing it changes public pages, so it moves the content version like a name does.
ALTER TABLE users ADD COLUMN pseudonym TEXT;

DROP TRIGGER users_touch_sites ON users;
CREATE TRIGGER users_touch_sites AFTER UPDATE OF name, nicename, pseudonym ON users
    FOR EACH ROW EXECUTE FUNCTION touch_sites_of_user();
