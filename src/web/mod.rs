//! The web layer: the router, shared state, and the frame every page is drawn in.
//!
//! Named routes answer the fixed addresses (`/healthz`, `/static/…`, `/avatar/…`, the comment form's target);
//! every other GET goes to `pages::public_page`, which reads the path with `domain::permalink::parse`.

mod admin;
mod assets;
mod auth;
pub mod cache;
pub mod client_ip;
mod comments;
mod editor;
mod enrolment;
pub mod error;
mod feeds;
mod follows;
pub mod form;
mod memo;
mod pages;
mod participation;
mod posts;
mod privacy;
mod readings;
mod search;
mod session;
mod site_scope;
pub mod static_files;
mod views;
mod visitor;

use std::{sync::Arc, time::Duration};

use askama::Template;
use axum::{
    Router,
    extract::{DefaultBodyLimit, FromRef, Request, State},
    http::{HeaderValue, StatusCode, header},
    middleware::{self, Next},
    response::{Html, IntoResponse, Response},
    routing::{get, post},
};
use axum_extra::extract::cookie::Key;
use tower_http::{
    catch_panic::CatchPanicLayer,
    timeout::TimeoutLayer,
    trace::{DefaultMakeSpan, DefaultOnRequest, DefaultOnResponse, TraceLayer},
};
use tracing::Level;

use crate::{
    address,
    discussion::Discussion,
    domain::{
        permalink::{self, ArchiveKind, archive_path, page_path},
        settings::Visibility,
        site::MAIN_SITE,
    },
    mail::Mailer,
    store::{ListFilter, Site, Store},
};

use self::{
    client_ip::TrustedProxies,
    error::{ErrorPage, WebError},
    memo::PerVersion,
    session::SignedIn,
    views::{Layout, Link, MessagePage, RecentComment},
};

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub mailer: Mailer,
    /// Leaving, moderating and answering comments: the same for every door.
    pub discussion: Discussion,
    /// The public origin, for links in mails.
    base_url: Arc<str>,
    /// Whether cookies are sent only over HTTPS (the base URL is https).
    secure_cookies: bool,
    cookie_key: Key,
    avatar_salt: Arc<[u8]>,
    trusted_proxies: Arc<TrustedProxies>,
    pages: cache::PageCache,
    navigation: Arc<PerVersion<i64, Arc<Navigation>>>,
    /// Sites with their settings, as of their `settings_version`.
    sites: Arc<PerVersion<i64, Site>>,
    /// How many posts a listing or search has, by site and question, as of a `content_version`.
    counts: Arc<PerVersion<(i64, String), i64>>,
}

/// A site's menu (top-level pages and categories) as of one `content_version`: every page draws it, and it
/// changes only with the site's content, so it is read once per version.
struct Navigation {
    pages: Vec<Link>,
    categories: Vec<Link>,
    recent_posts: Vec<Link>,
    recent_comments: Vec<RecentComment>,
    has_readings: bool,
}

/// How many recent posts and comments the sidebar lists.
const SIDEBAR_ENTRIES: u32 = 5;

impl AppState {
    /// `key_material` is 64 bytes of secret from which the cookie key and the avatar salt are derived.
    pub fn new(
        store: Store,
        key_material: Vec<u8>,
        trusted_proxies: TrustedProxies,
        mailer: Mailer,
        base_url: String,
    ) -> Self {
        use sha2::{Digest, Sha256};
        let avatar_salt: Arc<[u8]> = Sha256::new()
            .chain_update(b"avatar salt")
            .chain_update(&key_material)
            .finalize()
            .to_vec()
            .into();
        Self {
            discussion: Discussion::new(store.clone(), mailer.clone(), &base_url),
            store,
            mailer,
            secure_cookies: base_url.starts_with("https://"),
            base_url: base_url.trim_end_matches('/').into(),
            cookie_key: Key::from(&key_material),
            avatar_salt,
            trusted_proxies: Arc::new(trusted_proxies),
            pages: cache::PageCache::new(0),
            navigation: Arc::new(PerVersion::new(1_024)),
            sites: Arc::new(PerVersion::new(1_024)),
            counts: Arc::new(PerVersion::new(4_096)),
        }
    }

