//! Importing a WordPress export into a site, in two passes over the file.
//!
//! The first pass reads the whole file and stores nothing, so a malformed or cut file stops with the line and
//! column of its fault and the site as it was. The second pass stores each post or page with its comments in a
//! transaction of its own, so the site keeps serving; if it is interrupted, running it again skips what is
//! already there (by WordPress id) and goes on. No mail is sent.

use std::{
    collections::{BTreeMap, HashMap},
    fs::File,
    io::{BufReader, IsTerminal},
    path::Path,
};

use indicatif::{ProgressBar, ProgressStyle};
use jiff::civil::DateTime;

use crate::{
    domain::{
        calendar::{self, SiteZone},
        comment::CommentStatus,
        markup::comment_to_html,
        permalink,
        post::{DEFAULT_CATEGORY, PostKind, PostStatus, SourceFormat, Taxonomy},
        slug,
    },
    store::{ImportedAuthor, ImportedComment, ImportedPost, ItemOutcome, Site, Store, StoreError},
};

use super::{
    export::{MARKDOWN_META_KEY, OLD_SLUG_META_KEY},
    reader::{Author, Entry, Item, ItemComment, ParseError, WxrReader},
};

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{path}:{line}:{column}: {message}\nnothing was imported")]
    Malformed {
        path: String,
        line: u64,
        column: u64,
        message: String,
    },
    #[error("cannot read {path}: {source}")]
    Unreadable {
        path: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What an import did, for the summary it prints.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Summary {
    pub accounts_created: usize,
    pub accounts_existing: usize,
    pub terms_created: usize,
    pub posts: usize,
    pub pages: usize,
    pub comments: usize,
    pub attachments: usize,
    /// Items an earlier run of the same import had stored already.
    pub already_there: usize,
    /// Items of kinds a course blog does not keep (menus, revisions, auto-drafts…), by kind.
    pub skipped: BTreeMap<String, usize>,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            formatter,
            "imported {} posts, {} pages and {} comments; {} attachment links",
            self.posts, self.pages, self.comments, self.attachments
        )?;
        writeln!(
            formatter,
            "accounts: {} new (without passwords: each sets one with \"Forgot your password?\"), {} existing; {} new categories and tags",
            self.accounts_created, self.accounts_existing, self.terms_created
        )?;
        if self.already_there > 0 {
            writeln!(
                formatter,
                "{} items were here from an earlier run of this import and were left as they are",
                self.already_there
            )?;
        }
        for (kind, count) in &self.skipped {
            writeln!(formatter, "skipped {count} items of kind '{kind}'")?;
        }
        Ok(())
    }
}

/// Whether to draw progress bars (only on a terminal).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Progress {
    Terminal,
    Quiet,
}

impl Progress {
    /// Bars when standard error is a terminal.
    pub fn detect() -> Self {
        if std::io::stderr().is_terminal() {
            Self::Terminal
        } else {
            Self::Quiet
        }
    }

    fn bar(self, length: u64, template: &str) -> ProgressBar {
        match self {
            Self::Quiet => ProgressBar::hidden(),
            Self::Terminal => {
                let bar = ProgressBar::new(length);
                if let Ok(style) = ProgressStyle::with_template(template) {
                    bar.set_style(style);
                }
                bar
            }
        }
    }
}

/// Imports the WXR file at `path` into `site`.
pub async fn import(
    store: &Store,
    site: &Site,
    path: &Path,
    progress: Progress,
) -> Result<Summary, ImportError> {
    let items = check(path, progress)?;
    let mut importer = Importer {
        store,
        site,
        zone: site.settings.zone(),
        now: calendar::now(),
        base_url: String::new(),
        users_by_login: HashMap::new(),
        users_by_wordpress_id: HashMap::new(),
        terms: HashMap::new(),
        summary: Summary::default(),
    };
    let bar = progress.bar(
        items,
        "importing {bar:40} {pos}/{len} items, {per_sec}, {eta} left",
    );
    let mut reader = open(path)?;
    while let Some(entry) = reader
        .next_entry()
        .map_err(|fault| malformed(path, &fault))?
    {
        let is_item = matches!(entry, Entry::Item(_));
        importer.take(entry).await?;
        if is_item {
            bar.inc(1);
        }
    }
    bar.finish_and_clear();
    store.link_imported_parents(site.id).await?;
    Ok(importer.summary)
}

