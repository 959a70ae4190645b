//! Every public GET that is not a fixed resource: the home page, archives, posts and pages, WordPress's short
//! links (`/?p=ID`), and redirects from old or non-canonical addresses.

use axum::{
    extract::RawQuery,
    http::{HeaderValue, header},
    http::{Method, StatusCode, Uri},
    response::{IntoResponse, Response},
};
use serde::Deserialize;

use crate::{
    address::Target,
    domain::{
        permalink::{self, ArchiveKind, Route, archive_path, date_archive_path, paged},
        post::{PostKind, Taxonomy, Term},
        slug,
    },
    store::{ListFilter, PostCard, Site},
};

use crate::web::{
    error::WebError,
    public::feeds,
    public::posts::{PostView, fresh_form, is_locked, permalink_of, render_post},
    respond::render,
    session::SignedIn,
    site_scope::Scoped,
    views::{Byline, CommentFormView, Link, ListPage, Pagination, PostSummaryView},
    visitor::Visitor,
};

/// The query parameters the public pages read.
#[derive(Debug, Default, Deserialize)]
pub struct PublicQuery {
    p: Option<String>,
    page_id: Option<String>,
    attachment_id: Option<String>,
    cat: Option<String>,
    s: Option<String>,
    replytocom: Option<String>,
    passage: Option<String>,
}

pub async fn public_page(
    state: Scoped,
    method: Method,
    uri: Uri,
    RawQuery(raw_query): RawQuery,
    headers: axum::http::HeaderMap,
    visitor: Visitor,
    signed_in: Option<SignedIn>,
) -> Result<Response, WebError> {
    let viewer = signed_in.as_ref();
    if method != Method::GET && method != Method::HEAD {
        return Err(WebError::MethodNotAllowed);
    }
    let query: PublicQuery = raw_query
        .and_then(|raw| serde_urlencoded::from_str(&raw).ok())
        .unwrap_or_default();
    let site = state.site().clone();
    let path = uri.path();
    if path == "/"
        && let Some(target) = short_link(&state, &site, &query).await?
    {
        return Ok(moved_permanently(&target));
    }
    if !path.ends_with('/')
        && let Some(target) = legacy_address(&state, &site, &uri).await?
    {
        return Ok(moved_permanently(&target));
    }
    let answer = serve_path(&state, &site, &uri, &query, &headers, visitor, viewer).await;
    match answer {
        Err(WebError::NotFound) => match legacy_address(&state, &site, &uri).await? {
            Some(target) => Ok(moved_permanently(&target)),
            None => Err(WebError::NotFound),
        },
        other => other,
    }
}

/// The page at a path of the site's own URL scheme.
async fn serve_path(
    state: &Scoped,
    site: &Site,
    uri: &Uri,
    query: &PublicQuery,
    headers: &axum::http::HeaderMap,
    visitor: Visitor,
    viewer: Option<&SignedIn>,
) -> Result<Response, WebError> {
    let path = uri.path();
    let decoded = percent_encoding::percent_decode_str(path)
        .decode_utf8()
        .map_err(|_| WebError::NotFound)?;
    let segments: Vec<&str> = decoded
        .split('/')
        .filter(|segment| !segment.is_empty())
        .collect();
    if !path.ends_with('/') && segments.last().is_some_and(|last| !last.contains('.')) {
        // Built again from its segments, so that `//host/x` or `/\host/x` cannot become another origin.
        let canonical = permalink::page_path(segments.iter().copied());
        let with_slash = match uri.query() {
            Some(query) => format!("{canonical}?{query}"),
            None => canonical,
        };
        return Ok(moved_permanently(&site.root().join(&with_slash)));
    }
    if let [rest @ .., "page", "1"] = segments.as_slice() {
        return Ok(moved_permanently(
            &site
                .root()
                .join(&permalink::page_path(rest.iter().copied())),
        ));
    }
    match permalink::parse(&segments).ok_or(WebError::NotFound)? {
        Route::Feed { source, format } => feeds::serve(state, site, source, format, headers).await,
        Route::Home { page } => {
            listing(state, site, ListFilter::All, "/", None, page, viewer).await
        }
        Route::Archive { kind, slug, page } => {
            archive(state, site, kind, &slug, page, viewer).await
        }
        Route::DateArchive {
            year,
            month,
            day,
            page,
        } => {
            let zone = site.settings.zone();
            let (start, end) = zone.range(year, month, day).ok_or(WebError::NotFound)?;
            let heading = match (month, day) {
                (Some(_), Some(_)) => format!("Day: {}", zone.long_date(start)),
                (Some(_), None) => format!("Month: {}", zone.month_year(start)),
                _ => format!("Year: {year}"),
            };
            let base = date_archive_path(year, month, day);
            listing(
                state,
                site,
                ListFilter::Range(start, end),
                &base,
                Some(heading),
                page,
                viewer,
            )
            .await
        }
        Route::Post {
            date,
            slug,
            comment_page,
        } => {
            let found = state
                .store
                .card_by_slug(site.id, PostKind::Post, &slug)
                .await?;
            let Some(card) = found.filter(|card| card.post.is_public()) else {
                return redirect_old_slug(state, site, &slug).await;
            };
            let canonical = permalink_of(state, site, &card.post).await?;
            if site.settings.zone().local_date(card.post.published_at) != date {
                let target = match comment_page {
                    Some(page) => permalink::comment_page_path(&canonical, page),
                    None => canonical,
                };
                return Ok(moved_permanently(&target));
            }
            show_post(state, site, card, comment_page, query, visitor, viewer).await
        }
        Route::Page { slugs } => {
            let last = slugs.last().map(String::as_str).unwrap_or_default();
            let found = state
                .store
                .card_by_slug(site.id, PostKind::Page, last)
                .await?;
            let Some(card) = found.filter(|card| card.post.is_public()) else {
                return redirect_old_slug(state, site, last).await;
            };
            let canonical = permalink_of(state, site, &card.post).await?;
            if canonical
                != site
                    .root()
                    .join(&permalink::page_path(slugs.iter().map(String::as_str)))
            {
                return Ok(moved_permanently(&canonical));
            }
            show_post(state, site, card, None, query, visitor, viewer).await
        }
    }
}

