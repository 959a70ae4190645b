//! Categories and tags.

use crate::domain::post::{Taxonomy, Term};

use super::{
    Store, StoreResult,
    records::{PostTermRow, TERM_COLUMNS, TermRow, convert_all},
    with_pool,
};

impl Store {
    pub async fn term_by_slug(
        &self,
        site_id: i64,
        taxonomy: Taxonomy,
        slug: &str,
    ) -> StoreResult<Option<Term>> {
        let row: Option<TermRow> = with_pool!(self, reader, |pool| {
            sqlx::query_as(&format!("SELECT {TERM_COLUMNS} FROM terms t WHERE t.site_id = $1 AND t.taxonomy = $2 AND t.slug = $3"))
                .bind(site_id)
                .bind(taxonomy.as_str())
                .bind(slug)
                .fetch_optional(pool)
                .await
        })?;
        row.map(Term::try_from).transpose()
    }

    pub async fn term_by_id(&self, site_id: i64, id: i64) -> StoreResult<Option<Term>> {
        let row: Option<TermRow> = with_pool!(self, reader, |pool| {
            sqlx::query_as(&format!(
                "SELECT {TERM_COLUMNS} FROM terms t WHERE t.site_id = $1 AND t.id = $2"
            ))
            .bind(site_id)
            .bind(id)
            .fetch_optional(pool)
            .await
        })?;
        row.map(Term::try_from).transpose()
    }

    /// Every category of a site, by name.
    pub async fn categories(&self, site_id: i64) -> StoreResult<Vec<Term>> {
        let rows: Vec<TermRow> = with_pool!(self, reader, |pool| {
            sqlx::query_as(&format!(
                "SELECT {TERM_COLUMNS} FROM terms t WHERE t.site_id = $1 AND t.taxonomy = 'category' ORDER BY lower(t.name)"
            ))
            .bind(site_id)
            .fetch_all(pool)
            .await
        })?;
        convert_all(rows)
    }

    /// The categories that hold a published post (a reader finds something in them).
    pub async fn categories_in_use(&self, site_id: i64) -> StoreResult<Vec<i64>> {
        with_pool!(self, reader, |pool| {
            sqlx::query_scalar(
                "SELECT DISTINCT t.id FROM terms t
                 JOIN post_terms pt ON pt.term_id = t.id
                 JOIN posts p ON p.id = pt.post_id
                 WHERE t.site_id = $1 AND t.taxonomy = 'category' AND p.status = 'publish'",
            )
            .bind(site_id)
            .fetch_all(pool)
            .await
        })
        .map_err(Into::into)
    }

    /// The categories and tags of each of the given posts, as (post id, term) pairs ordered by name.
    pub async fn terms_of_posts(&self, post_ids: &[i64]) -> StoreResult<Vec<(i64, Term)>> {
        if post_ids.is_empty() {
            return Ok(Vec::new());
        }
        let placeholders: Vec<String> = (1..=post_ids.len()).map(|n| format!("${n}")).collect();
        let sql = format!(
            "SELECT pt.post_id, {TERM_COLUMNS} FROM post_terms pt JOIN terms t ON t.id = pt.term_id
             WHERE pt.post_id IN ({}) ORDER BY lower(t.name)",
            placeholders.join(", ")
        );
        let rows: Vec<PostTermRow> = with_pool!(self, reader, |pool| {
            let mut query = sqlx::query_as(&sql);
            for id in post_ids {
                query = query.bind(id);
            }
            query.fetch_all(pool).await
        })?;
        rows.into_iter()
            .map(|row| Ok((row.post_id, Term::try_from(row.term)?)))
            .collect()
    }
}

