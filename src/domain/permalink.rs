//! Permalinks: WordPress's "day and name" URL scheme (PRODUCT.md §3), read from a path and written back.
//!
//! `parse` turns the segments of a request path into the page they name; the `*_path` functions build the
//! canonical paths. A path that parses is not yet a page that exists: the web layer asks the store.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use super::calendar::LocalDate;

/// The page a public path names.
#[derive(Debug, PartialEq, Eq)]
pub enum Route {
    /// `/` and `/page/N/`.
    Home { page: u32 },
    /// `/YYYY/MM/DD/slug/` and `…/comment-page-N/`.
    Post {
        date: LocalDate,
        slug: String,
        comment_page: Option<u32>,
    },
    /// `/YYYY/`, `/YYYY/MM/`, `/YYYY/MM/DD/`, each with `/page/N/`.
    DateArchive {
        year: i16,
        month: Option<i8>,
        day: Option<i8>,
        page: u32,
    },
    /// `/category/SLUG/` (or `/category/PARENT/SLUG/`), `/tag/SLUG/`, `/author/NAME/`, each with `/page/N/`.
    Archive {
        kind: ArchiveKind,
        slug: String,
        page: u32,
    },
    /// `/PARENT/CHILD/`: a static page and its ancestors' slugs, outermost first.
    Page { slugs: Vec<String> },
    /// `…/feed/` (RSS 2.0) or `…/feed/atom/` (Atom) of a listing or a discussion.
    Feed {
        source: FeedSource,
        format: FeedFormat,
    },
}

/// What a feed lists.
#[derive(Debug, PartialEq, Eq)]
pub enum FeedSource {
    /// `/feed/`: the newest posts.
    Posts,
    /// `/comments/feed/`: the newest comments on the whole site.
    Comments,
    /// `/category/SLUG/feed/` or `/tag/SLUG/feed/`.
    Archive { kind: ArchiveKind, slug: String },
    /// `POST-URL/feed/`: one post's comments.
    PostComments { date: LocalDate, slug: String },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FeedFormat {
    Rss,
    Atom,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArchiveKind {
    Category,
    Tag,
    Author,
}

impl ArchiveKind {
    pub fn base(self) -> &'static str {
        match self {
            Self::Category => "category",
            Self::Tag => "tag",
            Self::Author => "author",
        }
    }
}

/// Reads decoded path segments (empty segments already dropped). `None`: no page can live at this path.
pub fn parse(segments: &[&str]) -> Option<Route> {
    let feed = match segments {
        [rest @ .., "feed", "atom"] => Some((rest, FeedFormat::Atom)),
        [rest @ .., "feed"] => Some((rest, FeedFormat::Rss)),
        _ => None,
    };
    if let Some((rest, format)) = feed {
        return parse_feed(rest).map(|source| Route::Feed { source, format });
    }
    let (segments, page) = split_pagination(segments, "page")?;
    match segments {
        [] => Some(Route::Home { page }),
        [kind @ ("category" | "tag" | "author"), rest @ ..] => {
            let kind = match *kind {
                "category" => ArchiveKind::Category,
                "tag" => ArchiveKind::Tag,
                _ => ArchiveKind::Author,
            };
            let nested_ok = kind == ArchiveKind::Category || rest.len() == 1;
            let slug = rest.last().filter(|_| nested_ok)?;
            Some(Route::Archive {
                kind,
                slug: (*slug).to_owned(),
                page,
            })
        }
        [year, rest @ ..] if is_number(year, 4) => parse_dated(year, rest, page),
        slugs if page == 1 && slugs.iter().all(|slug| !slug.contains('.')) => Some(Route::Page {
            slugs: slugs.iter().map(|slug| (*slug).to_owned()).collect(),
        }),
        _ => None,
    }
}

fn parse_feed(segments: &[&str]) -> Option<FeedSource> {
    match parse(segments)? {
        Route::Home { page: 1 } => Some(FeedSource::Posts),
        Route::Archive {
            kind: kind @ (ArchiveKind::Category | ArchiveKind::Tag),
            slug,
            page: 1,
        } => Some(FeedSource::Archive { kind, slug }),
        Route::Post {
            date,
            slug,
            comment_page: None,
        } => Some(FeedSource::PostComments { date, slug }),
        Route::Page { slugs } if slugs == ["comments"] => Some(FeedSource::Comments),
        _ => None,
    }
}

fn parse_dated(year: &str, rest: &[&str], page: u32) -> Option<Route> {
    let year: i16 = year.parse().ok()?;
    let two_digits = |text: &&str| {
        is_number(text, 2)
            .then(|| text.parse::<i8>().ok())
            .flatten()
    };
    match rest {
        [] => Some(Route::DateArchive {
            year,
            month: None,
            day: None,
            page,
        }),
        [month] => Some(Route::DateArchive {
            year,
            month: Some(two_digits(month)?),
            day: None,
            page,
        }),
        [month, day] => Some(Route::DateArchive {
            year,
            month: Some(two_digits(month)?),
            day: Some(two_digits(day)?),
            page,
        }),
        [month, day, slug, tail @ ..] if page == 1 => {
            let date = LocalDate {
                year,
                month: two_digits(month)?,
                day: two_digits(day)?,
            };
            let comment_page = match tail {
                [] => None,
                [part] => Some(
                    part.strip_prefix("comment-page-")
                        .and_then(positive_number)?,
                ),
                _ => return None,
            };
            Some(Route::Post {
                date,
                slug: (*slug).to_owned(),
                comment_page,
            })
        }
        _ => None,
    }
}

/// Splits a trailing `/page/N` off; `None` when N is not a positive number.
fn split_pagination<'a, 'b>(segments: &'a [&'b str], word: &str) -> Option<(&'a [&'b str], u32)> {
    match segments {
        [rest @ .., marker, number] if *marker == word => Some((rest, positive_number(number)?)),
        _ => Some((segments, 1)),
    }
}

