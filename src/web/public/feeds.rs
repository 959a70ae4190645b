//! Feeds (PRODUCT.md §3): RSS 2.0 and Atom for the newest posts, all comments, a category or tag, and one
//! post's comments. Ten newest items with summary and full content; absolute links; conditional GET.
//! Only what a signed-out reader may see goes in: published posts, approved comments, no email.

use atom_syndication as atom;
use axum::{
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use sha2::{Digest, Sha256};

use crate::{
    address::{CommentReader, Target},
    domain::{
        calendar,
        comment::Comment,
        permalink::{ArchiveKind, FeedFormat, FeedSource, archive_path},
        post::{Post, PostKind, Taxonomy},
    },
    store::{ListFilter, Site},
};

use crate::web::{error::WebError, site_scope::Scoped};

const FEED_SIZE: u32 = 10;

/// A feed before it is written in one format or the other.
struct FeedDocument {
    title: String,
    /// The page the feed follows.
    link: String,
    /// The feed's own address.
    self_link: String,
    description: String,
    items: Vec<FeedItem>,
}

struct FeedItem {
    title: String,
    link: String,
    author: String,
    published: i64,
    updated: i64,
    summary: String,
    content_html: String,
}

impl FeedDocument {
    fn updated(&self) -> i64 {
        self.items
            .iter()
            .map(|item| item.updated)
            .max()
            .unwrap_or(0)
    }
}

pub async fn serve(
    state: &Scoped,
    site: &Site,
    source: FeedSource,
    format: FeedFormat,
    request_headers: &HeaderMap,
) -> Result<Response, WebError> {
    let document = build(state, site, source, format).await?;
    let body = match format {
        FeedFormat::Rss => to_rss(&document).map_err(|error| error.to_string()),
        FeedFormat::Atom => to_atom(&document).map_err(|error| error.to_string()),
    }
    .map_err(|error| {
        tracing::error!(%error, "cannot write a feed");
        WebError::BadRequest("This feed cannot be written.".into())
    })?;
    let etag = format!(
        "\"{}\"",
        hex::encode(&Sha256::digest(body.as_bytes())[..12])
    );
    let last_modified = calendar::http_date(document.updated());
    let unchanged = match request_headers
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
    {
        Some(tags) => tags
            .split(',')
            .any(|tag| tag.trim() == etag || tag.trim() == "*"),
        None => request_headers
            .get(header::IF_MODIFIED_SINCE)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|since| since == last_modified),
    };
    let content_type = match format {
        FeedFormat::Rss => "application/rss+xml; charset=utf-8",
        FeedFormat::Atom => "application/atom+xml; charset=utf-8",
    };
    let mut response = if unchanged {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        ([(header::CONTENT_TYPE, content_type)], body).into_response()
    };
    let headers = response.headers_mut();
    for (name, value) in [(header::ETAG, etag), (header::LAST_MODIFIED, last_modified)] {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=60"),
    );
    Ok(response)
}

