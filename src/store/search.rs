//! Full-text search: SQLite FTS5 or PostgreSQL's text search, behind one method. Each backend's SQL is in its
//! `Dialect`; the query arrives already written in the backend's syntax by `domain::search`.

use crate::domain::search::Term;

use super::{Store, StoreResult, with_pool};

/// A page of search results: matching post ids (best first) with their snippets, and how many match in all.
pub struct SearchHits {
    pub hits: Vec<(i64, String)>,
    pub total: i64,
}

impl Store {
    pub async fn search(
        &self,
        site_id: i64,
        terms: &[Term],
        page: u32,
        per_page: u32,
    ) -> StoreResult<SearchHits> {
        if terms.is_empty() {
            return Ok(SearchHits {
                hits: Vec::new(),
                total: 0,
            });
        }
        let offset = i64::from(page.saturating_sub(1)) * i64::from(per_page);
        let (hits, total) = with_pool!(self, reader, |pool, dialect| {
            let query = (dialect.search_syntax)(terms);
            let total: i64 = sqlx::query_scalar(dialect.search_count)
                .bind(site_id)
                .bind(&query)
                .fetch_one(pool)
                .await?;
            let hits: Vec<(i64, String)> = sqlx::query_as(dialect.search)
                .bind(site_id)
                .bind(&query)
                .bind(i64::from(per_page))
                .bind(offset)
                .fetch_all(pool)
                .await?;
            (hits, total)
        });
        Ok(SearchHits { hits, total })
    }
}