/// The first pass: reads the whole file, storing nothing. Returns how many items it holds.
fn check(path: &Path, progress: Progress) -> Result<u64, ImportError> {
    let size = std::fs::metadata(path)
        .map_err(|source| unreadable(path, source))?
        .len();
    let bar = progress.bar(size, "checking  {bar:40} {bytes}/{total_bytes}, {eta} left");
    let mut reader = open(path)?;
    let mut items = 0u64;
    let mut entries = 0u64;
    while let Some(entry) = reader
        .next_entry()
        .map_err(|fault| malformed(path, &fault))?
    {
        if matches!(entry, Entry::Item(_)) {
            items += 1;
        }
        entries += 1;
        if entries.is_multiple_of(256) {
            bar.set_position(reader.position());
        }
    }
    bar.finish_and_clear();
    Ok(items)
}

fn open(path: &Path) -> Result<WxrReader<BufReader<File>>, ImportError> {
    let file = File::open(path).map_err(|source| unreadable(path, source))?;
    Ok(WxrReader::new(BufReader::with_capacity(256 * 1024, file)))
}

fn unreadable(path: &Path, source: std::io::Error) -> ImportError {
    ImportError::Unreadable {
        path: path.display().to_string(),
        source,
    }
}

fn malformed(path: &Path, fault: &ParseError) -> ImportError {
    let (line, column) = File::open(path)
        .and_then(|file| super::reader::line_and_column(file, fault.offset))
        .unwrap_or((0, 0));
    ImportError::Malformed {
        path: path.display().to_string(),
        line,
        column,
        message: fault.message.clone(),
    }
}

struct Importer<'a> {
    store: &'a Store,
    site: &'a Site,
    zone: SiteZone,
    now: i64,
    /// Where the WordPress site lived, to turn its links into paths on this site.
    base_url: String,
    users_by_login: HashMap<String, i64>,
    users_by_wordpress_id: HashMap<i64, i64>,
    /// Local term ids by taxonomy and WordPress slug. (WordPress keeps term names HTML-escaped, `Q&amp;A`,
    /// so they are unescaped on the way in.)
    terms: HashMap<(Taxonomy, String), i64>,
    summary: Summary,
}