    /// Shares pages drawn for anonymous readers through `pages` (without, every page is drawn anew).
    pub fn with_page_cache(mut self, pages: cache::PageCache) -> Self {
        self.pages = pages;
        self
    }

    /// The public address of a site's root, for mails and links that cross from one site to another.
    pub fn site_url(&self, site: &Site) -> String {
        format!("{}{}", self.base_url, site.root())
    }

    /// The frame of a page: site title and navigation.
    async fn layout(
        &self,
        site: &Site,
        title: Option<&str>,
        viewer: Option<&SignedIn>,
    ) -> Result<Layout, WebError> {
        let visibility = site.settings.visibility;
        let reveal = visibility != Visibility::MembersOnly
            || viewer.is_some_and(|viewer| viewer.role.is_some());
        let navigation = if reveal {
            Some(self.navigation(site).await?)
        } else {
            None
        };
        let site_title = site.settings.title.clone();
        Ok(Layout {
            root: site.root(),
            title: title.map_or_else(
                || site_title.clone(),
                |title| format!("{title} – {site_title}"),
            ),
            site_title,
            tagline: if reveal {
                site.settings.tagline.clone()
            } else {
                String::new()
            },
            noindex: visibility != Visibility::Public,
            feeds: if reveal {
                vec![
                    Link {
                        href: site.root().join("/feed/"),
                        text: format!("{} » Feed", site.settings.title),
                    },
                    Link {
                        href: site.root().join("/comments/feed/"),
                        text: format!("{} » Comments Feed", site.settings.title),
                    },
                ]
            } else {
                Vec::new()
            },
            viewer: viewer.map(SignedIn::view),
            pages: navigation
                .as_ref()
                .map(|navigation| navigation.pages.clone())
                .unwrap_or_default(),
            categories: navigation
                .as_ref()
                .map(|navigation| navigation.categories.clone())
                .unwrap_or_default(),
            recent_posts: navigation
                .as_ref()
                .map(|navigation| navigation.recent_posts.clone())
                .unwrap_or_default(),
            recent_comments: navigation
                .as_ref()
                .map(|navigation| navigation.recent_comments.clone())
                .unwrap_or_default(),
            has_readings: navigation.is_some_and(|navigation| navigation.has_readings),
        })
    }
}

impl AppState {
    /// The site a request is for (by slug, else the main site): a one-row check of its versions each time, its
    /// settings read again only when they have changed.
    async fn current_site(&self, candidate: &str) -> Result<Site, crate::store::StoreError> {
        let versions = self.store.site_versions_or_main(candidate).await?;
        if let Some(mut site) = self.sites.get(&versions.id, versions.settings_version) {
            site.content_version = versions.content_version;
            return Ok(site);
        }
        let site = self.store.site_by_id(versions.id).await?;
        self.sites.put(site.id, site.settings_version, site.clone());
        Ok(site)
    }

    /// A count of a site's content (`question` names it), computed once per content version: counting a
    /// large listing means reading its whole index, and it changes only when the content does.
    pub(crate) async fn counted<F>(
        &self,
        site: &Site,
        question: &str,
        count: impl FnOnce() -> F,
    ) -> Result<i64, crate::store::StoreError>
    where
        F: std::future::Future<Output = Result<i64, crate::store::StoreError>>,
    {
        self.counts
            .get_or_make((site.id, question.to_owned()), site.content_version, count)
            .await
    }

    /// The address of a post, page, preview or comment (see `crate::address`).
    async fn address_of(
        &self,
        site: &Site,
        target: address::Target<'_>,
    ) -> Result<String, WebError> {
        Ok(address::of(&self.store, site, target).await?)
    }

    async fn navigation(&self, site: &Site) -> Result<Arc<Navigation>, WebError> {
        self.navigation
            .get_or_make(site.id, site.content_version, || self.make_navigation(site))
            .await
    }

