-- What WordPress imports brought in, by WordPress id: running an import again skips what is here, and the old
-- site's links (its permalinks, ?p=ID, ?page_id=ID, attachment pages) find their new addresses.
CREATE TABLE imported_posts (
    site_id BIGINT NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    wordpress_id BIGINT NOT NULL,
    -- NULL for an attachment, which has no page of its own here.
    post_id BIGINT REFERENCES posts (id) ON DELETE CASCADE,
    -- The WordPress parent: a page's parent page, or the post an attachment belongs to.
    parent_wordpress_id BIGINT,
    PRIMARY KEY (site_id, wordpress_id)
);
CREATE INDEX imported_posts_by_post ON imported_posts (post_id);

CREATE TABLE imported_comments (
    site_id BIGINT NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    wordpress_id BIGINT NOT NULL,
    comment_id BIGINT NOT NULL REFERENCES comments (id) ON DELETE CASCADE,
    PRIMARY KEY (site_id, wordpress_id)
);
CREATE INDEX imported_comments_by_comment ON imported_comments (comment_id);

-- The addresses the old site gave its posts, pages and attachments: path and query relative to the site,
-- percent-decoded, without a trailing slash.
CREATE TABLE legacy_paths (
    site_id BIGINT NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    path TEXT NOT NULL,
    wordpress_id BIGINT NOT NULL,
    PRIMARY KEY (site_id, path)
);
