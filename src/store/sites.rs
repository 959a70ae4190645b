//! Sites and their settings; sites made, copied for next term, archived and restored (`/admin/sites`).

pub use crate::domain::site::Site;
use crate::domain::{
    citation::{Citable, CitableReading, Cited, label_key},
    markup::html_to_text,
    post::{PostKind, PostStatus, RenderedBody, SourceFormat, render_body_citing},
    settings::SiteSettings,
    site::{MAIN_SITE, SiteRoot, moved_links},
    slug,
    user::{Role, User},
};

use super::{
    Store, StoreError, StoreResult,
    accounts::TokenPurpose,
    posts::{index_post, insert_revision},
    readings::replace_citations,
    users::free_nicename,
    with_pool,
};

/// Where a site stands: read on every request, to check what is kept in memory.
#[derive(Clone, Copy, Debug)]
pub struct SiteVersions {
    pub id: i64,
    pub content_version: i64,
    pub settings_version: i64,
}

/// The first administrator of a site being made.
#[derive(Clone, Copy, Debug)]
pub enum FirstAdministrator<'a> {
    /// An account, by its id (the administrator who copies a course).
    Account(i64),
    /// The account with this address; when there is none, one is made for it, without a password and with a
    /// link to set one (`token_hash`, good until `expires_at`). Its address counts as confirmed: the main
    /// site's administrator gave it, as `colloquy user add` does.
    Email {
        email: &'a str,
        name: &'a str,
        token_hash: &'a str,
        expires_at: i64,
    },
}

/// A site to make, new or as a copy of another.
#[derive(Clone, Copy, Debug)]
pub struct NewSite<'a> {
    pub slug: &'a str,
    pub title: &'a str,
    /// `None`: made on first use.
    pub join_code: Option<&'a str>,
    pub administrator: Option<FirstAdministrator<'a>>,
}

/// The administrator a new site was given.
#[derive(Clone, Debug)]
pub enum GivenAdministrator {
    /// An account that existed.
    Existing(User),
    /// An account made for the address, whose link to set a password is now good.
    Invited(User),
}

/// A site just made, and who became its administrator.
#[derive(Clone, Debug)]
pub struct MadeSite {
    pub site: Site,
    pub administrator: Option<GivenAdministrator>,
}

/// Inserts a site's row and its title inside a transaction; its id.
macro_rules! insert_site {
    ($tx:expr, $new:expr, $now:expr) => {{
        let new: &NewSite<'_> = $new;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO sites (slug, created_at, join_code) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(new.slug)
        .bind($now)
        .bind(new.join_code)
        .fetch_one($tx)
        .await?;
        sqlx::query("INSERT INTO site_settings (site_id, key, value) VALUES ($1, 'title', $2)")
            .bind(id)
            .bind(new.title)
            .execute($tx)
            .await?;
        id
    }};
}

/// Makes a new site's first administrator inside a transaction: (their account, whether it was made for
/// them), or `None` when the site has none.
macro_rules! give_administrator {
    ($tx:expr, $site_id:expr, $administrator:expr, $now:expr) => {{
        let administrator: Option<FirstAdministrator<'_>> = $administrator;
        let given: Option<(i64, bool)> = match administrator {
            None => None,
            Some(FirstAdministrator::Account(user_id)) => Some((user_id, false)),
            Some(FirstAdministrator::Email {
                email,
                name,
                token_hash,
                expires_at,
            }) => {
                let existing: Option<i64> =
                    sqlx::query_scalar("SELECT id FROM users WHERE lower(email) = lower($1)")
                        .bind(email)
                        .fetch_optional($tx)
                        .await?;
                match existing {
                    Some(user_id) => Some((user_id, false)),
                    None => {
                        let nicename = free_nicename!($tx, &slug::slugify(name));
                        let user_id: i64 = sqlx::query_scalar(
                            "INSERT INTO users (email, name, nicename, password_hash, created_at, email_confirmed_at)
                             VALUES ($1, $2, $3, NULL, $4, $4) RETURNING id",
                        )
                        .bind(email)
                        .bind(name)
                        .bind(&nicename)
                        .bind($now)
                        .fetch_one($tx)
                        .await?;
                        sqlx::query(
                            "INSERT INTO one_time_tokens (token_hash, purpose, user_id, created_at, expires_at)
                             VALUES ($1, $2, $3, $4, $5)",
                        )
                        .bind(token_hash)
                        .bind(TokenPurpose::ResetPassword.as_str())
                        .bind(user_id)
                        .bind($now)
                        .bind(expires_at)
                        .execute($tx)
                        .await?;
                        Some((user_id, true))
                    }
                }
            }
        };
        if let Some((user_id, _)) = given {
            sqlx::query(
                "INSERT INTO memberships (site_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (site_id, user_id) DO UPDATE SET role = excluded.role",
            )
            .bind($site_id)
            .bind(user_id)
            .bind(Role::Administrator.as_str())
            .bind($now)
            .execute($tx)
            .await?;
        }
        given
    }};
}

