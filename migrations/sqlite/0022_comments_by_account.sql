-- A signed-in writer's flood check looks at their account's recent comments on the site, not at their address
-- (a lecture hall shares one).
CREATE INDEX comments_by_account_time ON comments (user_id, created_at);
