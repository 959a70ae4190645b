//! The one place that says where something a site shows lives: a post, a page, a reading's discussion, a
//! draft's preview, a comment on its page of comments. Every door (pages, redirects, feeds, the sitemap, the
//! moderation queue, mails, the CLI, the WXR export) asks here, and every address it gives starts with the
//! site's root (`/hist-220/2026/01/05/week-1/`), so nothing needs patching on the way out.

use crate::{
    domain::{
        permalink,
        post::{Post, PostKind},
        site::Site,
        thread::CommentPage,
    },
    store::{Store, StoreResult},
};

/// What an address is asked for.
#[derive(Clone, Copy, Debug)]
pub enum Target<'a> {
    /// Where readers find a post or a page (a reading's discussion: the reading's page).
    Post(&'a Post),
    /// Where its writer sees a post that is not public yet: the editor with its preview.
    Preview(&'a Post),
    /// A comment, on the page of its post's comments that shows it to `reader`.
    Comment {
        post: &'a Post,
        comment_id: i64,
        reader: CommentReader<'a>,
    },
}

/// Whose page of comments a comment is looked for on: a visitor's own held comments and the private ones they
/// may see are counted with the rest, and where the comment's page is already known nothing is counted.
#[derive(Clone, Copy, Debug, Default)]
pub struct CommentReader<'a> {
    pub held: &'a [i64],
    pub with_private: bool,
    pub known: Option<CommentPage>,
}

/// The address of `target` on `site`, from the server's root (put the base URL before it for a mail).
pub async fn of(store: &Store, site: &Site, target: Target<'_>) -> StoreResult<String> {
    match target {
        Target::Post(post) => post_address(store, site, post).await,
        Target::Preview(post) if !post.is_public() && !post.discusses_reading => {
            Ok(site.root().join(&format!("/admin/posts/{}", post.id)))
        }
        Target::Preview(post) => post_address(store, site, post).await,
        Target::Comment {
            post,
            comment_id,
            reader,
        } => comment_address(store, site, post, comment_id, reader).await,
    }
}

async fn post_address(store: &Store, site: &Site, post: &Post) -> StoreResult<String> {
    if post.discusses_reading
        && let Some(reading_id) = post.reading_id
        && let Some(reading) = store.reading_by_id(site.id, reading_id).await?
    {
        return Ok(site.root().join(&format!(
            "/readings/{}/",
            permalink::encode_segment(&reading.slug)
        )));
    }
    let lineage = if post.kind == PostKind::Page {
        store.page_lineage(post).await?
    } else {
        Vec::new()
    };
    Ok(site
        .root()
        .join(&permalink::permalink(post, &site.settings.zone(), &lineage)))
}

async fn comment_address(
    store: &Store,
    site: &Site,
    post: &Post,
    comment_id: i64,
    reader: CommentReader<'_>,
) -> StoreResult<String> {
    let address = post_address(store, site, post).await?;
    if post.discusses_reading {
        return Ok(format!("{address}#comment-{comment_id}"));
    }
    let place = match reader.known {
        Some(place) => Some(place),
        None => {
            store
                .page_of_comment(
                    post.id,
                    comment_id,
                    reader.held,
                    site.settings.comments_per_page,
                    reader.with_private,
                )
                .await?
        }
    };
    Ok(match place {
        Some(CommentPage::Earlier(page)) => format!(
            "{}#comment-{comment_id}",
            permalink::comment_page_path(&address, page)
        ),
        Some(CommentPage::Newest) => format!("{address}#comment-{comment_id}"),
        None => address,
    })
}
