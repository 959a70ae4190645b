//! A course site, which of them is the main one, and the root its addresses are built under (PRODUCT.md §7):
//! the main site is served at `/`, every other one at `/SLUG/`, as in a WordPress network in subdirectory mode.

use std::fmt;

use super::settings::SiteSettings;

/// The slug of the site every install has, served at `/`.
pub const MAIN_SITE: &str = "main";

/// A course site with its settings.
#[derive(Clone, Debug)]
pub struct Site {
    pub id: i64,
    pub slug: String,
    pub settings: SiteSettings,
    /// Bumped (by the database) with every change a public page can show: what cached pages are checked
    /// against.
    pub content_version: i64,
    /// Bumped (by the database) with every change of the settings: what the settings kept in memory are
    /// checked against.
    pub settings_version: i64,
}

impl Site {
    /// Whether this is the site served at `/`.
    pub fn is_main(&self) -> bool {
        self.slug == MAIN_SITE
    }

    /// The root every address of the site is built under.
    pub fn root(&self) -> SiteRoot {
        SiteRoot::for_slug(&self.slug)
    }
}

/// Where a site is served: `""` for the main site, `"/SLUG"` for the others. Every address colloquy writes for
/// a site is built as its root followed by a path inside the site (`root.join("/feed/")`); nothing rewrites a
/// finished page.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct SiteRoot(String);

impl SiteRoot {
    /// The root of the site with this slug.
    pub fn for_slug(slug: &str) -> Self {
        if slug == MAIN_SITE {
            Self(String::new())
        } else {
            Self(format!("/{slug}"))
        }
    }

    /// The address of `path`, a path inside the site that starts with `/` (`/`, `/feed/`, `/admin/posts/3`).
    pub fn join(&self, path: &str) -> String {
        debug_assert!(path.starts_with('/'), "a path inside a site: {path}");
        format!("{}{path}", self.0)
    }

    /// `""` or `"/SLUG"`, for templates that write `{{ root }}/feed/`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `address` (a path from the server's root) lies inside this site.
    pub fn contains(&self, address: &str) -> bool {
        self.0.is_empty()
            || address
                .strip_prefix(self.0.as_str())
                .is_some_and(|rest| rest.is_empty() || rest.starts_with(['/', '?', '#']))
    }
}

impl fmt::Display for SiteRoot {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_main_site_is_at_the_servers_root_and_others_under_their_slug() {
        assert_eq!(SiteRoot::for_slug(MAIN_SITE).join("/feed/"), "/feed/");
        assert_eq!(
            SiteRoot::for_slug("hist-220").join("/feed/"),
            "/hist-220/feed/"
        );
        assert_eq!(SiteRoot::for_slug("hist-220").join("/"), "/hist-220/");
    }

    #[test]
    fn a_site_contains_its_own_addresses_only() {
        let hist = SiteRoot::for_slug("hist-220");
        assert!(hist.contains("/hist-220/2026/"));
        assert!(hist.contains("/hist-220"));
        assert!(!hist.contains("/hist-2200/"));
        assert!(!hist.contains("/welcome/"));
        assert!(SiteRoot::for_slug(MAIN_SITE).contains("/anything/"));
    }
}