fn positive_number(text: &str) -> Option<u32> {
    text.parse()
        .ok()
        .filter(|number| *number > 0 && !text.starts_with('0'))
}

fn is_number(text: &str, digits: usize) -> bool {
    text.len() == digits && text.bytes().all(|b| b.is_ascii_digit())
}

/// Characters left alone in a path segment; everything else is percent-encoded (lower-case hex, as WordPress).
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

pub fn encode_segment(segment: &str) -> String {
    utf8_percent_encode(segment, SEGMENT)
        .to_string()
        .to_lowercase()
}

/// `/YYYY/MM/DD/slug/`.
pub fn post_path(date: LocalDate, slug: &str) -> String {
    format!(
        "/{:04}/{:02}/{:02}/{}/",
        date.year,
        date.month,
        date.day,
        encode_segment(slug)
    )
}

/// `/parent/child/` from the slugs of a page and its ancestors, outermost first.
pub fn page_path<'a>(slugs: impl IntoIterator<Item = &'a str>) -> String {
    let mut path = String::from("/");
    for slug in slugs {
        path.push_str(&encode_segment(slug));
        path.push('/');
    }
    path
}

/// `/category/slug/`, `/tag/slug/`, `/author/name/`.
pub fn archive_path(kind: ArchiveKind, slug: &str) -> String {
    format!("/{}/{}/", kind.base(), encode_segment(slug))
}

/// `/YYYY/`, `/YYYY/MM/` or `/YYYY/MM/DD/`.
pub fn date_archive_path(year: i16, month: Option<i8>, day: Option<i8>) -> String {
    match (month, day) {
        (Some(month), Some(day)) => format!("/{year:04}/{month:02}/{day:02}/"),
        (Some(month), None) => format!("/{year:04}/{month:02}/"),
        _ => format!("/{year:04}/"),
    }
}

/// The path of page `page` of a listing whose first page is at `base` (which ends in `/`).
pub fn paged(base: &str, page: u32) -> String {
    if page <= 1 {
        base.to_owned()
    } else {
        format!("{base}page/{page}/")
    }
}

/// The path of page `page` of a post's comments (`base` is the post's path).
pub fn comment_page_path(post_path: &str, page: u32) -> String {
    format!("{post_path}comment-page-{page}/")
}

/// The canonical path of a post (dated) or a page (`lineage`: the page and its ancestors, outermost first).
pub fn permalink(
    post: &super::post::Post,
    zone: &super::calendar::SiteZone,
    lineage: &[super::post::Post],
) -> String {
    match post.kind {
        super::post::PostKind::Post => post_path(zone.local_date(post.published_at), &post.slug),
        super::post::PostKind::Page => page_path(lineage.iter().map(|page| page.slug.as_str())),
    }
}