/// A 301, as WordPress answers for moved and non-canonical addresses (axum's `Redirect::permanent` is a 308).
fn moved_permanently(location: &str) -> Response {
    match HeaderValue::from_str(location) {
        Ok(location) => (
            StatusCode::MOVED_PERMANENTLY,
            [(header::LOCATION, location)],
        )
            .into_response(),
        Err(_) => WebError::NotFound.into_response(),
    }
}

/// `/?p=ID`, `/?page_id=ID`, `/?attachment_id=ID` and `/?cat=ID`, as WordPress links them: the canonical
/// address, if there is one. After an import the IDs are the old site's, which win over this site's own.
async fn short_link(
    state: &Scoped,
    site: &Site,
    query: &PublicQuery,
) -> Result<Option<String>, WebError> {
    let id = |value: &Option<String>| {
        value
            .as_deref()
            .map(|text| text.trim().parse::<i64>().map_err(|_| WebError::NotFound))
            .transpose()
    };
    if let Some(wordpress_id) = id(&query.p)?
        .or(id(&query.page_id)?)
        .or(id(&query.attachment_id)?)
    {
        let imported = state
            .store
            .post_of_wordpress_id(site.id, wordpress_id)
            .await?;
        let own = (query.attachment_id.is_none()).then_some(wordpress_id);
        let post_id = imported.or(own).ok_or(WebError::NotFound)?;
        return public_permalink(state, site, post_id)
            .await?
            .map(Some)
            .ok_or(WebError::NotFound);
    }
    if let Some(words) = &query.s {
        let encoded =
            percent_encoding::utf8_percent_encode(words, percent_encoding::NON_ALPHANUMERIC);
        return Ok(Some(site.root().join(&format!("/search/?q={encoded}"))));
    }
    if let Some(term_id) = id(&query.cat)? {
        let term = state.store.term_by_id(site.id, term_id).await?;
        let term = term
            .filter(|term| term.taxonomy == Taxonomy::Category)
            .ok_or(WebError::NotFound)?;
        return Ok(Some(
            site.root()
                .join(&archive_path(ArchiveKind::Category, &term.slug)),
        ));
    }
    Ok(None)
}

/// An address the site had before it was imported from WordPress (a permalink of the old site, an
/// attachment page): the new address of its post or page, if that is public.
async fn legacy_address(
    state: &Scoped,
    site: &Site,
    uri: &Uri,
) -> Result<Option<String>, WebError> {
    let keys = [
        permalink::legacy_key(uri.path(), uri.query()),
        permalink::legacy_key(uri.path(), None),
    ];
    for key in keys.into_iter().flatten() {
        if let Some(post_id) = state.store.post_of_legacy_path(site.id, &key).await? {
            return public_permalink(state, site, post_id).await;
        }
    }
    Ok(None)
}

