//! The web layer: HTTP over `discussion`, `address`, `domain` and `store`.
//!
//! Handlers are grouped by audience, each folder with its router fragment: `public` (reading the site: pages,
//! posts, feeds, search, readings), `discussion` (the comment form, follow-up links), `accounts` (sign-in,
//! joining, one's own account) and `dashboard` (writing, moderation, members, settings, participation). Below
//! them sit the shared parts: `state` (AppState and the page frame), `site_scope` (which site a request is
//! for), `session`, `error`, `respond`, `views` (the templates' view models) and the rest. `router` merges the
//! fragments in one list; no file imports a file of a folder above it, and nothing imports this one.

pub mod accounts;
pub mod cache;
pub mod client_ip;
pub mod dashboard;
pub mod discussion;
pub mod error;
pub mod form;
mod frame;
pub mod memo;
pub mod notice;
pub mod passwords;
pub mod path;
pub mod privacy;
pub mod public;
pub mod read_only;
pub mod respond;
pub mod session;
pub mod site_scope;
pub mod state;
pub mod static_files;
pub mod viewer;
pub mod views;
pub mod visitor;

use std::time::Duration;

use axum::{
    Router,
    extract::DefaultBodyLimit,
    http::StatusCode,
    middleware,
    response::{Html, IntoResponse},
    routing::get,
};
use tower_http::{
    catch_panic::CatchPanicLayer,
    timeout::TimeoutLayer,
    trace::{DefaultOnRequest, DefaultOnResponse, TraceLayer},
};
use tracing::Level;

pub use self::state::AppState;
use self::{
    error::WebError,
    frame::{BASELINE_PAGE, security_headers, themed_errors},
};

/// The whole application. With `benchmark_baseline`, it also answers `/_bench/baseline` with a fixed 20 KB
/// page from memory, through the same server and outer middleware: the ceiling that `colloquy-bench`
/// compares every page with.
pub fn router(state: AppState, benchmark_baseline: bool) -> Router {
    let routes = Router::new()
        .merge(public::routes())
        .merge(discussion::routes())
        .merge(accounts::routes())
        .merge(dashboard::routes())
        .fallback(public::pages::public_page)
        .layer(middleware::from_fn(frame::name_the_route))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            read_only::read_only,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            privacy::members_only,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), themed_errors))
        .layer(middleware::from_fn(viewer::keep_cookies))
        .layer(CatchPanicLayer::custom(|_panic| {
            WebError::Panicked.into_response()
        }))
        .layer(DefaultBodyLimit::max(form::MAX_FORM_BYTES))
        .with_state(state.clone());
    // Each further site is the same application mounted at /SLUG/: `mount` runs before routing.
    let mut outer = Router::new();
    if benchmark_baseline {
        outer = outer.route(
            "/_bench/baseline",
            get(|| async { Html(BASELINE_PAGE.as_str()) }),
        );
    }
    outer
        .fallback_service(routes)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            site_scope::mount,
        ))
        .layer(middleware::from_fn_with_state(state, security_headers))
        .layer(
            tower_http::compression::CompressionLayer::new()
                .gzip(true)
                .br(true),
        )
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(30),
        ))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(frame::request_span)
                .on_request(DefaultOnRequest::new().level(Level::DEBUG))
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
}

#[cfg(test)]
mod tests {
    use std::{
        collections::{BTreeMap, BTreeSet},
        path::Path,
    };