impl Importer<'_> {
    async fn take(&mut self, entry: Entry) -> Result<(), ImportError> {
        match entry {
            Entry::BaseUrl(url) => self.base_url = url.trim_end_matches('/').to_owned(),
            Entry::Author(author) => {
                self.author(&author).await?;
            }
            Entry::Category(category) => {
                let parent = category.parent_slug.as_ref().and_then(|parent| {
                    self.terms
                        .get(&(Taxonomy::Category, parent.clone()))
                        .copied()
                });
                self.term(Taxonomy::Category, &category.slug, &category.name, parent)
                    .await?;
            }
            Entry::Tag(tag) => {
                self.term(Taxonomy::Tag, &tag.slug, &tag.name, None).await?;
            }
            Entry::Item(item) => self.item(&item).await?,
        }
        Ok(())
    }

    async fn author(&mut self, author: &Author) -> Result<i64, ImportError> {
        if let Some(id) = self.users_by_login.get(&author.login) {
            return Ok(*id);
        }
        let email = if author.email.is_empty() {
            format!("{}@wordpress-import.invalid", slug::slugify(&author.login))
        } else {
            author.email.clone()
        };
        let name = if author.display_name.is_empty() {
            &author.login
        } else {
            &author.display_name
        };
        let (user_id, created) = self
            .store
            .import_author(
                self.site.id,
                &ImportedAuthor {
                    login: &author.login,
                    email: &email,
                    name,
                },
                self.now,
            )
            .await?;
        if created {
            self.summary.accounts_created += 1;
        } else {
            self.summary.accounts_existing += 1;
        }
        self.users_by_login.insert(author.login.clone(), user_id);
        if let Some(wordpress_id) = author.wordpress_id {
            self.users_by_wordpress_id.insert(wordpress_id, user_id);
        }
        Ok(user_id)
    }

    async fn term(
        &mut self,
        taxonomy: Taxonomy,
        wordpress_slug: &str,
        name: &str,
        parent_id: Option<i64>,
    ) -> Result<i64, ImportError> {
        let key = (taxonomy, wordpress_slug.to_owned());
        if let Some(id) = self.terms.get(&key) {
            return Ok(*id);
        }
        let name = if name.is_empty() {
            wordpress_slug
        } else {
            name
        };
        let name = html_escape::decode_html_entities(name);
        let local_slug = slug_from(wordpress_slug, &name, "term");
        let (id, created) = self
            .store
            .import_term(self.site.id, taxonomy, &local_slug, &name, parent_id)
            .await?;
        if created {
            self.summary.terms_created += 1;
        }
        self.terms.insert(key, id);
        Ok(id)
    }

    async fn item(&mut self, item: &Item) -> Result<(), ImportError> {
        let kind = match item.post_type.as_str() {
            "post" => PostKind::Post,
            "page" => PostKind::Page,
            "attachment" => {
                let paths = self.legacy_paths(item);
                let outcome = self
                    .store
                    .import_attachment(self.site.id, item.wordpress_id, item.parent, &paths)
                    .await?;
                self.count(outcome, |summary| summary.attachments += 1);
                return Ok(());
            }
            other => {
                *self.summary.skipped.entry(other.to_owned()).or_default() += 1;
                return Ok(());
            }
        };
        let Some((status, status_before_trash)) = status_of(item) else {
            *self.summary.skipped.entry(item.status.clone()).or_default() += 1;
            return Ok(());
        };
        let author_id = self
            .author(&Author {
                wordpress_id: None,
                login: if item.creator.is_empty() {
                    "wordpress".into()
                } else {
                    item.creator.clone()
                },
                email: String::new(),
                display_name: String::new(),
            })
            .await?;
        let mut term_ids = Vec::new();
        if kind == PostKind::Post {
            for term in &item.terms {
                let taxonomy = if term.is_category {
                    Taxonomy::Category
                } else {
                    Taxonomy::Tag
                };
                let wordpress_slug = if term.slug.is_empty() {
                    slug::slugify(&term.name)
                } else {
                    term.slug.clone()
                };
                term_ids.push(
                    self.term(taxonomy, &wordpress_slug, &term.name, None)
                        .await?,
                );
            }
            if !item.terms.iter().any(|term| term.is_category) {
                let default = slug::slugify(DEFAULT_CATEGORY);
                term_ids.push(
                    self.term(Taxonomy::Category, &default, DEFAULT_CATEGORY, None)
                        .await?,
                );
            }
        }
        let (source, format) = match item.meta_values(MARKDOWN_META_KEY).next() {
            Some(markdown) => (markdown, SourceFormat::Markdown),
            None => (item.content.as_str(), SourceFormat::Html),
        };
        let published_at = self.moment(item.date_gmt, item.date).unwrap_or(self.now);
        let modified_at = self
            .moment(item.modified_gmt, item.modified)
            .unwrap_or(published_at);
        let old_slugs: Vec<String> = item
            .meta_values(OLD_SLUG_META_KEY)
            .map(|old| slug_from(old, "", ""))
            .filter(|old| !old.is_empty())
            .collect();
        let comment_html: Vec<_> = item
            .comments
            .iter()
            .map(|comment| comment_to_html(&comment.content))
            .collect();
        let comments: Vec<ImportedComment<'_>> = item
            .comments
            .iter()
            .zip(&comment_html)
            .map(|(comment, html)| self.comment(comment, html, published_at))
            .collect();
        let wanted_slug = slug_from(&item.slug, &item.title, kind.as_str());
        let legacy_paths = self.legacy_paths(item);
        let outcome = self
            .store
            .import_post(
                &ImportedPost {
                    site_id: self.site.id,
                    wordpress_id: item.wordpress_id,
                    parent_wordpress_id: item.parent,
                    author_id,
                    kind,
                    status,
                    status_before_trash,
                    slug: &wanted_slug,
                    title: &item.title,
                    source,
                    format,
                    excerpt: &item.excerpt,
                    comments_open: item.comments_open,
                    published_at,
                    modified_at,
                    sticky: item.sticky && kind == PostKind::Post,
                    password: Some(item.password.as_str()).filter(|password| !password.is_empty()),
                    term_ids: &term_ids,
                    old_slugs: &old_slugs,
                    legacy_paths: &legacy_paths,
                    comments: &comments,
                },
                self.now,
            )
            .await?;
        self.count(outcome, |summary| {
            match kind {
                PostKind::Post => summary.posts += 1,
                PostKind::Page => summary.pages += 1,
            }
            summary.comments += item.comments.len();
        });
        Ok(())
    }

    fn count(&mut self, outcome: ItemOutcome, stored: impl FnOnce(&mut Summary)) {
        match outcome {
            ItemOutcome::Stored { .. } => stored(&mut self.summary),
            ItemOutcome::AlreadyThere => self.summary.already_there += 1,
        }
    }

    fn comment<'c>(
        &self,
        comment: &'c ItemComment,
        html: &'c crate::domain::markup::SafeHtml,
        post_published_at: i64,
    ) -> ImportedComment<'c> {
        let status = match comment.approved.as_str() {
            "1" | "approve" | "approved" => CommentStatus::Approved,
            "spam" => CommentStatus::Spam,
            "trash" | "post-trashed" => CommentStatus::Trash,
            _ => CommentStatus::Pending,
        };
        ImportedComment {
            wordpress_id: comment.wordpress_id,
            parent_wordpress_id: comment.parent,
            user_id: comment
                .user_id
                .and_then(|id| self.users_by_wordpress_id.get(&id).copied()),
            author_name: &comment.author,
            author_email: &comment.email,
            author_url: Some(comment.url.as_str())
                .filter(|url| crate::domain::comment::is_web_address(url)),
            author_ip: &comment.ip,
            content: &comment.content,
            content_html: html,
            status,
            created_at: self
                .moment(comment.date_gmt, comment.date)
                .unwrap_or(post_published_at),
        }
    }

    /// A moment from WordPress's GMT date, or its local date read in the site's zone.
    fn moment(&self, gmt: Option<DateTime>, local: Option<DateTime>) -> Option<i64> {
        let utc = SiteZone::utc();
        gmt.and_then(|date| utc.parse_local(&date.to_string()))
            .or_else(|| local.and_then(|date| self.zone.parse_local(&date.to_string())))
    }

    /// The item's `<link>` and `<guid>` as paths on this site.
    fn legacy_paths(&self, item: &Item) -> Vec<String> {
        let mut paths: Vec<String> = [&item.link, &item.guid]
            .into_iter()
            .filter_map(|url| site_relative(url, &self.base_url))
            .filter(|path| path != "/")
            .collect();
        paths.dedup();
        paths
    }
}

