//! One-time upgrades of stored data that a schema migration alone cannot make. Each is claimed by the first
//! instance that inserts its row in `data_upgrades`, and done once.

use crate::domain::{
    markup::html_to_text,
    post::{Post, SourceFormat, render_body_citing},
    site::{self, MAIN_SITE, SiteRoot},
};

use super::{
    Store, StoreResult,
    posts::{index_post, insert_revision},
    readings::replace_citations,
    with_pool,
};

/// What the root-links upgrade did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RootedLinks {
    /// Posts and pages whose source was changed, each with a revision.
    pub posts: usize,
    /// Links put under their site's root.
    pub links: usize,
    /// Posts whose source links nothing of the site but which cite its readings: drawn again.
    pub citing_posts: usize,
    /// Readings whose text was changed.
    pub readings: usize,
    /// Comments whose citation links were put under their site's root.
    pub comments: u64,
}

impl Store {
    /// Sites other than the main one used to have every root-relative link of their pages prefixed with the
    /// site's root as the page was served. Addresses are now served as written, so the links their authors
    /// wrote (`/2026/01/05/week-1/`) are put under the root in the stored source, each changed post with a
    /// revision by no one (so it can be undone), and the citation links stored in comments likewise. `None`
    /// when this was done before (by this instance or another).
    pub async fn root_sub_site_links(&self, now: i64) -> StoreResult<Option<RootedLinks>> {
        if !self.claim_upgrade("root-relative-links", now).await? {
            return Ok(None);
        }
        let sites: Vec<(i64, String)> = with_pool!(self, reader, |pool| {
            sqlx::query_as("SELECT id, slug FROM sites WHERE slug <> $1 ORDER BY id")
                .bind(MAIN_SITE)
                .fetch_all(pool)
                .await
        })?;
        let mut done = RootedLinks::default();
        for (site_id, slug) in sites {
            let root = SiteRoot::for_slug(&slug);
            let stale_citation = "href=\"/readings/";
            for post in self.all_posts(site_id).await? {
                let markdown = post.source_format == SourceFormat::Markdown;
                if let Some((source, links)) = site::root_links(&post.source, markdown, &root) {
                    self.revise_source(&post, &source, now).await?;
                    done.posts += 1;
                    done.links += links;
                } else if post.content_html.as_str().contains(stale_citation) {
                    // Only its citations' links, which colloquy draws: drawn again, the source as it is.
                    self.redraw(&post).await?;
                    done.citing_posts += 1;
                }
            }
            for reading in self.readings(site_id).await? {
                if let Some((source, links)) = site::root_links(&reading.source, true, &root) {
                    with_pool!(self, writer, |pool| {
                        sqlx::query("UPDATE readings SET source = $1 WHERE id = $2")
                            .bind(&source)
                            .bind(reading.id)
                            .execute(pool)
                            .await
                            .map(|_| ())
                    })?;
                    done.readings += 1;
                    done.links += links;
                }
            }
            let comments = with_pool!(self, writer, |pool| {
                sqlx::query(
                    "UPDATE comments SET content_html = REPLACE(content_html, 'href=\"/readings/', $2)
                     WHERE site_id = $1 AND content_html LIKE '%href=\"/readings/%'",
                )
                .bind(site_id)
                .bind(format!("href=\"{}", root.join("/readings/")))
                .execute(pool)
                .await
                .map(|done| done.rows_affected())
            })?;
            done.comments += comments;
        }
        Ok(Some(done))
    }

    /// Claims a one-time upgrade for this instance; `false` when it was claimed before (here or elsewhere).
    async fn claim_upgrade(&self, name: &str, now: i64) -> StoreResult<bool> {
        let claimed = with_pool!(self, writer, |pool| {
            sqlx::query(
                "INSERT INTO data_upgrades (name, done_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
            )
            .bind(name)
            .bind(now)
            .execute(pool)
            .await
            .map(|done| done.rows_affected())
        })?;
        Ok(claimed == 1)
    }

    /// Draws a post again from its source as it is (what colloquy adds to it, such as citation links, changed).
    async fn redraw(&self, post: &Post) -> StoreResult<()> {
        let citable = self.citable(post.site_id, post.reading_id).await?;
        let (body, cited) =
            render_body_citing(&post.source, post.source_format, &post.excerpt, &citable);
        with_pool!(self, writer, |pool, dialect| {
            let mut tx = pool.begin_with(dialect.begin).await?;
            sqlx::query(
                "UPDATE posts SET content_html = $1, summary = $2 WHERE site_id = $3 AND id = $4",
            )
            .bind(body.html.as_str())
            .bind(&body.summary)
            .bind(post.site_id)
            .bind(post.id)
            .execute(&mut *tx)
            .await?;
            replace_citations!(&mut *tx, post.site_id, post.id, None, &cited);
            tx.commit().await
        })?;
        Ok(())
    }

    /// Excerpts used to glue footnote marks and block quotes into the sentence, and a block quote ending with
    /// its page (`> … (2)`) was no citation: every post whose source may hold a footnote or a quotation is drawn
    /// again once, its source as it is (no revision). How many, or `None` when this was done before.
    pub async fn redraw_quotes_and_footnotes(&self, now: i64) -> StoreResult<Option<usize>> {
        if !self.claim_upgrade("quotes-and-footnotes", now).await? {
            return Ok(None);
        }
        let posts: Vec<(i64, i64)> = with_pool!(self, reader, |pool| {
            sqlx::query_as(
                "SELECT site_id, id FROM posts WHERE source LIKE '%[^%' OR source LIKE '%>%' ORDER BY id",
            )
            .fetch_all(pool)
            .await
        })?;
        for (site_id, id) in &posts {
            if let Some(post) = self.post_by_id(*site_id, *id).await? {
                self.redraw(&post).await?;
            }
        }
        Ok(Some(posts.len()))
    }

    /// Stores a new source for a post, drawn again, with a revision by no one; the rest of the post stays.
    async fn revise_source(&self, post: &Post, source: &str, now: i64) -> StoreResult<()> {
        let citable = self.citable(post.site_id, post.reading_id).await?;
        let (body, cited) = render_body_citing(source, post.source_format, &post.excerpt, &citable);
        let search_text = html_to_text(body.html.as_str());
        with_pool!(self, writer, |pool, dialect| {
            let mut tx = pool.begin_with(dialect.begin).await?;
            sqlx::query(
                "UPDATE posts SET source = $1, content_html = $2, summary = $3, modified_at = $4,
                        version = version + 1
                 WHERE site_id = $5 AND id = $6",
            )
            .bind(source)
            .bind(body.html.as_str())
            .bind(&body.summary)
            .bind(now)
            .bind(post.site_id)
            .bind(post.id)
            .execute(&mut *tx)
            .await?;
            replace_citations!(&mut *tx, post.site_id, post.id, None, &cited);
            index_post!(&mut *tx, dialect, post.id, &post.title, &search_text);
            insert_revision!(
                &mut *tx,
                post.site_id,
                post.id,
                None::<i64>,
                &post.title,
                source,
                &post.excerpt,
                now
            );
            tx.commit().await
        })?;
        Ok(())
    }
}
