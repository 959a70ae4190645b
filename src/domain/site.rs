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
    /// When the course was archived: it is then read-only, served to its readers as before but taking no new
    /// posts, comments, members or edits. `None` while it is open.
    pub archived_at: Option<i64>,
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

    /// Whether the course is archived (read-only).
    pub fn is_archived(&self) -> bool {
        self.archived_at.is_some()
    }
}

/// A fresh join code: 12 letters and digits that are hard to confuse.
pub fn new_join_code() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let bytes: [u8; 12] = rand::random();
    bytes
        .iter()
        .map(|byte| char::from(ALPHABET[usize::from(*byte) % ALPHABET.len()]))
        .collect()
}

/// A field of the forms that make a site (a new one, or a copy of another).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SiteField {
    Slug,
    Title,
    /// The email address of its first administrator.
    Administrator,
}

/// What is wrong with one field of a site's form, in words for the person who typed it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SiteProblem {
    pub field: SiteField,
    pub message: String,
}

impl SiteProblem {
    pub fn new(field: SiteField, message: impl Into<String>) -> Self {
        Self {
            field,
            message: message.into(),
        }
    }
}

/// The longest site title, as the settings allow.
const LONGEST_TITLE: usize = 200;

/// A site's title as it is kept (trimmed), or what is wrong with it.
pub fn check_title(title: &str) -> Result<&str, SiteProblem> {
    let title = title.trim();
    if title.is_empty() || title.chars().count() > LONGEST_TITLE {
        return Err(SiteProblem::new(
            SiteField::Title,
            format!("Give the site a title of 1 to {LONGEST_TITLE} characters."),
        ));
    }
    Ok(title)
}

