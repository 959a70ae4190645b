//! The passages a discussion's comments may be on: a post's block quotes, or the paragraphs of the reading
//! whose discussion the post holds, as they are now.

use crate::{
    domain::{
        passage,
        post::Post,
        reading::{self, Reading, ReadingText},
    },
    store::{Store, StoreError, StoreResult},
};

/// A passage of a discussion as it is now.
pub struct CurrentPassage {
    pub signature: String,
    pub text: String,
    /// Its anchor on the page: `#passage-SIG` on a post, `#para-N` on a reading.
    pub anchor: String,
}

/// The passages readers may comment on: a post's block quotes, or the paragraphs of the reading whose
/// discussion the post holds.
pub async fn current_passages(store: &Store, post: &Post) -> StoreResult<Vec<CurrentPassage>> {
    if !post.discusses_reading {
        return Ok(post_passages(&passage::block_quotes(
            post.content_html.as_str(),
        )));
    }
    let Some(reading_id) = post.reading_id else {
        return Ok(Vec::new());
    };
    let Some(reading) = store.reading_by_id(post.site_id, reading_id).await? else {
        return Ok(Vec::new());
    };
    Ok(reading_passages(&reading_text(&reading).await?))
}

/// A stored reading's text, its pages and paragraphs rendered off the async workers (a reading may be a book).
pub async fn reading_text(reading: &Reading) -> StoreResult<ReadingText> {
    let source = reading.source.clone();
    crate::cpu::off_the_async_workers(move || reading::parse(&source))
        .await
        .map_err(|error| {
            StoreError::Corrupt(format!("reading {} does not parse: {error}", reading.id))
        })
}

/// A post's block quotes as passages, anchored `#passage-SIGNATURE`.
pub fn post_passages(found: &[passage::Passage]) -> Vec<CurrentPassage> {
    found
        .iter()
        .map(|found| CurrentPassage {
            anchor: format!("#passage-{}", found.signature),
            signature: found.signature.clone(),
            text: found.text.clone(),
        })
        .collect()
}

/// A reading's paragraphs as passages, anchored `#para-N`.
pub fn reading_passages(text: &reading::ReadingText) -> Vec<CurrentPassage> {
    text.pages
        .iter()
        .flat_map(|page| &page.paragraphs)
        .map(|paragraph| CurrentPassage {
            anchor: format!("#para-{}", paragraph.number),
            signature: paragraph.signature.clone(),
            text: paragraph.text.clone(),
        })
        .collect()
}