async fn build(
    state: &Scoped,
    site: &Site,
    source: FeedSource,
    format: FeedFormat,
) -> Result<FeedDocument, WebError> {
    let origin = state.base_url.to_string();
    let root = site.root();
    let suffix = match format {
        FeedFormat::Rss => "feed/",
        FeedFormat::Atom => "feed/atom/",
    };
    let site_title = site.settings.title.clone();
    match source {
        FeedSource::Posts | FeedSource::Archive { .. } => {
            let (filter, title, page) = match &source {
                FeedSource::Archive { kind, slug } => {
                    let taxonomy = if *kind == ArchiveKind::Tag {
                        Taxonomy::Tag
                    } else {
                        Taxonomy::Category
                    };
                    let term = state
                        .store
                        .term_by_slug(site.id, taxonomy, slug)
                        .await?
                        .ok_or(WebError::NotFound)?;
                    let ids = if taxonomy == Taxonomy::Category {
                        let all = state.store.categories(site.id).await?;
                        let mut family = vec![term.id];
                        let mut index = 0;
                        while let Some(parent) = family.get(index).copied() {
                            family.extend(
                                all.iter()
                                    .filter(|child| child.parent_id == Some(parent))
                                    .map(|child| child.id),
                            );
                            index += 1;
                        }
                        family
                    } else {
                        vec![term.id]
                    };
                    (
                        ListFilter::Terms(ids),
                        format!("{site_title} » {}", term.name),
                        root.join(&archive_path(*kind, &term.slug)),
                    )
                }
                _ => (ListFilter::All, site_title.clone(), root.join("/")),
            };
            let listed = state
                .store
                .list_published(site.id, &filter, 1, FEED_SIZE, None)
                .await?;
            let mut items = Vec::with_capacity(listed.len());
            for card in listed {
                let post = state
                    .store
                    .post_by_id(site.id, card.post.id)
                    .await?
                    .ok_or(WebError::NotFound)?;
                let link = format!(
                    "{origin}{}",
                    state.address_of(site, Target::Post(&post)).await?
                );
                let protected = post.password.is_some();
                items.push(FeedItem {
                    title: post.title.clone(),
                    author: card.author_name,
                    published: post.published_at,
                    updated: post.modified_at.max(post.published_at),
                    summary: if protected {
                        "There is no excerpt because this is a protected post.".into()
                    } else {
                        post.summary.clone()
                    },
                    content_html: if protected {
                        String::new()
                    } else {
                        post.content_html.with_absolute_links(&origin).into_string()
                    },
                    link,
                });
            }
            Ok(FeedDocument {
                title,
                link: format!("{origin}{page}"),
                self_link: format!("{origin}{page}{suffix}"),
                description: site.settings.tagline.clone(),
                items,
            })
        }
        FeedSource::Comments => {
            let comments = state
                .store
                .recent_comments(site.id, None, i64::from(FEED_SIZE))
                .await?;
            let items = comment_items(state, site, &origin, comments).await?;
            Ok(FeedDocument {
                title: format!("Comments for {site_title}"),
                link: format!("{origin}{}", root.join("/")),
                self_link: format!("{origin}{}", root.join(&format!("/comments/{suffix}"))),
                description: site.settings.tagline.clone(),
                items,
            })
        }
        FeedSource::PostComments { slug, .. } => {
            let card = state
                .store
                .card_by_slug(site.id, PostKind::Post, &slug)
                .await?;
            let post = card
                .map(|card| card.post)
                .filter(Post::is_public)
                .ok_or(WebError::NotFound)?;
            if post.password.is_some() {
                return Err(WebError::NotFound);
            }
            let link = format!(
                "{origin}{}",
                state.address_of(site, Target::Post(&post)).await?
            );
            let comments = state
                .store
                .recent_comments(site.id, Some(post.id), i64::from(FEED_SIZE))
                .await?;
            let items = comment_items(state, site, &origin, comments).await?;
            Ok(FeedDocument {
                title: format!("Comments on: {}", post.title),
                self_link: format!("{link}{suffix}"),
                link,
                description: site.settings.tagline.clone(),
                items,
            })
        }
    }
}

async fn comment_items(
    state: &Scoped,
    site: &Site,
    origin: &str,
    comments: Vec<Comment>,
) -> Result<Vec<FeedItem>, WebError> {
    let mut items = Vec::with_capacity(comments.len());
    for comment in comments {
        let Some(post) = state.store.post_by_id(site.id, comment.post_id).await? else {
            continue;
        };
        let target = Target::Comment {
            post: &post,
            comment_id: comment.id,
            reader: CommentReader::default(),
        };
        let link = format!("{origin}{}", state.address_of(site, target).await?);
        items.push(FeedItem {
            title: format!("Comment on {} by {}", post.title, comment.author_name),
            author: comment.author_name.clone(),
            published: comment.created_at,
            updated: comment.created_at,
            summary: comment.content.clone(),
            content_html: comment
                .content_html
                .with_absolute_links(origin)
                .into_string(),
            link,
        });
    }
    Ok(items)
}