    async fn make_navigation(&self, site: &Site) -> Result<Arc<Navigation>, WebError> {
        let pages = self.store.top_level_pages(site.id).await?;
        let categories = self.store.categories(site.id).await?;
        let zone = site.settings.zone();
        let root = site.root();
        let newest = self
            .store
            .list_published(
                site.id,
                &ListFilter::Range(i64::MIN, i64::MAX),
                1,
                SIDEBAR_ENTRIES,
                None,
            )
            .await?;
        let recent_posts = newest
            .iter()
            .map(|card| Link {
                href: root.join(&permalink::permalink(&card.post, &zone, &[])),
                text: card.post.title.clone(),
            })
            .collect();
        let mut recent_comments = Vec::new();
        for comment in self
            .store
            .recent_comments(site.id, None, i64::from(SIDEBAR_ENTRIES))
            .await?
        {
            let Some(post) = self.store.post_by_id(site.id, comment.post_id).await? else {
                continue;
            };
            recent_comments.push(RecentComment {
                author: comment.author_name.clone(),
                href: self
                    .address_of(
                        site,
                        address::Target::Comment {
                            post: &post,
                            comment_id: comment.id,
                            reader: address::CommentReader::default(),
                        },
                    )
                    .await?,
                post_title: post.title.clone(),
            });
        }
        let has_readings = self.store.has_readings(site.id).await?;
        Ok(Arc::new(Navigation {
            has_readings,
            recent_posts,
            recent_comments,
            pages: pages
                .iter()
                .map(|page| Link {
                    href: root.join(&page_path([page.slug.as_str()])),
                    text: page.title.clone(),
                })
                .collect(),
            categories: categories
                .iter()
                .filter(|category| category.parent_id.is_none())
                .map(|category| Link {
                    href: root.join(&archive_path(ArchiveKind::Category, &category.slug)),
                    text: category.name.clone(),
                })
                .collect(),
        }))
    }
}

impl FromRef<AppState> for Key {
    fn from_ref(state: &AppState) -> Self {
        state.cookie_key.clone()
    }
}

impl FromRef<AppState> for visitor::SecureCookies {
    fn from_ref(state: &AppState) -> Self {
        Self(state.secure_cookies)
    }
}

/// Renders a template into an HTML response with a status.
fn render(status: StatusCode, template: &impl Template) -> Result<Response, WebError> {
    Ok((status, Html(template.render()?)).into_response())
}

/// The whole application. With `benchmark_baseline`, it also answers `/_bench/baseline` with a fixed 20 KB
/// page from memory, through the same server and outer middleware: the ceiling that `colloquy-bench`
/// compares every page with.
pub fn router(state: AppState, benchmark_baseline: bool) -> Router {
    let routes = Router::new()
        .route("/healthz", get(assets::healthz))
        .route("/robots.txt", get(assets::robots))
        .route("/sitemap.xml", get(assets::sitemap))
        .route("/search/", get(search::results))
        .route(
            "/admin/settings",
            get(admin::settings).post(admin::save_settings),
        )
        .route("/static/{*file}", get(static_files::serve))
        .route("/avatar/{file}", get(assets::avatar))
        .route("/comments", post(comments::leave_reply))
        .route("/login", get(auth::login_page).post(auth::log_in))
        .route("/logout", post(auth::log_out))
        .route(
            "/login/forgot",
            get(auth::forgot_page).post(auth::mail_reset_link),
        )
        .route(
            "/login/reset/{token}",
            get(auth::reset_page).post(auth::reset_password),
        )
        .route("/login/link", post(auth::mail_sign_in_link))
        .route(
            "/login/link/{token}",
            get(auth::sign_in_link_page).post(auth::use_sign_in_link),
        )
        .route("/admin", get(admin::dashboard))
        .route("/admin/", get(admin::dashboard))
        .route(
            "/admin/comments",
            get(admin::comments).post(admin::moderate),
        )
        .route(
            "/admin/comments/{id}",
            get(admin::comment_page).post(admin::save_comment),
        )
        .route("/admin/outbox", get(admin::outbox))
        .route(
            "/admin/categories",
            get(admin::categories).post(admin::save_category),
        )
        .route(
            "/admin/members",
            get(enrolment::members).post(enrolment::manage_members),
        )
        .route(
            "/join/{code}",
            get(enrolment::join_page).post(enrolment::join),
        )
        .route(
            "/account",
            get(enrolment::account_page).post(enrolment::save_account),
        )
        .route(
            "/account/confirm/{token}",
            get(enrolment::confirm_page).post(enrolment::confirm),
        )
        .route("/admin/posts", get(editor::list))
        .route(
            "/admin/posts/new",
            get(editor::new_post).post(editor::create_post),
        )
        .route(
            "/admin/posts/{id}",
            get(editor::edit_post).post(editor::save_post),
        )
        .route("/admin/posts/new/autosave", post(editor::autosave_new))
        .route("/admin/posts/{id}/autosave", post(editor::autosave))
        .route("/admin/preview", post(editor::preview))
        .route("/admin/posts/{id}/revisions", get(editor::revisions))
        .route(
            "/admin/posts/{id}/revisions/{revision}",
            post(editor::restore_revision),
        )
        .route("/wp-comments-post.php", post(comments::leave_reply))
        .route("/post-password", post(pages::unlock_post))
        .route("/follow/confirm/{token}", get(follows::confirm))
        .route(
            "/follow/stop/{token}",
            get(follows::stop).post(follows::stop),
        )
        .route("/readings/", get(readings::list))
        .route("/readings/{slug}/", get(readings::show))
        .route("/readings/{slug}/page/{number}/", get(readings::cited_page))
        .route("/admin/readings", get(readings::admin_list))
        .route("/admin/participation", get(participation::page))
        .route("/admin/participation.csv", get(participation::csv))
        .route(
            "/admin/readings/new",
            get(readings::new_form).post(readings::create),
        )
        .route(
            "/admin/readings/{id}",
            get(readings::edit_form).post(readings::update),
        )
        .fallback(pages::public_page)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            privacy::members_only,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), themed_errors))
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
                .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
                .on_request(DefaultOnRequest::new().level(Level::DEBUG))
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
}