async fn public_permalink(
    state: &Scoped,
    site: &Site,
    post_id: i64,
) -> Result<Option<String>, WebError> {
    let post = state.store.post_by_id(site.id, post_id).await?;
    match post.filter(|post| post.is_public()) {
        Some(post) => Ok(Some(permalink_of(state, site, &post).await?)),
        None => Ok(None),
    }
}

/// A post or page that is not at `slug` may have been: answer with its new address, or 404.
async fn redirect_old_slug(state: &Scoped, site: &Site, slug: &str) -> Result<Response, WebError> {
    let moved = state.store.post_by_old_slug(site.id, slug).await?;
    let post = moved
        .filter(|post| post.is_public())
        .ok_or(WebError::NotFound)?;
    Ok(moved_permanently(&permalink_of(state, site, &post).await?))
}

async fn show_post(
    state: &Scoped,
    site: &Site,
    card: PostCard,
    comment_page: Option<u32>,
    query: &PublicQuery,
    visitor: Visitor,
    viewer: Option<&SignedIn>,
) -> Result<Response, WebError> {
    let locked = is_locked(&card.post, &visitor, viewer);
    let form = fresh_form(
        &visitor,
        query.replytocom.as_deref(),
        query.passage.as_deref(),
    );
    render_post(
        state,
        PostView {
            site,
            card,
            comment_page,
            form,
            held: &visitor.held,
            status: StatusCode::OK,
            viewer,
            locked,
            password_error: None,
        },
    )
    .await
}

async fn archive(
    state: &Scoped,
    site: &Site,
    kind: ArchiveKind,
    slug: &str,
    page: u32,
    viewer: Option<&SignedIn>,
) -> Result<Response, WebError> {
    let (filter, heading) = match kind {
        ArchiveKind::Category => {
            let term = match term_or_moved(state, site, kind, Taxonomy::Category, slug).await? {
                Ok(term) => term,
                Err(moved) => return Ok(moved),
            };
            let categories = state.store.categories(site.id).await?;
            let mut family = vec![term.id];
            let mut index = 0;
            while let Some(parent) = family.get(index).copied() {
                family.extend(
                    categories
                        .iter()
                        .filter(|child| child.parent_id == Some(parent))
                        .map(|child| child.id),
                );
                index += 1;
            }
            (
                ListFilter::Terms(family),
                format!("Category: {}", term.name),
            )
        }
        ArchiveKind::Tag => {
            let term = match term_or_moved(state, site, kind, Taxonomy::Tag, slug).await? {
                Ok(term) => term,
                Err(moved) => return Ok(moved),
            };
            (
                ListFilter::Terms(vec![term.id]),
                format!("Tag: {}", term.name),
            )
        }
        ArchiveKind::Author => {
            let author = state
                .store
                .member_by_nicename(site.id, slug)
                .await?
                .ok_or(WebError::NotFound)?;
            (
                ListFilter::Author(author.id),
                format!("Author: {}", author.public_name()),
            )
        }
    };
    listing(
        state,
        site,
        filter,
        &archive_path(kind, slug),
        Some(heading),
        page,
        viewer,
    )
    .await
}

/// The term at `slug`, or a 301 to the archive of the term whose slug is its slug form (an imported
/// WordPress slug such as `old_name` lives on as `old-name`).
async fn term_or_moved(
    state: &Scoped,
    site: &Site,
    kind: ArchiveKind,
    taxonomy: Taxonomy,
    term_slug: &str,
) -> Result<Result<Term, Response>, WebError> {
    if let Some(term) = state
        .store
        .term_by_slug(site.id, taxonomy, term_slug)
        .await?
    {
        return Ok(Ok(term));
    }
    let local = slug::slugify(term_slug);
    if local != term_slug
        && let Some(term) = state.store.term_by_slug(site.id, taxonomy, &local).await?
    {
        return Ok(Err(moved_permanently(
            &site.root().join(&archive_path(kind, &term.slug)),
        )));
    }
    Err(WebError::NotFound)
}