    /// The web modules (`public::pages`, `state`, …) and their source, test modules left out.
    fn web_sources(folder: &Path, prefix: &str, found: &mut BTreeMap<String, String>) {
        for entry in std::fs::read_dir(folder).into_iter().flatten().flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if path.is_dir() {
                web_sources(&path, &format!("{prefix}{name}::"), found);
            } else if let Some(stem) = name.strip_suffix(".rs")
                && let Ok(text) = std::fs::read_to_string(&path)
            {
                let module = if stem == "mod" {
                    prefix.trim_end_matches("::").to_owned()
                } else {
                    format!("{prefix}{stem}")
                };
                let text = text.split("#[cfg(test)]").next().unwrap_or_default();
                found.insert(module, text.split_whitespace().collect::<String>());
            }
        }
    }

    /// Every `web::a::b…` path a source names, with `web::{a, b::{c, d}}` groups spread out.
    fn web_paths(source: &str) -> Vec<String> {
        fn spread(prefix: &str, group: &str, paths: &mut Vec<String>) {
            let mut depth = 0;
            let mut start = 0;
            let mut items = Vec::new();
            for (at, character) in group.char_indices() {
                match character {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        items.push(&group[start..at]);
                        start = at + 1;
                    }
                    _ => {}
                }
            }
            items.push(&group[start..]);
            for item in items.into_iter().filter(|item| !item.is_empty()) {
                match item.split_once("::{") {
                    Some((head, rest)) => spread(
                        &format!("{prefix}{head}::"),
                        rest.strip_suffix('}').unwrap_or(rest),
                        paths,
                    ),
                    None => paths.push(format!("{prefix}{item}")),
                }
            }
        }
        let mut paths = Vec::new();
        let mut rest = source;
        while let Some(at) = rest.find("web::") {
            rest = &rest[at + "web::".len()..];
            if let Some(group) = rest.strip_prefix('{') {
                let mut depth = 1;
                let end = group
                    .char_indices()
                    .find(|(_, character)| {
                        match character {
                            '{' => depth += 1,
                            '}' => depth -= 1,
                            _ => {}
                        }
                        depth == 0
                    })
                    .map_or(group.len(), |(at, _)| at);
                spread("", &group[..end], &mut paths);
            } else {
                let end = rest
                    .find(|character: char| {
                        !(character.is_alphanumeric() || character == '_' || character == ':')
                    })
                    .unwrap_or(rest.len());
                paths.push(rest[..end].to_owned());
            }
        }
        paths
    }

    #[test]
    fn no_site_slug_can_hide_an_address_of_the_router() {
        let mut sources = BTreeMap::new();
        web_sources(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("src/web"),
            "",
            &mut sources,
        );
        let mut first_segments = BTreeSet::new();
        for source in sources.values() {
            for route in source.split(".route(\"/").skip(1) {
                let segment = route.split(['/', '"', '{']).next().unwrap_or_default();
                if !segment.is_empty() {
                    first_segments.insert(segment.to_owned());
                }
            }
        }
        assert!(first_segments.contains("follow") && first_segments.contains("admin"));
        for segment in first_segments {
            assert!(
                !crate::domain::slug::is_valid_given(&segment),
                "a site with the slug '{segment}' would hide the router's /{segment}"
            );
        }
    }

    #[test]
    fn no_web_file_imports_one_that_imports_it_back() {
        let mut sources = BTreeMap::new();
        web_sources(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("src/web"),
            "",
            &mut sources,
        );
        sources.remove("");
        assert!(sources.contains_key("public::pages") && sources.contains_key("state"));
        let modules: BTreeSet<String> = sources.keys().cloned().collect();
        let imports: BTreeMap<&str, BTreeSet<String>> = sources
            .iter()
            .map(|(module, source)| {
                let named = web_paths(source)
                    .into_iter()
                    .filter_map(|path| {
                        let parts: Vec<&str> = path.split("::").collect();
                        (1..=parts.len())
                            .rev()
                            .map(|length| parts[..length].join("::"))
                            .find(|candidate| modules.contains(candidate))
                    })
                    .filter(|named| named != module && !module.starts_with(&format!("{named}::")))
                    .collect();
                (module.as_str(), named)
            })
            .collect();
        assert!(
            imports["public::pages"].contains("state")
                || imports["public::pages"].contains("site_scope"),
            "the imports are read: {:?}",
            imports["public::pages"]
        );
        for (module, named) in &imports {
            let mut seen = BTreeSet::new();
            let mut reach: Vec<&str> = named.iter().map(String::as_str).collect();
            while let Some(next) = reach.pop() {
                assert_ne!(
                    next, *module,
                    "{module} imports a file that imports it back"
                );
                if seen.insert(next) {
                    reach.extend(imports.get(next).into_iter().flatten().map(String::as_str));
                }
            }
        }
    }
}