/// A status a course blog keeps, and the status a trashed post had before; `None` for WordPress's
/// auto-drafts and other states that are not posts.
fn status_of(item: &Item) -> Option<(PostStatus, Option<PostStatus>)> {
    let status = match item.status.as_str() {
        "publish" => PostStatus::Publish,
        "future" => PostStatus::Future,
        "draft" => PostStatus::Draft,
        "pending" => PostStatus::Pending,
        "private" => PostStatus::Private,
        "trash" => PostStatus::Trash,
        _ => return None,
    };
    let before_trash = (status == PostStatus::Trash).then(|| {
        item.meta_values("_wp_trash_meta_status")
            .next()
            .and_then(|before| before.parse::<PostStatus>().ok())
            .filter(|before| *before != PostStatus::Trash)
            .unwrap_or(PostStatus::Draft)
    });
    Some((status, before_trash))
}

/// A local slug for a WordPress one (percent-encoded when not ASCII): kept when it is a valid slug here,
/// otherwise made from it, or from `title` when nothing of it is left.
fn slug_from(wordpress_slug: &str, title: &str, fallback: &str) -> String {
    let decoded = percent_encoding::percent_decode_str(wordpress_slug)
        .decode_utf8_lossy()
        .into_owned();
    if slug::slugify(&decoded) == decoded && !decoded.is_empty() {
        return decoded;
    }
    let made = slug::slugify(&decoded);
    if !made.is_empty() {
        return made;
    }
    let from_title = slug::slugify(title);
    if from_title.is_empty() {
        fallback.to_owned()
    } else {
        from_title
    }
}

/// A WordPress URL as a path on this site: relative to the old site's address when it is under it, else
/// relative to its host.
fn site_relative(url: &str, base_url: &str) -> Option<String> {
    let url = url.trim();
    if url.is_empty() {
        return None;
    }
    let rest = if !base_url.is_empty() && url.starts_with(base_url) {
        &url[base_url.len()..]
    } else if let Some((_, after_scheme)) = url.split_once("://") {
        after_scheme
            .find('/')
            .map_or("/", |slash| &after_scheme[slash..])
    } else {
        url
    };
    let rest = rest.split('#').next().unwrap_or_default();
    let (path, query) = match rest.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (rest, None),
    };
    permalink::legacy_key(path, query)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wordpress_slugs_become_local_ones() {
        assert_eq!(slug_from("week-1", "", "post"), "week-1");
        assert_eq!(slug_from("%e5%ad%a6", "", "post"), "学");
        assert_eq!(slug_from("old_name", "", "post"), "old-name");
        assert_eq!(slug_from("", "A Draft Title", "post"), "a-draft-title");
        assert_eq!(slug_from("", "", "post"), "post");
    }

    #[test]
    fn links_become_paths_on_the_new_site() {
        let base = "https://blogs.example.edu/hist101";
        assert_eq!(
            site_relative("https://blogs.example.edu/hist101/2024/03/05/first/", base).as_deref(),
            Some("/2024/03/05/first")
        );
        assert_eq!(
            site_relative("http://old.example.com/?p=12", base).as_deref(),
            Some("/?p=12")
        );
        assert_eq!(
            site_relative("https://blogs.example.edu/hist101/", base).as_deref(),
            Some("/")
        );
        assert_eq!(site_relative("", base), None);
    }
}