/// What is wrong with a new site's slug, title and first administrator's address (`Some` when one is asked
/// for), as far as it can be told without the store: whether another site or a page of the main site has the
/// slug is the store's to say.
pub fn check_new_site(slug: &str, title: &str, administrator: Option<&str>) -> Vec<SiteProblem> {
    let mut problems = Vec::new();
    if slug.trim().is_empty() {
        problems.push(SiteProblem::new(
            SiteField::Slug,
            "Give the site a slug, the address it is served at: lower-case letters, digits and dashes, such \
             as hist-220.",
        ));
    } else if !super::slug::is_valid_given(slug) || slug == MAIN_SITE {
        problems.push(SiteProblem::new(
            SiteField::Slug,
            format!(
                "“{slug}” is not a usable site slug: use lower-case letters, digits and dashes (such as \
                 hist-220), not a reserved word or a number."
            ),
        ));
    }
    if let Err(problem) = check_title(title) {
        problems.push(problem);
    }
    match administrator.map(str::trim) {
        Some("") => problems.push(SiteProblem::new(
            SiteField::Administrator,
            "Give the email address of the site's first administrator.",
        )),
        Some(email) if !super::user::is_valid_email(email) || email.chars().count() > 100 => {
            problems.push(SiteProblem::new(
                SiteField::Administrator,
                format!("“{email}” is not a valid email address."),
            ));
        }
        _ => {}
    }
    problems
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
    let mut out = String::with_capacity(source.len());
    let mut copied = 0;
    let mut changed = 0;
    for start in link_starts(source, markdown) {
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

/// An author's source with its links into the site at `from` moved to the same places under `to`, for a course
/// copied for next term (`/hist-220/syllabus/` becomes `/hist-221/syllabus/`); how many were. Links are found
/// as `root_links` finds them. From the main site, whose root is every address, the root-relative links under
/// `to` or under another site's root (`elsewhere`) stay, since they lead out of it. Protocol-relative and
/// absolute links stay. `None` when nothing changes.
pub fn moved_links(
    source: &str,
    markdown: bool,
    from: &SiteRoot,
    to: &SiteRoot,
    elsewhere: &[SiteRoot],
) -> Option<(String, usize)> {
    let mut out = String::with_capacity(source.len());
    let mut copied = 0;
    let mut changed = 0;
    for start in link_starts(source, markdown) {
        let address = &source[start..];
        if !address.starts_with('/') || address.starts_with("//") || !leads_into(from, address) {
            continue;
        }
        if from.as_str().is_empty()
            && std::iter::once(to)
                .chain(elsewhere)
                .any(|other| !other.as_str().is_empty() && leads_into(other, address))
        {
            continue;
        }
        out.push_str(&source[copied..start]);
        out.push_str(to.as_str());
        copied = start + from.as_str().len();
        changed += 1;
    }
    out.push_str(&source[copied..]);
    (changed > 0).then_some((out, changed))
}

/// Whether the link that starts `text` (and runs to the end of its address) lies inside the site at `root`.
fn leads_into(root: &SiteRoot, text: &str) -> bool {
    root.as_str().is_empty()
        || text.strip_prefix(root.as_str()).is_some_and(|rest| {
            rest.chars().next().is_none_or(|next| {
                matches!(next, '/' | '?' | '#' | ')' | '>' | '"' | '\'') || next.is_whitespace()
            })
        })
}

/// Where the addresses of a source's links start, in order. In Markdown the links' and images' destinations,
/// reference definitions and the `href`/`src` of raw HTML, read by the Markdown parser (so code spans and
/// blocks are left alone); in HTML every `href`/`src`.
fn link_starts(source: &str, markdown: bool) -> Vec<usize> {
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
    starts
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

    #[test]
    fn a_copied_courses_links_into_the_old_course_move_to_the_new_one() {
        let (old, new) = (
            SiteRoot::for_slug("hist-220"),
            SiteRoot::for_slug("hist-221"),
        );
        let source = "[syllabus](/hist-220/syllabus/), [home](/hist-220), [week](</hist-220/2026/01/05/w/>), \
                      [main](/welcome/), [other](/hist-2200/x/), [cdn](//cdn.example/hist-220/), \
                      [abs](https://example.org/hist-220/), `[code](/hist-220/code/)` and \
                      <a href=\"/hist-220/readings/\">r</a>.\n\n[ref]: /hist-220/ref/\n";
        let (moved, changed) = moved_links(source, true, &old, &new, &[]).expect("links move");
        assert_eq!(changed, 5);
        assert_eq!(
            moved,
            "[syllabus](/hist-221/syllabus/), [home](/hist-221), [week](</hist-221/2026/01/05/w/>), \
             [main](/welcome/), [other](/hist-2200/x/), [cdn](//cdn.example/hist-220/), \
             [abs](https://example.org/hist-220/), `[code](/hist-220/code/)` and \
             <a href=\"/hist-221/readings/\">r</a>.\n\n[ref]: /hist-221/ref/\n"
        );
        assert_eq!(
            moved_links(&moved, true, &old, &new, &[]),
            None,
            "nothing left"
        );
        let html = "<p><a href=\"/hist-220/x/\">x</a> <img src='/hist-220/y.png'> <a href=\"/z/\">z</a></p>";
        assert_eq!(
            moved_links(html, false, &old, &new, &[]),
            Some((
                "<p><a href=\"/hist-221/x/\">x</a> <img src='/hist-221/y.png'> <a href=\"/z/\">z</a></p>"
                    .to_owned(),
                2
            ))
        );
    }

    #[test]
    fn a_copy_of_the_main_site_moves_its_own_links_and_keeps_those_to_other_sites() {
        let main = SiteRoot::for_slug(MAIN_SITE);
        let spring = SiteRoot::for_slug("spring-2027");
        let source = "[syllabus](/syllabus/), [other](/hist-220/), [new](/spring-2027/x/), [far](/hist-2200/), \
                      [home](/)";
        let (moved, changed) = moved_links(
            source,
            true,
            &main,
            &spring,
            &[SiteRoot::for_slug("hist-220")],
        )
        .expect("links move");
        assert_eq!(changed, 3);
        assert_eq!(
            moved,
            "[syllabus](/spring-2027/syllabus/), [other](/hist-220/), [new](/spring-2027/x/), \
             [far](/spring-2027/hist-2200/), [home](/spring-2027/)"
        );
    }

    #[test]
    fn a_new_sites_slug_title_and_administrator_are_checked() {
        assert!(check_new_site("hist-220", "HIST 220", Some("dana@example.edu")).is_empty());
        assert!(check_new_site("hist-220", " HIST 220 ", None).is_empty());
        let fields = |problems: Vec<SiteProblem>| -> Vec<SiteField> {
            problems.into_iter().map(|problem| problem.field).collect()
        };
        assert_eq!(
            fields(check_new_site("Bad Slug", "  ", Some("not-an-email"))),
            [SiteField::Slug, SiteField::Title, SiteField::Administrator]
        );
        for slug in ["", "main", "admin", "2026", "page", "a.b", "Hist-220"] {
            let problems = check_new_site(slug, "T", None);
            assert_eq!(fields(problems), [SiteField::Slug], "{slug:?}");
        }
        assert_eq!(
            fields(check_new_site("ok", &"x".repeat(201), Some(""))),
            [SiteField::Title, SiteField::Administrator]
        );
        assert_eq!(check_title("  HIST 220 "), Ok("HIST 220"));
    }

    #[test]
    fn join_codes_are_long_and_fresh() {
        let (first, second) = (new_join_code(), new_join_code());
        assert_eq!(first.len(), 12);
        assert_ne!(first, second);
    }
}