/// A paged list of published posts, newest first; a page past the end is a 404.
async fn listing(
    state: &Scoped,
    site: &Site,
    filter: ListFilter,
    base: &str,
    heading: Option<String>,
    page: u32,
    viewer: Option<&SignedIn>,
) -> Result<Response, WebError> {
    let per_page = site.settings.posts_per_page;
    let total = state
        .counted(site, &format!("{filter:?}"), || {
            state.store.count_published(site.id, &filter)
        })
        .await?;
    let pages = u32::try_from((total.max(0) as u64).div_ceil(u64::from(per_page)))
        .unwrap_or(u32::MAX)
        .max(1);
    if page > pages {
        return Err(WebError::NotFound);
    }
    let listed = state
        .store
        .list_published(site.id, &filter, page, per_page, Some(total))
        .await?;
    let zone = site.settings.zone();
    let root = site.root();
    let rooted = root.join(base);
    let mut links = Vec::with_capacity(listed.len());
    for card in &listed {
        links.push(state.address_of(site, Target::Post(&card.post)).await?);
    }
    let posts = listed
        .into_iter()
        .zip(links)
        .map(|(card, link)| PostSummaryView {
            author: Byline {
                href: card.author_archive(&root),
                text: card.author_name.clone(),
            },
            comments: Link {
                href: format!(
                    "{link}#{}",
                    if card.comment_count == 0 {
                        "respond"
                    } else {
                        "comments"
                    }
                ),
                text: match card.comment_count {
                    0 => "Leave a comment".to_owned(),
                    1 => "1 Comment".to_owned(),
                    count => format!("{count} Comments"),
                },
            },
            title: card.post.title,
            permalink: link,
            date: zone.long_date(card.post.published_at),
            date_iso: zone.iso(card.post.published_at),
            summary: if card.post.password.is_some() {
                "There is no excerpt because this is a protected post.".to_owned()
            } else {
                card.post.summary
            },
            categories: card
                .terms
                .iter()
                .filter(|term| term.taxonomy == Taxonomy::Category)
                .map(|term| Link {
                    href: root.join(&archive_path(ArchiveKind::Category, &term.slug)),
                    text: term.name.clone(),
                })
                .collect(),
        })
        .collect();
    let title = match (&heading, page) {
        (Some(heading), 1) => Some(heading.clone()),
        (Some(heading), page) => Some(format!("{heading} – Page {page}")),
        (None, 1) => None,
        (None, page) => Some(format!("Page {page}")),
    };
    let page_view = ListPage {
        layout: {
            let mut layout = state.layout(site, title.as_deref(), viewer).await?;
            if (base.starts_with("/category/") || base.starts_with("/tag/"))
                && !layout.feeds.is_empty()
            {
                layout.feeds.push(Link {
                    href: format!("{rooted}feed/"),
                    text: format!(
                        "{} » {} Feed",
                        site.settings.title,
                        heading.as_deref().unwrap_or_default()
                    ),
                });
            }
            layout
        },
        heading,
        posts,
        pagination: Pagination {
            newer: (page > 1).then(|| paged(&rooted, page - 1)),
            older: (page < pages).then(|| paged(&rooted, page + 1)),
            page,
            pages,
        },
    };
    let mut response = render(StatusCode::OK, &page_view)?;
    if viewer.is_some() {
        response.headers_mut().insert(
            axum::http::header::CACHE_CONTROL,
            crate::web::respond::PRIVATE,
        );
    }
    Ok(response)
}

#[derive(Debug, Default, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    post_id: String,
    #[serde(default)]
    password: String,
}

/// `POST /post-password`: the right password unlocks the post for 10 days; a wrong one shows the form again.
pub async fn unlock_post(
    state: Scoped,
    visitor: Visitor,
    signed_in: Option<SignedIn>,
    crate::web::form::StrictForm(form): crate::web::form::StrictForm<PasswordForm>,
) -> Result<Response, WebError> {
    let site = state.site().clone();
    let id = form
        .post_id
        .trim()
        .parse::<i64>()
        .map_err(|_| WebError::NotFound)?;
    let card = state
        .store
        .card_by_id(site.id, id)
        .await?
        .filter(|card| card.post.is_public())
        .ok_or(WebError::NotFound)?;
    let post = card.post.clone();
    let Some(password) = post.password.clone() else {
        return Ok(moved_permanently(
            &permalink_of(&state, &site, &post).await?,
        ));
    };
    if crate::web::session::same_secret(&form.password, &password) {
        let target = permalink_of(&state, &site, &post).await?;
        let (signed, plain) = visitor.unlock(post.id, &password).into_jars();
        return Ok((signed, plain, axum::response::Redirect::to(&target)).into_response());
    }
    let view = PostView {
        site: &site,
        card,
        comment_page: None,
        form: CommentFormView::default(),
        held: &visitor.held,
        status: StatusCode::FORBIDDEN,
        viewer: signed_in.as_ref(),
        locked: true,
        password_error: Some("That password is not right. Please try again.".into()),
    };
    render_post(&state, view).await
}
