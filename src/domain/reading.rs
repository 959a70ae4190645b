//! Readings: an assigned text in Markdown with the printed edition's page breaks marked by lines `[page N]`,
//! cut into pages and paragraphs so that each can be anchored, cited and discussed.

use sha2::{Digest, Sha256};

use super::{
    citation,
    markup::{self, SafeHtml},
};

/// The largest reading text taken, in bytes (a long book chapter is well below).
pub const LONGEST_TEXT: usize = 4 * 1024 * 1024;

/// A reading as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reading {
    pub id: i64,
    pub site_id: i64,
    pub slug: String,
    pub title: String,
    pub author: String,
    pub year: Option<i32>,
    pub label: String,
    pub source: String,
    /// Only the site's members may read it, even on a public site (most assigned texts are under copyright).
    pub members_only: bool,
    pub created_at: i64,
    pub modified_at: i64,
}

/// A reading's details as a form or the command line gives them.
#[derive(Clone, Debug, Default)]
pub struct ReadingDetails {
    pub title: String,
    pub author: String,
    pub year: Option<i32>,
    pub label: String,
    pub source: String,
    pub members_only: bool,
}

/// A field of the reading form and what is wrong with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadingProblem {
    pub field: &'static str,
    pub message: String,
}

/// Checks a reading's details: a title and a label, a sensible year, a text whose page marks go up.
pub fn check(details: &ReadingDetails) -> Vec<ReadingProblem> {
    let mut problems = Vec::new();
    let mut problem = |field, message: String| problems.push(ReadingProblem { field, message });
    if details.title.trim().is_empty() {
        problem("title", "A reading needs a title.".into());
    } else if details.title.chars().count() > 300 {
        problem("title", "The title is longer than 300 characters.".into());
    }
    if details.author.chars().count() > 200 {
        problem("author", "The author is longer than 200 characters.".into());
    }
    let label = details.label.trim();
    if label.is_empty() {
        problem(
            "label",
            "A reading needs a citation label, such as “Khrushchev 1956”.".into(),
        );
    } else if label.chars().count() > 80 {
        problem("label", "The label is longer than 80 characters.".into());
    } else if label.contains([',', '(', ')']) || !label.chars().any(char::is_alphabetic) {
        problem(
            "label",
            "A label has letters and no commas or parentheses, such as “Khrushchev 1956”.".into(),
        );
    }
    if let Some(year) = details.year
        && !(-3000..=3000).contains(&year)
    {
        problem("year", format!("{year} is not a year."));
    }
    if details.source.len() > LONGEST_TEXT {
        problem("source", "The text is longer than 4 MB.".into());
    } else if details.source.trim().is_empty() {
        problem("source", "A reading needs its text.".into());
    } else if let Err(error) = parse(&details.source) {
        problem("source", error.to_string());
    }
    problems
}

/// Why a reading's text cannot be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("Line {line}: page {page} comes after page {previous}; page marks must go up.")]
    PagesOutOfOrder {
        line: usize,
        page: u32,
        previous: u32,
    },
    #[error("Line {line}: “{text}” is not a page mark; write it as [page 12].")]
    BadPageMark { line: usize, text: String },
}

/// A reading's text, page by page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadingText {
    pub pages: Vec<Page>,
}

/// One printed page of a reading.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Page {
    pub number: u32,
    pub paragraphs: Vec<Paragraph>,
}

/// A paragraph (or the part of one that falls on a page).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Paragraph {
    /// Its position in the whole text, from 1: the anchor `#para-N`.
    pub number: usize,
    pub html: SafeHtml,
    /// Its readable text.
    pub text: String,
    /// Names the paragraph by its words, not its place: edits elsewhere leave it unchanged.
    pub signature: String,
}

/// Reads a page mark line: `[page 12]` (also `[p. 12]`, any case) gives `Some(Ok(12))`; a line that looks like
/// one but is not gives `Some(Err(()))`; other lines `None`.
fn page_mark(line: &str) -> Option<Result<u32, ()>> {
    let inner = line.trim().strip_prefix('[')?.strip_suffix(']')?.trim();
    let lower = inner.to_lowercase();
    let number = ["page", "p."]
        .iter()
        .find_map(|mark| lower.strip_prefix(mark))?
        .trim();
    Some(
        number
            .parse::<u32>()
            .ok()
            .filter(|page| *page > 0)
            .ok_or(()),
    )
}

/// Cuts a reading's Markdown into pages (text before the first mark is on page 1) and paragraphs (blocks
/// between blank lines), each rendered through the same sanitizer as posts.
pub fn parse(source: &str) -> Result<ReadingText, TextError> {
    let mut pages: Vec<(u32, String)> = vec![(1, String::new())];
    for (index, line) in source.lines().enumerate() {
        match page_mark(line) {
            Some(Ok(page)) => {
                let (previous, text) = pages.last().map_or((0, ""), |(n, t)| (*n, t.as_str()));
                let first_mark_on_empty_start = pages.len() == 1 && text.trim().is_empty();
                if first_mark_on_empty_start {
                    pages[0].0 = page;
                } else if page <= previous {
                    return Err(TextError::PagesOutOfOrder {
                        line: index + 1,
                        page,
                        previous,
                    });
                } else {
                    pages.push((page, String::new()));
                }
            }
            Some(Err(())) => {
                return Err(TextError::BadPageMark {
                    line: index + 1,
                    text: line.trim().chars().take(40).collect(),
                });
            }
            None => {
                if let Some((_, text)) = pages.last_mut() {
                    text.push_str(line);
                    text.push('\n');
                }
            }
        }
    }
    let mut number = 0;
    let pages = pages
        .into_iter()
        .map(|(page, text)| Page {
            number: page,
            paragraphs: blocks(&text)
                .into_iter()
                .filter_map(|block| {
                    let html = markup::markdown_to_html(&block);
                    let text = markup::html_to_text(html.as_str());
                    if text.is_empty() {
                        return None;
                    }
                    number += 1;
                    Some(Paragraph {
                        number,
                        signature: signature(&text),
                        html,
                        text,
                    })
                })
                .collect(),
        })
        .collect();
    Ok(ReadingText { pages })
}

