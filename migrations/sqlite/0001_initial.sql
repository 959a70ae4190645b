-- The course blog's first schema: sites, people, posts and pages, terms, comments.
-- Timestamps are Unix seconds set by the application. Every content row carries its site.

CREATE TABLE secrets (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE sites (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);

CREATE TABLE site_settings (
    site_id BIGINT NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (site_id, key)
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL,
    name TEXT NOT NULL,
    nicename TEXT NOT NULL,
    password_hash TEXT,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX users_email_unique ON users (lower(email));
CREATE UNIQUE INDEX users_nicename_unique ON users (nicename);

CREATE TABLE memberships (
    site_id BIGINT NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('administrator', 'editor', 'author', 'contributor', 'subscriber')),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (site_id, user_id)
);
CREATE INDEX memberships_user ON memberships (user_id);

CREATE TABLE posts (
    id INTEGER PRIMARY KEY,
    site_id BIGINT NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    author_id BIGINT NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL CHECK (kind IN ('post', 'page')),
    status TEXT NOT NULL CHECK (status IN ('draft', 'pending', 'future', 'publish', 'private', 'trash')),
    slug TEXT NOT NULL,
    title TEXT NOT NULL,
    source TEXT NOT NULL,
    source_format TEXT NOT NULL CHECK (source_format IN ('markdown', 'html')),
    content_html TEXT NOT NULL,
    excerpt TEXT NOT NULL,
    summary TEXT NOT NULL,
    parent_id BIGINT REFERENCES posts (id) ON DELETE SET NULL,
    comments_open BOOLEAN NOT NULL,
    published_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    modified_at BIGINT NOT NULL,
    UNIQUE (site_id, slug)
);
CREATE INDEX posts_listing ON posts (site_id, kind, status, published_at, id);
CREATE INDEX posts_by_author ON posts (author_id, kind, status, published_at);
CREATE INDEX posts_by_parent ON posts (parent_id);

CREATE TABLE post_old_slugs (
    site_id BIGINT NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    slug TEXT NOT NULL,
    post_id BIGINT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    PRIMARY KEY (site_id, slug)
);
CREATE INDEX post_old_slugs_post ON post_old_slugs (post_id);

CREATE TABLE terms (
    id INTEGER PRIMARY KEY,
    site_id BIGINT NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    taxonomy TEXT NOT NULL CHECK (taxonomy IN ('category', 'post_tag')),
    slug TEXT NOT NULL,
    name TEXT NOT NULL,
    parent_id BIGINT REFERENCES terms (id) ON DELETE SET NULL,
    UNIQUE (site_id, taxonomy, slug)
);

CREATE TABLE post_terms (
    post_id BIGINT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    term_id BIGINT NOT NULL REFERENCES terms (id) ON DELETE CASCADE,
    PRIMARY KEY (post_id, term_id)
);
CREATE INDEX post_terms_by_term ON post_terms (term_id, post_id);

CREATE TABLE comments (
    id INTEGER PRIMARY KEY,
    site_id BIGINT NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    post_id BIGINT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    parent_id BIGINT REFERENCES comments (id) ON DELETE SET NULL,
    user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    author_name TEXT NOT NULL,
    author_email TEXT NOT NULL,
    author_url TEXT,
    author_ip TEXT NOT NULL,
    user_agent TEXT NOT NULL,
    content TEXT NOT NULL,
    content_html TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'spam', 'trash')),
    status_before_trash TEXT,
    trashed_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX comments_thread ON comments (post_id, status, created_at);
CREATE INDEX comments_by_ip ON comments (site_id, author_ip, created_at);
CREATE INDEX comments_by_email ON comments (site_id, lower(author_email), created_at);
CREATE INDEX comments_by_status ON comments (site_id, status, created_at);
CREATE INDEX comments_by_parent ON comments (parent_id);
