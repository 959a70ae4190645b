//! A course site, which of them is the main one, and the root its addresses are built under (PRODUCT.md §7):
//! the main site is served at `/`, every other one at `/SLUG/`, as in a WordPress network in subdirectory mode.

use std::fmt;

use pulldown_cmark::{Event, Options, Parser, Tag};

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

/// An author's source with its root-relative links put under `root`, for a site whose pages used to have them
/// prefixed as they were served; how many were. In Markdown (`markdown`) the links' and images' destinations,
/// reference definitions and the `href`/`src` of raw HTML are read by the Markdown parser, so code spans and
/// blocks are left alone; in HTML, every `href`/`src`. Links already under the root and protocol-relative ones
/// (`//host/`) stay. `None` when nothing changes (and always for the main site).
pub fn root_links(source: &str, markdown: bool, root: &SiteRoot) -> Option<(String, usize)> {
    if root.as_str().is_empty() {
        return None;
    }
    let mut starts: Vec<usize> = Vec::new();
    if markdown {
        let options =
            Options::ENABLE_TABLES | Options::ENABLE_FOOTNOTES | Options::ENABLE_STRIKETHROUGH;
        let parser = Parser::new_ext(source, options);
        for (_, definition) in parser.reference_definitions().iter() {
            let written = &source[definition.span.clone()];
            if let Some(colon) = written.find("]:") {
                let after = colon + 2;
                let skipped = written[after..].len() - written[after..].trim_start().len();
                let mut at = after + skipped;
                if written[at..].starts_with('<') {
                    at += 1;
                }
                starts.push(definition.span.start + at);
            }
        }
        for (event, range) in parser.into_offset_iter() {
            match event {
                Event::Start(Tag::Link { .. } | Tag::Image { .. }) => {
                    let written = &source[range.clone()];
                    if let Some(bracket) = written.rfind("](") {
                        let mut at = bracket + 2;
                        at += written[at..].len() - written[at..].trim_start().len();
                        if written[at..].starts_with('<') {
                            at += 1;
                        }
                        starts.push(range.start + at);
                    }
                }
                Event::Html(_) | Event::InlineHtml(_) => {
                    starts.extend(
                        attribute_values(&source[range.clone()]).map(|at| range.start + at),
                    );
                }
                _ => {}
            }
        }
    } else {
        starts.extend(attribute_values(source));
    }
    starts.sort_unstable();
    starts.dedup();
    let mut out = String::with_capacity(source.len() + starts.len() * root.as_str().len());
    let mut copied = 0;
    let mut changed = 0;
    for start in starts {
        let address = &source[start..];
        if address.starts_with('/') && !address.starts_with("//") && !root.contains(address) {
            out.push_str(&source[copied..start]);
            out.push_str(root.as_str());
            copied = start;
            changed += 1;
        }
    }
    out.push_str(&source[copied..]);
    (changed > 0).then_some((out, changed))
}

/// Where the values of the `href` and `src` attributes of some HTML start.
fn attribute_values(html: &str) -> impl Iterator<Item = usize> + '_ {
    ["href=\"", "href='", "src=\"", "src='", "HREF=\"", "SRC=\""]
        .into_iter()
        .flat_map(move |opening| {
            html.match_indices(opening)
                .filter(move |(at, _)| {
                    html[..*at]
                        .chars()
                        .next_back()
                        .is_some_and(char::is_whitespace)
                })
                .map(move |(at, _)| at + opening.len())
        })
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
        let source = "See [week 1](/2026/01/05/week-1/), [home](/hist-220/), ![map](/static/map.png \"Map\"), \
                      [by ref][r] and `[inline](/inline/code)`.\n\n\
                      <a href=\"/welcome/\">welcome</a> <a href=\"//cdn.example/x\">cdn</a> [e](https://e.org/)\n\n\
                      [r]: /readings/\n\n    [indented](/indented/code/)\n\n\
                      ````\n```\n[fenced](/fenced/)\n```\n````\n";
        let (rooted, changed) = root_links(source, true, &hist).expect("links to root");
        assert_eq!(changed, 4);
        assert_eq!(
            rooted,
            "See [week 1](/hist-220/2026/01/05/week-1/), [home](/hist-220/), ![map](/hist-220/static/map.png \"Map\"), \
             [by ref][r] and `[inline](/inline/code)`.\n\n\
             <a href=\"/hist-220/welcome/\">welcome</a> <a href=\"//cdn.example/x\">cdn</a> [e](https://e.org/)\n\n\
             [r]: /hist-220/readings/\n\n    [indented](/indented/code/)\n\n\
             ````\n```\n[fenced](/fenced/)\n```\n````\n"
        );
        assert_eq!(root_links(&rooted, true, &hist), None, "done once");
        assert_eq!(
            root_links(source, true, &SiteRoot::for_slug(MAIN_SITE)),
            None
        );
        let html = "<p><a href=\"/x/\">x</a> <img src='/y.png'> <a href=\"/hist-220/z/\">z</a></p>";
        assert_eq!(
            root_links(html, false, &hist),
            Some((
                "<p><a href=\"/hist-220/x/\">x</a> <img src='/hist-220/y.png'> <a href=\"/hist-220/z/\">z</a></p>"
                    .to_owned(),
                2
            ))
        );
    }
}
