-- A member's student id on a site (a university's number that gradebooks match rows on), set by staff.
ALTER TABLE memberships ADD COLUMN student_id TEXT;
-- A category whose posts are one assignment: their grades are one column of the gradebook CSV.
ALTER TABLE terms ADD COLUMN is_assignment BOOLEAN NOT NULL DEFAULT FALSE;
