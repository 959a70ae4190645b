//! What every handler can reach (`AppState`): the store, the mailer, discussion, the page cache and what is kept
//! per content version (sites, menus, counts), and the frame every page is drawn in (`AppState::layout`).

use std::sync::Arc;

use axum::{extract::FromRef, http::HeaderMap};
use axum_extra::extract::cookie::{CookieJar, Key};

use crate::{
    address,
    discussion::Discussion,
    domain::{
        permalink::{ArchiveKind, archive_path, page_path},
        settings::Visibility,
    },
    mail::Mailer,
    store::{ListFilter, Site, Store},
    web::{
        cache,
        client_ip::TrustedProxies,
        error::WebError,
        memo::PerVersion,
        passwords::Passwords,
        viewer::{self, SignedIn},
        views::{Layout, Link, RecentComment},
        visitor,
    },
};

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub mailer: Mailer,
    /// Argon2's turns, for every door that checks or sets a password.
    pub(crate) passwords: Passwords,
    /// Turns to make a zip of a member's writing (each holds all of it in memory): one a core, taken or
    /// refused at once.
    pub(crate) zips: Arc<tokio::sync::Semaphore>,
    /// Leaving, moderating and answering comments: the same for every door.
    pub discussion: Discussion,
    /// The public origin, for links in mails.
    pub(crate) base_url: Arc<str>,
    /// Whether cookies are sent only over HTTPS (the base URL is https).
    pub(crate) secure_cookies: bool,
    pub(crate) cookie_key: Key,
    pub(crate) avatar_salt: Arc<[u8]>,
    pub(crate) trusted_proxies: Arc<TrustedProxies>,
    pub(crate) pages: cache::PageCache,
    navigation: Arc<PerVersion<i64, Arc<Navigation>>>,
    /// Sites with their settings, as of their `settings_version`.
    pub(crate) sites: Arc<PerVersion<i64, Site>>,
    /// How many posts a listing or search has, by site and question, as of a `content_version`.
    pub(crate) counts: Arc<PerVersion<(i64, String), i64>>,
    /// The time the editor goes by (tests move it on).
    pub clock: crate::domain::calendar::Clock,
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
            passwords: Passwords::new(),
            zips: Arc::new(tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(2, std::num::NonZero::get),
            )),
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
            clock: crate::domain::calendar::Clock::default(),
        }
    }

    /// Shares pages drawn for anonymous readers through `pages` (without, every page is drawn anew).
    pub fn with_page_cache(mut self, pages: cache::PageCache) -> Self {
        self.pages = pages;
        self
    }

    /// The person whose session a request's cookie names, with their role on the site.
    pub(crate) async fn signed_in(
        &self,
        headers: &HeaderMap,
        site: &Site,
    ) -> Result<Option<SignedIn>, WebError> {
        let jar = CookieJar::from_headers(headers);
        let Some(token) = jar
            .get(viewer::SESSION_COOKIE)
            .map(|cookie| cookie.value().to_owned())
        else {
            return Ok(None);
        };
        let token_hash = crate::domain::user::hash_token(&token);
        let Some(session) = self
            .store
            .session(&token_hash, crate::domain::calendar::now())
            .await?
        else {
            return Ok(None);
        };
        let role = self.store.role_on(site.id, session.user.id).await?;
        Ok(Some(SignedIn {
            user: session.user,
            role,
            csrf: session.csrf_token,
            token_hash,
        }))
    }

    /// The public address of a site's root, for mails and links that cross from one site to another.
    pub fn site_url(&self, site: &Site) -> String {
        format!("{}{}", self.base_url, site.root())
    }

    /// The frame of a page: site title and navigation, and who is signed in (when the handler did not look,
    /// the request's session is looked up here).
    pub(crate) async fn layout(
        &self,
        site: &Site,
        title: Option<&str>,
        viewer: Option<&SignedIn>,
    ) -> Result<Layout, WebError> {
        let looked_up;
        let viewer = match viewer {
            Some(viewer) => Some(viewer),
            None => {
                looked_up = match viewer::cookies_of_this_request() {
                    Some(cookies) => self.signed_in(&cookies, site).await?,
                    None => None,
                };
                looked_up.as_ref()
            }
        };
        if viewer.is_some() {
            viewer::page_names_its_reader();
        }
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
            archived: site.is_archived(),
            notice: None,
            menu: Vec::new(),
        })
    }
}

impl AppState {
    /// The site a request is for (by slug, else the main site): a one-row check of its versions each time, its
    /// settings read again only when they have changed.
    pub(crate) async fn current_site(
        &self,
        candidate: &str,
    ) -> Result<Site, crate::store::StoreError> {
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
    pub(crate) async fn address_of(
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
        let in_use = self.store.categories_in_use(site.id).await?;
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
        let mut recent_posts = Vec::with_capacity(newest.len());
        for card in &newest {
            recent_posts.push(Link {
                href: self
                    .address_of(site, address::Target::Post(&card.post))
                    .await?,
                text: card.post.title.clone(),
            });
        }
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
                .filter(|category| holds_a_post(category.id, &categories, &in_use))
                .map(|category| Link {
                    href: root.join(&archive_path(ArchiveKind::Category, &category.slug)),
                    text: category.name.clone(),
                })
                .collect(),
        }))
    }
}

impl FromRef<AppState> for Arc<TrustedProxies> {
    fn from_ref(state: &AppState) -> Self {
        state.trusted_proxies.clone()
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

/// Whether a category, or one inside it, holds a published post: the menu leaves out empty ones (names an
/// autosave or an unfinished draft made), as WordPress's category list does.
fn holds_a_post(id: i64, categories: &[crate::domain::post::Term], in_use: &[i64]) -> bool {
    /// Deeper than any real tree of categories; a cycle that an import made ends here.
    const DEEPEST: usize = 32;
    fn within(
        id: i64,
        categories: &[crate::domain::post::Term],
        in_use: &[i64],
        depth: usize,
    ) -> bool {
        in_use.contains(&id)
            || (depth < DEEPEST
                && categories
                    .iter()
                    .filter(|child| child.parent_id == Some(id))
                    .any(|child| within(child.id, categories, in_use, depth + 1)))
    }
    within(id, categories, in_use, 0)
}