/// A site joined with its settings: one row per setting (or one row with none).
const SITE_WITH_SETTINGS: &str =
    "SELECT s.id, s.slug, s.content_version, s.settings_version, x.archived_at, ss.key, ss.value
                                  FROM site_versions s JOIN sites x ON x.id = s.id
                                  LEFT JOIN site_settings ss ON ss.site_id = s.id";

type SiteRow = (
    i64,
    String,
    i64,
    i64,
    Option<i64>,
    Option<String>,
    Option<String>,
);

/// Groups joined rows into sites with their settings, in the order the sites first appear.
fn sites_from_rows(rows: Vec<SiteRow>) -> Vec<Site> {
    let mut sites: Vec<Site> = Vec::new();
    for (id, slug, content_version, settings_version, archived_at, key, value) in rows {
        if !sites.iter().any(|site| site.id == id) {
            sites.push(Site {
                id,
                slug,
                settings: SiteSettings::default(),
                content_version,
                settings_version,
                archived_at,
            });
        }
        if let (Some(site), Some(key), Some(value)) =
            (sites.iter_mut().find(|site| site.id == id), key, value)
        {
            site.settings.apply_stored(&key, &value);
        }
    }
    sites
}

impl Store {
    /// Whether the database holds no account and no post yet: a fresh install, which may get the demo course
    /// (one whose operator has already made an account never does).
    pub async fn is_unused(&self) -> StoreResult<bool> {
        let count: i64 = with_pool!(self, reader, |pool| sqlx::query_scalar(
            "SELECT (SELECT COUNT(*) FROM users) + (SELECT COUNT(*) FROM posts)"
        )
        .fetch_one(pool)
        .await)?;
        Ok(count == 0)
    }

    /// Creates a site with its title; `Conflict` when the slug is taken.
    pub async fn create_site(&self, slug: &str, title: &str, now: i64) -> StoreResult<Site> {
        let made = self
            .make_site(
                &NewSite {
                    slug,
                    title,
                    join_code: None,
                    administrator: None,
                },
                now,
            )
            .await?;
        Ok(made.site)
    }

    /// Makes a site with its title and first administrator, in one transaction; `Conflict` when the slug is
    /// taken.
    pub async fn make_site(&self, new: &NewSite<'_>, now: i64) -> StoreResult<MadeSite> {
        let (id, administrator) = with_pool!(self, writer, |pool, dialect| {
            let mut tx = pool.begin_with(dialect.begin).await?;
            let id = insert_site!(&mut *tx, new, now);
            let administrator = give_administrator!(&mut *tx, id, new.administrator, now);
            tx.commit().await?;
            (id, administrator)
        });
        self.made_site(id, administrator).await
    }

