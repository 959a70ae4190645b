//! Sites and their settings.

pub use crate::domain::site::Site;
use crate::domain::{settings::SiteSettings, site::MAIN_SITE, user::Role};

use super::{Store, StoreError, StoreResult, with_pool};

/// Where a site stands: read on every request, to check what is kept in memory.
#[derive(Clone, Copy, Debug)]
pub struct SiteVersions {
    pub id: i64,
    pub content_version: i64,
    pub settings_version: i64,
}

/// A site joined with its settings: one row per setting (or one row with none).
const SITE_WITH_SETTINGS: &str = "SELECT s.id, s.slug, s.content_version, s.settings_version, ss.key, ss.value FROM site_versions s LEFT JOIN site_settings ss ON ss.site_id = s.id";

type SiteRow = (i64, String, i64, i64, Option<String>, Option<String>);

/// Groups joined rows into sites with their settings, in the order the sites first appear.
fn sites_from_rows(rows: Vec<SiteRow>) -> Vec<Site> {
    let mut sites: Vec<Site> = Vec::new();
    for (id, slug, content_version, settings_version, key, value) in rows {
        if !sites.iter().any(|site| site.id == id) {
            sites.push(Site {
                id,
                slug,
                settings: SiteSettings::default(),
                content_version,
                settings_version,
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
        let id: i64 = with_pool!(self, writer, |pool, dialect| {
            let mut tx = pool.begin_with(dialect.begin).await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO sites (slug, created_at) VALUES ($1, $2) RETURNING id",
            )
            .bind(slug)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query("INSERT INTO site_settings (site_id, key, value) VALUES ($1, 'title', $2)")
                .bind(id)
                .bind(title)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            id
        });
        self.site_by_id(id).await
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
