//! `/search/?q=`: full-text search over what a reader may see, ranked, with highlighted snippets, ten a page.

use axum::{extract::Query, http::StatusCode, response::Response};
use serde::Deserialize;

use crate::{address::Target, domain::search, store::SEARCH_CANDIDATES};

use crate::web::{
    error::WebError,
    respond::render,
    session::SignedIn,
    site_scope::Scoped,
    views::{Pagination, SearchPage, SearchResult},
};

const RESULTS_PER_PAGE: u32 = 10;
/// Longer searches are cut to this many characters.
const MAX_QUERY_CHARS: usize = 200;

#[derive(Debug, Default, Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    page: String,
}

pub async fn results(
    state: Scoped,
    viewer: Option<SignedIn>,
    Query(query): Query<SearchQuery>,
) -> Result<Response, WebError> {
    let site = state.site().clone();
    let typed: String = query.q.chars().take(MAX_QUERY_CHARS).collect();
    let page = query
        .page
        .parse::<u32>()
        .ok()
        .filter(|page| *page > 0)
        .unwrap_or(1);
    let terms = search::parse(&typed);
    let total = state
        .counted(&site, &format!("search {terms:?}"), || {
            state.store.search_count(site.id, &terms)
        })
        .await?;
    let reachable = total.clamp(0, SEARCH_CANDIDATES);
    let pages = u32::try_from((reachable as u64).div_ceil(u64::from(RESULTS_PER_PAGE)))
        .unwrap_or(1)
        .max(1);
    if page > pages {
        return Err(WebError::NotFound);
    }
    let hits = state
        .store
        .search(site.id, &terms, total, page, RESULTS_PER_PAGE)
        .await?;
    let zone = site.settings.zone();
    let ids: Vec<i64> = hits.iter().map(|(post_id, _)| *post_id).collect();
    let mut posts = state.store.listed_posts_by_ids(site.id, &ids).await?;
    let mut results = Vec::with_capacity(hits.len());
    for (post_id, snippet) in hits {
        let Some(index) = posts.iter().position(|post| post.id == post_id) else {
            continue;
        };
        let post = posts.swap_remove(index);
        results.push(SearchResult {
            link: state.address_of(&site, Target::Post(&post)).await?,
            title: post.title,
            date: zone.long_date(post.published_at),
            snippet: search::highlight(&snippet),
        });
    }
    let encoded = percent_encoding::utf8_percent_encode(&typed, percent_encoding::NON_ALPHANUMERIC)
        .to_string();
    let page_link = |number: u32| {
        site.root()
            .join(&format!("/search/?q={encoded}&page={number}"))
    };
    let title = if typed.trim().is_empty() {
        "Search".to_owned()
    } else {
        format!("Search results for “{}”", typed.trim())
    };
    let view = SearchPage {
        layout: state.layout(&site, Some(&title), viewer.as_ref()).await?,
        heading: title,
        query: typed.clone(),
        searched: !terms.is_empty(),
        total,
        results,
        pagination: Pagination {
            newer: (page > 1).then(|| page_link(page - 1)),
            older: (page < pages).then(|| page_link(page + 1)),
            page,
            pages,
        },
    };
    render(StatusCode::OK, &view)
}