/// How an address of an old (WordPress) site is kept and looked up: the path percent-decoded, without
/// trailing slashes (`/` stays), and its query if it has one. `None` for a path that is not UTF-8.
pub fn legacy_key(path: &str, query: Option<&str>) -> Option<String> {
    let decoded = percent_encoding::percent_decode_str(path)
        .decode_utf8()
        .ok()?;
    let trimmed = decoded.trim_end_matches('/');
    let mut key = if trimmed.is_empty() {
        "/".to_owned()
    } else if trimmed.starts_with('/') {
        trimmed.to_owned()
    } else {
        format!("/{trimmed}")
    };
    if let Some(query) = query.filter(|query| !query.is_empty()) {
        key.push('?');
        key.push_str(query);
    }
    Some(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(path: &str) -> Option<Route> {
        let segments: Vec<&str> = path
            .split('/')
            .filter(|segment| !segment.is_empty())
            .collect();
        parse(&segments)
    }

    #[test]
    fn home_and_its_pages() {
        assert_eq!(route("/"), Some(Route::Home { page: 1 }));
        assert_eq!(route("/page/3/"), Some(Route::Home { page: 3 }));
        assert_eq!(route("/page/0/"), None);
        assert_eq!(route("/page/x/"), None);
    }

    #[test]
    fn a_post_permalink_carries_its_date_and_slug() {
        let expected = Route::Post {
            date: LocalDate {
                year: 2026,
                month: 9,
                day: 1,
            },
            slug: "hello".into(),
            comment_page: None,
        };
        assert_eq!(route("/2026/09/01/hello/"), Some(expected));
        assert!(matches!(
            route("/2026/09/01/hello/comment-page-2/"),
            Some(Route::Post {
                comment_page: Some(2),
                ..
            })
        ));
        assert_eq!(route("/2026/09/01/hello/other/"), None);
        assert_eq!(route("/2026/9/01/hello/"), None);
    }

    #[test]
    fn date_archives_at_each_depth() {
        assert_eq!(
            route("/2026/"),
            Some(Route::DateArchive {
                year: 2026,
                month: None,
                day: None,
                page: 1
            })
        );
        assert_eq!(
            route("/2026/09/page/2/"),
            Some(Route::DateArchive {
                year: 2026,
                month: Some(9),
                day: None,
                page: 2
            })
        );
        assert_eq!(
            route("/2026/09/01/"),
            Some(Route::DateArchive {
                year: 2026,
                month: Some(9),
                day: Some(1),
                page: 1
            })
        );
    }

    #[test]
    fn term_and_author_archives() {
        assert_eq!(
            route("/category/readings/page/2/"),
            Some(Route::Archive {
                kind: ArchiveKind::Category,
                slug: "readings".into(),
                page: 2
            })
        );
        assert_eq!(
            route("/category/parent/child/"),
            Some(Route::Archive {
                kind: ArchiveKind::Category,
                slug: "child".into(),
                page: 1
            })
        );
        assert_eq!(route("/tag/a/b/"), None);
        assert_eq!(route("/author/"), None);
    }

    #[test]
    fn other_paths_name_static_pages() {
        assert_eq!(
            route("/syllabus/grading/"),
            Some(Route::Page {
                slugs: vec!["syllabus".into(), "grading".into()]
            })
        );
        assert_eq!(route("/favicon.ico"), None);
    }

    #[test]
    fn feeds_hang_off_their_listing() {
        assert_eq!(
            route("/feed/"),
            Some(Route::Feed {
                source: FeedSource::Posts,
                format: FeedFormat::Rss
            })
        );
        assert_eq!(
            route("/feed/atom/"),
            Some(Route::Feed {
                source: FeedSource::Posts,
                format: FeedFormat::Atom
            })
        );
        assert_eq!(
            route("/comments/feed/"),
            Some(Route::Feed {
                source: FeedSource::Comments,
                format: FeedFormat::Rss
            })
        );
        assert_eq!(
            route("/tag/maps/feed/atom/"),
            Some(Route::Feed {
                source: FeedSource::Archive {
                    kind: ArchiveKind::Tag,
                    slug: "maps".into()
                },
                format: FeedFormat::Atom
            })
        );
        assert!(matches!(
            route("/2026/09/01/hello/feed/"),
            Some(Route::Feed {
                source: FeedSource::PostComments { .. },
                ..
            })
        ));
        assert_eq!(route("/page/2/feed/"), None);
        assert_eq!(route("/author/ada/feed/"), None);
        assert_eq!(route("/syllabus/feed/"), None);
    }

    #[test]
    fn paths_are_built_canonically() {
        let date = LocalDate {
            year: 2026,
            month: 9,
            day: 1,
        };
        assert_eq!(post_path(date, "hello-world"), "/2026/09/01/hello-world/");
        assert_eq!(
            post_path(date, "привет"),
            "/2026/09/01/%d0%bf%d1%80%d0%b8%d0%b2%d0%b5%d1%82/"
        );
        assert_eq!(page_path(["syllabus", "grading"]), "/syllabus/grading/");
        assert_eq!(paged("/category/news/", 1), "/category/news/");
        assert_eq!(paged("/category/news/", 2), "/category/news/page/2/");
        assert_eq!(date_archive_path(2026, Some(9), None), "/2026/09/");
    }

    #[test]
    fn old_addresses_are_kept_in_one_form() {
        assert_eq!(
            legacy_key("/2024/03/caf%C3%A9/", None).as_deref(),
            Some("/2024/03/café")
        );
        assert_eq!(
            legacy_key("/archives/12", Some("")).as_deref(),
            Some("/archives/12")
        );
        assert_eq!(legacy_key("", Some("p=3")).as_deref(), Some("/?p=3"));
        assert_eq!(legacy_key("/%ff/", None), None);
    }
}