/// Blocks of Markdown between blank lines, a fenced code block kept whole.
fn blocks(text: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current = String::new();
    let mut in_fence = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
        }
        if line.trim().is_empty() && !in_fence {
            if !current.trim().is_empty() {
                blocks.push(std::mem::take(&mut current));
            }
            current.clear();
            continue;
        }
        current.push_str(line);
        current.push('\n');
    }
    if !current.trim().is_empty() {
        blocks.push(current);
    }
    blocks
}

/// A paragraph's signature: a hash of its words, ignoring case, punctuation and spacing.
pub fn signature(text: &str) -> String {
    let digest = Sha256::digest(citation::comparable(text).as_bytes());
    digest[..8]
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

impl ReadingText {
    /// Each page's number and its text as quotations are compared with it.
    pub fn comparable_pages(&self) -> Vec<(u32, String)> {
        self.pages
            .iter()
            .map(|page| {
                let text: Vec<&str> = page
                    .paragraphs
                    .iter()
                    .map(|paragraph| paragraph.text.as_str())
                    .collect();
                (page.number, citation::comparable(&text.join(" ")))
            })
            .collect()
    }

    pub fn has_page(&self, number: u32) -> bool {
        self.pages.iter().any(|page| page.number == number)
    }

    pub fn word_count(&self) -> usize {
        self.pages
            .iter()
            .flat_map(|page| &page.paragraphs)
            .map(|paragraph| paragraph.text.split_whitespace().count())
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "Preface words.\n\n[page 5]\nComrades! It is *impermissible*.\n\nA second paragraph\non two lines.\n[page 6]\n\nSuch a belief.\n";

    #[test]
    fn page_marks_cut_the_text_into_pages_and_paragraphs() {
        let text = parse(TEXT).unwrap();
        let numbers: Vec<u32> = text.pages.iter().map(|page| page.number).collect();
        assert_eq!(numbers, vec![1, 5, 6]);
        assert_eq!(text.pages[1].paragraphs.len(), 2);
        assert_eq!(text.pages[1].paragraphs[0].number, 2);
        assert_eq!(
            text.pages[1].paragraphs[0].html.as_str(),
            "<p>Comrades! It is <em>impermissible</em>.</p>\n"
        );
        assert_eq!(text.pages[2].paragraphs[0].text, "Such a belief.");
        assert!(text.has_page(6) && !text.has_page(7));
    }

    #[test]
    fn a_first_mark_at_the_top_names_the_first_page() {
        let text = parse("[page 201]\nOne.\n\n[Page 202]\nTwo.").unwrap();
        let numbers: Vec<u32> = text.pages.iter().map(|page| page.number).collect();
        assert_eq!(numbers, vec![201, 202]);
        assert!(parse("[p. 3]\nx").unwrap().has_page(3));
    }

    #[test]
    fn bad_page_marks_are_refused_with_their_line() {
        assert_eq!(
            parse("[page 5]\na\n[page 4]\nb"),
            Err(TextError::PagesOutOfOrder {
                line: 3,
                page: 4,
                previous: 5
            })
        );
        assert!(matches!(
            parse("a\n[page five]\nb"),
            Err(TextError::BadPageMark { line: 2, .. })
        ));
        assert!(parse("a\n[see the page above] is fine\nb").is_ok());
    }

    #[test]
    fn signatures_follow_the_words_not_the_place() {
        assert_eq!(
            signature("It is, impermissible!"),
            signature("it is   impermissible")
        );
        assert_ne!(
            signature("It is impermissible"),
            signature("It is permitted")
        );
        let before = parse("One.\n\nTwo.").unwrap();
        let after = parse("Zero.\n\nOne.\n\nTwo.").unwrap();
        assert_eq!(
            before.pages[0].paragraphs[1].signature,
            after.pages[0].paragraphs[2].signature
        );
    }

    #[test]
    fn the_details_are_checked() {
        let good = ReadingDetails {
            title: "Secret speech".into(),
            label: "Khrushchev 1956".into(),
            source: TEXT.into(),
            year: Some(1956),
            ..ReadingDetails::default()
        };
        assert_eq!(check(&good), Vec::new());
        let bad = ReadingDetails {
            label: "Khrushchev, 1956".into(),
            source: "[page 2]\nx\n[page 1]\ny".into(),
            year: Some(99_999),
            ..ReadingDetails::default()
        };
        let fields: Vec<&str> = check(&bad).iter().map(|problem| problem.field).collect();
        assert_eq!(fields, vec!["title", "label", "year", "source"]);
    }
}
