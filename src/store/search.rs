//! Full-text search: SQLite FTS5 or PostgreSQL's text search, behind one method. Each backend's SQL is in its
//! `Dialect`; the query arrives already written in the backend's syntax by `domain::search`.

use crate::domain::search::{Term, snippet_of};

use super::{Store, StoreError, StoreResult, with_pool};

/// How many of the newest matching posts a search ranks: a word that every post holds would otherwise
/// have every post scored on each search.
pub const SEARCH_CANDIDATES: i64 = 1_000;

/// About as long as the databases' own snippets.
const SNIPPET_WORDS: usize = 30;

/// Search statements are planned afresh for the words asked (`persistent(false)`): a word two posts hold and
/// one every post holds need different plans, and PostgreSQL, reusing one generic plan for both after a few
/// searches, walked all 100,000 posts of a grown site for the rare word.
const REUSE_PLAN: bool = false;

impl Store {
    /// How many published posts of a site match.
    pub async fn search_count(&self, site_id: i64, terms: &[Term]) -> StoreResult<i64> {
        if terms.is_empty() {
            return Ok(0);
        }
        with_pool!(self, reader, |pool, dialect| {
            sqlx::query_scalar(dialect.search_count)
                .persistent(REUSE_PLAN)
                .bind(site_id)
                .bind((dialect.search_syntax)(terms))
                .fetch_one(pool)
                .await
                .map_err(StoreError::from)
        })
    }

    /// One page of matching published posts (`total` of them), ids with their snippets: best first by the
    /// backend's ranking, or, when more than [`SEARCH_CANDIDATES`] match, among the newest that many, those
    /// matching in their titles first.
    pub async fn search(
        &self,
        site_id: i64,
        terms: &[Term],
        total: i64,
        page: u32,
        per_page: u32,
    ) -> StoreResult<Vec<(i64, String)>> {
        if terms.is_empty() {
            return Ok(Vec::new());
        }
        let offset = i64::from(page.saturating_sub(1)) * i64::from(per_page);
        with_pool!(self, reader, |pool, dialect| {
            let query = (dialect.search_syntax)(terms);
            let found = if total > SEARCH_CANDIDATES {
                let texts: Result<Vec<(i64, String)>, sqlx::Error> =
                    sqlx::query_as(dialect.search_many)
                        .persistent(REUSE_PLAN)
                        .bind(site_id)
                        .bind(&query)
                        .bind(i64::from(per_page))
                        .bind(offset)
                        .bind(SEARCH_CANDIDATES)
                        .bind((dialect.search_in_titles)(terms))
                        .fetch_all(pool)
                        .await;
                texts.map(|texts| {
                    texts
                        .into_iter()
                        .map(|(id, text)| (id, snippet_of(&text, terms, SNIPPET_WORDS)))
                        .collect()
                })
            } else {
                sqlx::query_as(dialect.search)
                    .persistent(REUSE_PLAN)
                    .bind(site_id)
                    .bind(&query)
                    .bind(i64::from(per_page))
                    .bind(offset)
                    .bind(SEARCH_CANDIDATES)
                    .fetch_all(pool)
                    .await
            };
            found.map_err(StoreError::from)
        })
    }
}