impl Store {
    /// Makes a category (under `parent_id`, when given) with a slug free in the site; `Conflict` when a category
    /// of that name exists.
    pub async fn create_category(
        &self,
        site_id: i64,
        name: &str,
        parent_id: Option<i64>,
    ) -> StoreResult<Term> {
        let base = crate::domain::slug::slugify(name);
        let stem = crate::domain::slug::stem(&base, "category").to_owned();
        let row: TermRow = with_pool!(self, writer, |pool, dialect| {
            let mut tx = pool.begin_with(dialect.begin).await?;
            let existing: Option<i64> =
                sqlx::query_scalar("SELECT id FROM terms WHERE site_id = $1 AND taxonomy = 'category' AND lower(name) = lower($2)")
                    .bind(site_id)
                    .bind(name)
                    .fetch_optional(&mut *tx)
                    .await?;
            if existing.is_some() {
                return Err(super::StoreError::Conflict(super::Conflict::CategoryExists));
            }
            let taken: Vec<String> = sqlx::query_scalar(
                "SELECT slug FROM terms WHERE site_id = $1 AND taxonomy = 'category' AND (slug = $2 OR slug LIKE $3)",
            )
            .bind(site_id)
            .bind(&stem)
            .bind(format!("{stem}-%"))
            .fetch_all(&mut *tx)
            .await?;
            let row: TermRow = sqlx::query_as(
                "INSERT INTO terms (site_id, taxonomy, slug, name, parent_id) VALUES ($1, 'category', $2, $3, $4)
                 RETURNING id, taxonomy, slug, name, parent_id",
            )
            .bind(site_id)
            .bind(crate::domain::slug::first_free(crate::domain::slug::Namespace::Archive, &base, "category", &taken))
            .bind(name)
            .bind(parent_id)
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            row
        });
        Term::try_from(row)
    }

    /// Renames a category or tag; its slug, and so its address, stays.
    pub async fn rename_term(&self, site_id: i64, id: i64, name: &str) -> StoreResult<()> {
        let done = with_pool!(self, writer, |pool| {
            sqlx::query("UPDATE terms SET name = $1 WHERE site_id = $2 AND id = $3")
                .bind(name)
                .bind(site_id)
                .bind(id)
                .execute(pool)
                .await
                .map(|done| done.rows_affected())
        })?;
        if done == 0 {
            Err(super::StoreError::NotFound)
        } else {
            Ok(())
        }
    }
}

impl Store {
    /// The ids of the site's categories that are assignments (their posts' grades are a gradebook column).
    pub async fn assignment_categories(&self, site_id: i64) -> StoreResult<Vec<i64>> {
        let ids: Vec<i64> = with_pool!(self, reader, |pool| {
            sqlx::query_scalar(
                "SELECT id FROM terms WHERE site_id = $1 AND taxonomy = 'category' AND is_assignment = TRUE
                 ORDER BY id",
            )
            .bind(site_id)
            .fetch_all(pool)
            .await
        })?;
        Ok(ids)
    }

    /// Makes a category an assignment, or no longer one.
    pub async fn set_assignment(
        &self,
        site_id: i64,
        id: i64,
        is_assignment: bool,
    ) -> StoreResult<()> {
        let done = with_pool!(self, writer, |pool| {
            sqlx::query(
                "UPDATE terms SET is_assignment = $1 WHERE site_id = $2 AND id = $3 AND taxonomy = 'category'",
            )
            .bind(is_assignment)
            .bind(site_id)
            .bind(id)
            .execute(pool)
            .await
            .map(|done| done.rows_affected())
        })?;
        if done == 0 {
            Err(super::StoreError::NotFound)
        } else {
            Ok(())
        }
    }

    /// Every category and tag of a site, categories first, parents before children where ids allow.
    pub async fn all_terms(&self, site_id: i64) -> StoreResult<Vec<Term>> {
        let rows: Vec<TermRow> = with_pool!(self, reader, |pool| {
            sqlx::query_as(&format!(
                "SELECT {TERM_COLUMNS} FROM terms t WHERE t.site_id = $1 ORDER BY t.taxonomy, t.id"
            ))
            .bind(site_id)
            .fetch_all(pool)
            .await
        })?;
        convert_all(rows)
    }
}