static BASELINE_PAGE: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let paragraph = "<p>A fixed paragraph of a course blog's page, served from memory as the ceiling of the HTTP stack.</p>\n";
    let mut page = String::from(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Baseline</title></head><body>\n",
    );
    while page.len() < 20 * 1024 - paragraph.len() {
        page.push_str(paragraph);
    }
    page.push_str("</body></html>\n");
    page
});

/// What every response may load and who may frame it: scripts only from this origin (colloquy has no inline
/// script), no plugins, no framing by other sites; images also from https (posts link them).
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data: https:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/// Puts the security headers on every response (a handler's own, where it set one, is kept); HSTS only when
/// the site is served over https.
async fn security_headers(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let mut defaults = vec![
        (
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ),
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        (
            header::REFERRER_POLICY,
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        ),
        (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
    ];
    if state.secure_cookies {
        defaults.push((
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        ));
    }
    for (name, value) in defaults {
        headers.entry(name).or_insert(value);
    }
    response
}

/// Draws error responses (those carrying an `ErrorPage`) in the site's theme.
async fn themed_errors(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let site = request
        .extensions()
        .get::<site_scope::CurrentSite>()
        .map(|current| current.0.clone());
    let response = next.run(request).await;
    let Some(page) = response.extensions().get::<ErrorPage>().cloned() else {
        return response;
    };
    let status = response.status();
    let themed = async {
        let site = match site {
            Some(site) => site,
            None => state.store.site_by_slug(MAIN_SITE).await?,
        };
        let layout = state.layout(&site, Some(page.heading), None).await?;
        render(
            status,
            &MessagePage {
                layout,
                heading: page.heading.to_owned(),
                message: page.message.clone(),
            },
        )
    };
    match themed.await {
        Ok(mut themed) => {
            for name in [header::ALLOW, header::RETRY_AFTER] {
                if let Some(value) = response.headers().get(&name) {
                    themed.headers_mut().insert(name, value.clone());
                }
            }
            themed
        }
        Err(error) => {
            tracing::warn!(%error, "could not theme an error page");
            response
        }
    }
}

/// Marks a response as drawn for one person: no cache may keep or share it.
fn private(response: Result<Response, WebError>) -> Result<Response, WebError> {
    response.map(|mut response| {
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, PRIVATE);
        response
    })
}

/// A message as a sentence: its first letter in capitals.
fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// `Cache-Control` for pages drawn for one visitor.
const PRIVATE: HeaderValue = HeaderValue::from_static("private, no-store");
