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

/// An author's source with its root-relative links (`](/x/)`, `]: /x/`, `href="/x/"`, `src="/x/"`) put under
/// `root`, for a site whose pages used to have them prefixed when served; how many were. Links already under
/// the root, protocol-relative ones (`//host/`) and fenced code blocks are left as they are. `None` when
/// nothing changes (and always for the main site).
pub fn root_links(source: &str, root: &SiteRoot) -> Option<(String, usize)> {
    if root.as_str().is_empty() {
        return None;
    }
    const OPENINGS: [&str; 6] = ["](/", "]: /", "href=\"/", "href='/", "src=\"/", "src='/"];
    let mut out = String::with_capacity(source.len() + 64);
    let mut changed = 0;
    let mut in_fence = false;
    for line in source.split_inclusive('\n') {
        if line.trim_start().starts_with("```") || line.trim_start().starts_with("~~~") {
            in_fence = !in_fence;
        }
        if in_fence {
            out.push_str(line);
            continue;
        }
        let mut rest = line;
        while let Some((at, opening)) = OPENINGS
            .iter()
            .filter_map(|opening| rest.find(opening).map(|at| (at, opening)))
            .min_by_key(|(at, _)| *at)
        {
            let slash = at + opening.len() - 1;
            out.push_str(&rest[..slash]);
            let path = &rest[slash..];
            if !path.starts_with("//") && !root.contains(path) {
                out.push_str(root.as_str());
                changed += 1;
            }
            rest = path;
            out.push('/');
            rest = &rest[1..];
        }
        out.push_str(rest);
    }
    (changed > 0).then_some((out, changed))
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

    #[test]
    fn a_sub_sites_root_relative_links_are_put_under_its_root_once() {
        let hist = SiteRoot::for_slug("hist-220");
        let source = "See [week 1](/2026/01/05/week-1/), [home](/hist-220/), ![map](/static/map.png \"Map\")\n\
                      <a href=\"/welcome/\">welcome</a> <a href=\"//cdn.example/x\">cdn</a> [e](https://e.org/)\n\
                      [ref]: /readings/\n```\n[code](/not/a/link/)\n```\n";
        let (rooted, changed) = root_links(source, &hist).expect("links to root");
        assert_eq!(changed, 4);
        assert_eq!(
            rooted,
            "See [week 1](/hist-220/2026/01/05/week-1/), [home](/hist-220/), ![map](/hist-220/static/map.png \"Map\")\n\
             <a href=\"/hist-220/welcome/\">welcome</a> <a href=\"//cdn.example/x\">cdn</a> [e](https://e.org/)\n\
             [ref]: /hist-220/readings/\n```\n[code](/not/a/link/)\n```\n"
        );
        assert_eq!(root_links(&rooted, &hist), None, "done once");
        assert_eq!(root_links(source, &SiteRoot::for_slug(MAIN_SITE)), None);
    }
}