    /// Copies a course for next term, in one transaction: a new site with `from`'s settings (but its own title
    /// and a new join code), its categories in their tree, its pages (but those in the trash) in theirs, and its
    /// readings, each link into `from` moved to the new site's root and each page drawn again for it; no
    /// members but the first administrator, no posts, comments, follows or mail. `Conflict` when the slug is
    /// taken.
    pub async fn copy_site(
        &self,
        from: &Site,
        new: &NewSite<'_>,
        now: i64,
    ) -> StoreResult<MadeSite> {
        let (old_root, new_root) = (from.root(), SiteRoot::for_slug(new.slug));
        let elsewhere: Vec<SiteRoot> = self
            .sites()
            .await?
            .iter()
            .filter(|site| site.id != from.id)
            .map(Site::root)
            .collect();
        let moved = |source: &str, markdown: bool| {
            moved_links(source, markdown, &old_root, &new_root, &elsewhere)
                .map_or_else(|| source.to_owned(), |(moved, _)| moved)
        };
        let categories = self.categories(from.id).await?;
        let readings: Vec<_> = self
            .readings(from.id)
            .await?
            .into_iter()
            .map(|reading| {
                let source = moved(&reading.source, true);
                (reading, source)
            })
            .collect();
        let pages: Vec<_> = self
            .all_posts(from.id)
            .await?
            .into_iter()
            .filter(|post| {
                post.kind == PostKind::Page
                    && post.status != PostStatus::Trash
                    && !post.discusses_reading
            })
            .map(|page| {
                let source = moved(&page.source, page.source_format == SourceFormat::Markdown);
                (page, source)
            })
            .collect();
        // Drawn for the new site: its root, and the copied readings (by the old ids, mapped once stored).
        let citable = Citable {
            root: new_root.clone(),
            readings: readings
                .iter()
                .map(|(reading, _)| CitableReading {
                    id: reading.id,
                    slug: reading.slug.clone(),
                    label_key: label_key(&reading.label),
                })
                .collect(),
            default: None,
        };
        let drawn: Vec<(RenderedBody, Vec<Cited>)> = {
            let work: Vec<_> = pages
                .iter()
                .map(|(page, source)| {
                    (
                        source.clone(),
                        page.source_format,
                        page.excerpt.clone(),
                        page.reading_id,
                    )
                })
                .collect();
            crate::cpu::off_the_async_workers(move || {
                work.into_iter()
                    .map(|(source, format, excerpt, reading_id)| {
                        let citable = Citable {
                            default: reading_id,
                            ..citable.clone()
                        };
                        render_body_citing(&source, format, &excerpt, &citable)
                    })
                    .collect()
            })
            .await
        };
        let (id, administrator) = with_pool!(self, writer, |pool, dialect| {
            let mut tx = pool.begin_with(dialect.begin).await?;
            let id = insert_site!(&mut *tx, new, now);
            sqlx::query(
                "INSERT INTO site_settings (site_id, key, value)
                 SELECT $1, key, value FROM site_settings WHERE site_id = $2 AND key <> 'title'",
            )
            .bind(id)
            .bind(from.id)
            .execute(&mut *tx)
            .await?;

            let mut terms = std::collections::HashMap::new();
            for term in &categories {
                let copied: i64 = sqlx::query_scalar(
                    "INSERT INTO terms (site_id, taxonomy, slug, name, is_assignment)
                     SELECT $1, 'category', $2, $3, is_assignment FROM terms WHERE id = $4 RETURNING id",
                )
                .bind(id)
                .bind(&term.slug)
                .bind(&term.name)
                .bind(term.id)
                .fetch_one(&mut *tx)
                .await?;
                terms.insert(term.id, copied);
            }
            for term in &categories {
                if let (Some(copied), Some(parent)) = (
                    terms.get(&term.id),
                    term.parent_id.and_then(|parent| terms.get(&parent)),
                ) {
                    sqlx::query("UPDATE terms SET parent_id = $1 WHERE id = $2")
                        .bind(parent)
                        .bind(copied)
                        .execute(&mut *tx)
                        .await?;
                }
            }

            let mut copied_readings = std::collections::HashMap::new();
            for (reading, source) in &readings {
                let copied: i64 = sqlx::query_scalar(
                    "INSERT INTO readings (site_id, slug, title, author, year, label, label_key, source, members_only,
                                           created_at, modified_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
                )
                .bind(id)
                .bind(&reading.slug)
                .bind(&reading.title)
                .bind(&reading.author)
                .bind(reading.year)
                .bind(&reading.label)
                .bind(label_key(&reading.label))
                .bind(source)
                .bind(reading.members_only)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
                copied_readings.insert(reading.id, copied);
            }

            let mut copied_pages = std::collections::HashMap::new();
            for ((page, source), (body, cited)) in pages.iter().zip(&drawn) {
                let reading_id = page
                    .reading_id
                    .and_then(|reading| copied_readings.get(&reading).copied());
                let copied: i64 = sqlx::query_scalar(
                    "INSERT INTO posts (site_id, author_id, kind, status, slug, title, source, source_format,
                                        content_html, excerpt, summary, parent_id, comments_open, published_at,
                                        created_at, modified_at, sticky, password, reading_id)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, NULL, $12, $13, $14, $14, $15, $16, $17)
                     RETURNING id",
                )
                .bind(id)
                .bind(page.author_id)
                .bind(page.kind.as_str())
                .bind(page.status.as_str())
                .bind(&page.slug)
                .bind(&page.title)
                .bind(source)
                .bind(page.source_format.as_str())
                .bind(body.html.as_str())
                .bind(&page.excerpt)
                .bind(&body.summary)
                .bind(page.comments_open)
                .bind(page.published_at)
                .bind(now)
                .bind(page.sticky)
                .bind(page.password.as_deref())
                .bind(reading_id)
                .fetch_one(&mut *tx)
                .await?;
                copied_pages.insert(page.id, copied);
                let cited: Vec<Cited> = cited
                    .iter()
                    .filter_map(|citation| {
                        copied_readings
                            .get(&citation.reading_id)
                            .map(|reading_id| Cited {
                                reading_id: *reading_id,
                                ..citation.clone()
                            })
                    })
                    .collect();
                replace_citations!(&mut *tx, id, copied, None, &cited);
                let search_text = html_to_text(body.html.as_str());
                index_post!(&mut *tx, dialect, copied, &page.title, &search_text);
                insert_revision!(
                    &mut *tx,
                    id,
                    copied,
                    None::<i64>,
                    &page.title,
                    source,
                    &page.excerpt,
                    now
                );
            }
            for (page, _) in &pages {
                if let (Some(copied), Some(parent)) = (
                    copied_pages.get(&page.id),
                    page.parent_id.and_then(|parent| copied_pages.get(&parent)),
                ) {
                    sqlx::query("UPDATE posts SET parent_id = $1 WHERE id = $2")
                        .bind(parent)
                        .bind(copied)
                        .execute(&mut *tx)
                        .await?;
                }
            }

            let administrator = give_administrator!(&mut *tx, id, new.administrator, now);
            tx.commit().await?;
            (id, administrator)
        });
        self.made_site(id, administrator).await
    }

    /// Archives a site (`Some(when)`: read-only from then on) or restores it (`None`).
    pub async fn set_archived(&self, site_id: i64, archived_at: Option<i64>) -> StoreResult<Site> {
        let changed = with_pool!(self, writer, |pool| {
            // Both versions move: the site kept in memory carries whether it is archived, and cached pages
            // show (or no longer show) the comment form.
            sqlx::query(
                "UPDATE sites SET archived_at = $2, settings_version = settings_version + 1,
                                  content_version = content_version + 1
                 WHERE id = $1",
            )
            .bind(site_id)
            .bind(archived_at)
            .execute(pool)
            .await
            .map(|done| done.rows_affected())
        })?;
        if changed == 0 {
            return Err(StoreError::NotFound);
        }
        self.site_by_id(site_id).await
    }

    /// A site just made, with the account its first administrator is.
    async fn made_site(
        &self,
        id: i64,
        administrator: Option<(i64, bool)>,
    ) -> StoreResult<MadeSite> {
        let site = self.site_by_id(id).await?;
        let administrator = match administrator {
            None => None,
            Some((user_id, invited)) => {
                let user = self.user_by_id(user_id).await?;
                Some(if invited {
                    GivenAdministrator::Invited(user)
                } else {
                    GivenAdministrator::Existing(user)
                })
            }
        };
        Ok(MadeSite {
            site,
            administrator,
        })
    }

    pub async fn site_by_slug(&self, slug: &str) -> StoreResult<Site> {
        let rows: Vec<SiteRow> = with_pool!(self, reader, |pool| {
            sqlx::query_as(&format!("{SITE_WITH_SETTINGS} WHERE s.slug = $1"))
                .bind(slug)
                .fetch_all(pool)
                .await
        })?;
        sites_from_rows(rows).pop().ok_or(StoreError::NotFound)
    }

    /// Every site with its settings, the main one first.
    pub async fn sites(&self) -> StoreResult<Vec<Site>> {
        let rows: Vec<SiteRow> = with_pool!(self, reader, |pool| {
            sqlx::query_as(&format!("{SITE_WITH_SETTINGS} ORDER BY s.slug <> $1, s.id"))
                .bind(MAIN_SITE)
                .fetch_all(pool)
                .await
        })?;
        Ok(sites_from_rows(rows))
    }

    pub async fn site_by_id(&self, id: i64) -> StoreResult<Site> {
        let rows: Vec<SiteRow> = with_pool!(self, reader, |pool| {
            sqlx::query_as(&format!("{SITE_WITH_SETTINGS} WHERE s.id = $1"))
                .bind(id)
                .fetch_all(pool)
                .await
        })?;
        sites_from_rows(rows).pop().ok_or(StoreError::NotFound)
    }

    /// The versions of the site with this slug, or else of the main site: one small row, for checking a site
    /// already in memory. `NotFound` when neither exists.
    pub async fn site_versions_or_main(&self, slug: &str) -> StoreResult<SiteVersions> {
        let rows: Vec<(i64, String, i64, i64)> = with_pool!(self, reader, |pool| {
            sqlx::query_as(
                "SELECT id, slug, content_version, settings_version FROM site_versions WHERE slug = $1 OR slug = $2",
            )
            .bind(slug)
            .bind(MAIN_SITE)
            .fetch_all(pool)
            .await
        })?;
        rows.iter()
            .find(|(_, found, _, _)| found == slug)
            .or_else(|| rows.first())
            .map(|&(id, _, content_version, settings_version)| SiteVersions {
                id,
                content_version,
                settings_version,
            })
            .ok_or(StoreError::NotFound)
    }

    /// Stores one setting's value (already checked by `SiteSettings::set`).
    pub async fn save_setting(&self, site_id: i64, key: &str, value: &str) -> StoreResult<()> {
        with_pool!(self, writer, |pool| {
            sqlx::query(
                "INSERT INTO site_settings (site_id, key, value) VALUES ($1, $2, $3)
                 ON CONFLICT (site_id, key) DO UPDATE SET value = excluded.value",
            )
            .bind(site_id)
            .bind(key)
            .bind(value)
            .execute(pool)
            .await
            .map(|_| ())
        })?;
        Ok(())
    }
}

