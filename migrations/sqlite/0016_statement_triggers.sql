-- PostgreSQL's content-version triggers move to one bump per statement in this version. SQLite has only
-- per-row triggers, and there the bump is an in-process write to one cached page, so it keeps them as they are.
SELECT 1;