fn to_rss(document: &FeedDocument) -> Result<String, rss::Error> {
    let items = document
        .items
        .iter()
        .map(|item| rss::Item {
            title: Some(item.title.clone()),
            link: Some(item.link.clone()),
            // Readers show an RSS description as HTML; the summary is plain text.
            description: Some(html_escape::encode_text(&item.summary).into_owned()),
            guid: Some(rss::Guid {
                value: item.link.clone(),
                permalink: true,
            }),
            pub_date: Some(calendar::rfc2822(item.published)),
            content: (!item.content_html.is_empty()).then(|| item.content_html.clone()),
            dublin_core_ext: Some(rss::extension::dublincore::DublinCoreExtension {
                creators: vec![item.author.clone()],
                ..Default::default()
            }),
            ..Default::default()
        })
        .collect();
    let namespaces = [
        ("content", "http://purl.org/rss/1.0/modules/content/"),
        ("dc", "http://purl.org/dc/elements/1.1/"),
        ("atom", "http://www.w3.org/2005/Atom"),
    ]
    .into_iter()
    .map(|(prefix, uri)| (prefix.to_owned(), uri.to_owned()))
    .collect();
    let channel = rss::Channel {
        title: document.title.clone(),
        link: document.link.clone(),
        description: if document.description.is_empty() {
            document.title.clone()
        } else {
            document.description.clone()
        },
        language: Some("en".into()),
        last_build_date: Some(calendar::rfc2822(document.updated())),
        generator: Some("colloquy".into()),
        items,
        namespaces,
        atom_ext: Some(rss::extension::atom::AtomExtension {
            links: vec![atom::Link {
                href: document.self_link.clone(),
                rel: "self".into(),
                mime_type: Some("application/rss+xml".into()),
                ..Default::default()
            }],
        }),
        ..Default::default()
    };
    let bytes = channel.write_to(Vec::new())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

fn to_atom(document: &FeedDocument) -> Result<String, atom::Error> {
    let date = |seconds: i64| -> atom::FixedDateTime {
        calendar::rfc3339_utc(seconds).parse().unwrap_or_default()
    };
    let entries = document
        .items
        .iter()
        .map(|item| atom::Entry {
            title: atom::Text::plain(item.title.clone()),
            id: item.link.clone(),
            updated: date(item.updated),
            published: Some(date(item.published)),
            authors: vec![atom::Person {
                name: item.author.clone(),
                ..Default::default()
            }],
            links: vec![atom::Link {
                href: item.link.clone(),
                rel: "alternate".into(),
                ..Default::default()
            }],
            summary: Some(atom::Text::plain(item.summary.clone())),
            content: (!item.content_html.is_empty()).then(|| atom::Content {
                value: Some(item.content_html.clone()),
                content_type: Some("html".into()),
                ..Default::default()
            }),
            ..Default::default()
        })
        .collect();
    let feed = atom::Feed {
        title: atom::Text::plain(document.title.clone()),
        id: document.self_link.clone(),
        updated: date(document.updated()),
        links: vec![
            atom::Link {
                href: document.link.clone(),
                rel: "alternate".into(),
                ..Default::default()
            },
            atom::Link {
                href: document.self_link.clone(),
                rel: "self".into(),
                mime_type: Some("application/atom+xml".into()),
                ..Default::default()
            },
        ],
        subtitle: (!document.description.is_empty())
            .then(|| atom::Text::plain(document.description.clone())),
        generator: Some(atom::Generator {
            value: "colloquy".into(),
            ..Default::default()
        }),
        entries,
        ..Default::default()
    };
    let bytes = feed.write_to(Vec::new())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}