impl Store {
    /// The sites an account belongs to, with its role on each, main site first.
    pub async fn sites_of_user(&self, user_id: i64) -> StoreResult<Vec<(Site, Role)>> {
        let rows: Vec<(i64, String)> = with_pool!(self, reader, |pool| {
            sqlx::query_as(
                "SELECT site_id, role FROM memberships WHERE user_id = $1 ORDER BY site_id",
            )
            .bind(user_id)
            .fetch_all(pool)
            .await
        })?;
        let mut sites = Vec::with_capacity(rows.len());
        for (site_id, role) in rows {
            let role = role
                .parse::<Role>()
                .map_err(|error| StoreError::Corrupt(error.to_string()))?;
            sites.push((self.site_by_id(site_id).await?, role));
        }
        Ok(sites)
    }

    /// Whether a slug is used by a post or page of a site (a new site's slug must not hide one).
    pub async fn slug_in_use(&self, site_id: i64, slug: &str) -> StoreResult<bool> {
        let found: Option<i64> = with_pool!(self, reader, |pool| {
            sqlx::query_scalar("SELECT id FROM posts WHERE site_id = $1 AND slug = $2")
                .bind(site_id)
                .bind(slug)
                .fetch_optional(pool)
                .await
        })?;
        Ok(found.is_some())
    }
}
