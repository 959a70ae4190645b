//! Citations of a reading by page: a quotation followed by a parenthesised page, `"…" (5)`, `“…” (5–6)`,
//! `(p. 5)`, `(pp. 125–27)` or with the reading's label, `(Khrushchev 1956, 5)`. A parenthesis that is not
//! right after a quotation, or that holds anything else (a year, "(5 students)"), is not a citation. In HTML,
//! a block quote whose words end with such a parenthesis (Markdown's `> … (2)`) is a quotation of that page too.

use std::ops::Range;

use super::{markup::SafeHtml, site::SiteRoot};

/// One citation found in a text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Citation {
    /// The quoted words, without their quotation marks.
    pub quote: String,
    /// The reading's label when the citation names one (`Khrushchev 1956`).
    pub label: Option<String>,
    pub first_page: u32,
    pub last_page: u32,
    /// Where the locator stands in the text: inside the parentheses, without them (`5–6`, `p. 5`,
    /// `Khrushchev 1956, 5`).
    pub locator: Range<usize>,
}

/// The longest quotation taken as one (a longer stretch between two marks is prose, not a quotation).
const LONGEST_QUOTE: usize = 3_000;
/// The longest parenthesis read as a citation.
const LONGEST_LOCATOR: usize = 120;

/// Every citation in `text`, in order.
pub fn find(text: &str) -> Vec<Citation> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(offset) = text[from..].find('(') {
        let open = from + offset;
        from = open + 1;
        // Only as far as a locator can reach: looking to the end for every `(` took the square of the text's
        // length (65 KB of `(` held a worker for a second).
        let Some(length) = text[open + 1..]
            .char_indices()
            .take_while(|(at, _)| *at <= LONGEST_LOCATOR)
            .find_map(|(at, ch)| (ch == ')').then_some(at))
        else {
            continue;
        };
        let inner = open + 1..open + 1 + length;
        let Some((label, first_page, last_page)) = read_locator(&text[inner.clone()]) else {
            continue;
        };
        let Some(quote) = quotation_before(&text[..open]) else {
            continue;
        };
        found.push(Citation {
            quote: quote.to_owned(),
            label,
            first_page,
            last_page,
            locator: inner,
        });
        from = open + 1 + length + 1;
    }
    found
}

/// The quotation that ends right before a parenthesis (white space between them allowed).
fn quotation_before(before: &str) -> Option<&str> {
    // A quotation longer than LONGEST_QUOTE is none, so the search looks no further back than that (it once
    // went back to the start of the text for every parenthesis).
    let mut window = before.len().saturating_sub(2 * LONGEST_QUOTE + 64);
    while !before.is_char_boundary(window) {
        window += 1;
    }
    let before = &before[window..];
    let trimmed = before.trim_end_matches(|ch: char| ch.is_whitespace());
    let close = trimmed.chars().next_back()?;
    let opens: &[char] = match close {
        '"' => &['"'],
        '”' => &['“', '"'],
        '»' => &['«'],
        '’' => &['‘'],
        _ => return None,
    };
    let inside = &trimmed[..trimmed.len() - close.len_utf8()];
    let inside = inside
        .rfind(BLOCK_BREAK)
        .map_or(inside, |at| &inside[at + BLOCK_BREAK.len_utf8()..]);
    let start = inside.rfind(opens)?;
    let opener = inside[start..].chars().next()?;
    let quote = &inside[start + opener.len_utf8()..];
    let trimmed_quote = quote.trim();
    let has_words = trimmed_quote.chars().any(char::is_alphanumeric);
    (has_words && trimmed_quote.len() <= LONGEST_QUOTE).then_some(trimmed_quote)
}

/// Reads `5`, `5–6`, `p. 5`, `pp. 125–27`, `LABEL, 5`, `LABEL, p. 5`: (label, first page, last page).
fn read_locator(inner: &str) -> Option<(Option<String>, u32, u32)> {
    let inner = inner.trim();
    let (label, pages) = match inner.rfind(',') {
        Some(comma) => {
            let label = inner[..comma].trim();
            if !label.chars().any(char::is_alphabetic) {
                return None;
            }
            (Some(fold_spaces(label)), inner[comma + 1..].trim())
        }
        None => (None, inner),
    };
    let (marked, number_part) = strip_page_mark(pages);
    let (first_text, last_text) = match number_part.find(['–', '-', '—']) {
        Some(dash) => {
            let dash_len = number_part[dash..].chars().next().map_or(1, char::len_utf8);
            (
                number_part[..dash].trim(),
                Some(number_part[dash + dash_len..].trim()),
            )
        }
        None => (number_part.trim(), None),
    };
    let first = page_number(first_text)?;
    let last = match last_text {
        Some(text) => expand_range_end(first_text, text)?,
        None => first,
    };
    if last < first {
        return None;
    }
    // A bare four-digit number after a quotation is a year, "(1956)"; a page that high is written "(p. 1956)".
    if label.is_none() && !marked && last_text.is_none() && first_text.len() == 4 {
        return None;
    }
    Some((label, first, last))
}

/// Takes off `p.`, `pp.`, `p`, `pp`, `page`, `pages`: whether one was there, and the rest.
fn strip_page_mark(text: &str) -> (bool, &str) {
    for mark in ["pages", "page", "pp.", "pp", "p."] {
        if let Some(rest) = text.strip_prefix(mark)
            && rest.starts_with(|ch: char| ch.is_whitespace() || ch.is_ascii_digit())
        {
            return (true, rest.trim_start());
        }
    }
    if let Some(rest) = text.strip_prefix('p')
        && rest.starts_with(|ch: char| ch.is_whitespace())
    {
        return (true, rest.trim_start());
    }
    (false, text)
}

fn page_number(text: &str) -> Option<u32> {
    if text.is_empty() || text.len() > 5 || !text.chars().all(|ch| ch.is_ascii_digit()) {
        return None;
    }
    text.parse().ok().filter(|page| *page > 0)
}

/// The end of a range, where `125–27` means 125 to 127.
fn expand_range_end(first_text: &str, last_text: &str) -> Option<u32> {
    let written = page_number(last_text)?;
    let first: u32 = first_text.parse().ok()?;
    if written >= first || last_text.len() >= first_text.len() {
        return Some(written);
    }
    let kept = &first_text[..first_text.len() - last_text.len()];
    format!("{kept}{last_text}").parse().ok()
}

fn fold_spaces(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A label as compared: case and spacing ignored.
pub fn label_key(label: &str) -> String {
    fold_spaces(label).to_lowercase()
}

/// Text as compared with a quotation: lower case words of letters and digits, one space between them.
pub fn comparable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for ch in text.chars() {
        if ch.is_alphanumeric() {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.extend(ch.to_lowercase());
        } else if ch == '\'' || ch == '’' || ch == '\u{00AD}' {
            // Apostrophes and soft hyphens join the letters around them.
        } else {
            pending_space = true;
        }
    }
    out
}

/// The parts of a quotation that must each be found: it is cut at ellipses and at bracketed insertions.
fn fragments(quote: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut rest = quote;
    while let Some(ch) = rest.chars().next() {
        if rest.starts_with("...") || rest.starts_with(". . .") || ch == '…' {
            parts.push(std::mem::take(&mut current));
            let skip = if ch == '…' {
                ch.len_utf8()
            } else if rest.starts_with("...") {
                3
            } else {
                5
            };
            rest = &rest[skip..];
            continue;
        }
        if ch == '[' {
            parts.push(std::mem::take(&mut current));
            rest = rest.find(']').map_or("", |end| &rest[end + 1..]);
            continue;
        }
        current.push(ch);
        rest = &rest[ch.len_utf8()..];
    }
    parts.push(current);
    parts
        .iter()
        .map(|part| comparable(part))
        .filter(|part| !part.is_empty())
        .collect()
}

/// What checking a quotation against the reading found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum QuoteCheck {
    /// Every part of the quotation is on the cited pages.
    Found,
    /// Not on the cited pages, but on these.
    OnOtherPages(u32, u32),
    NotFound,
    /// The reading has no such page.
    NoSuchPage,
}

/// Checks a quotation against a reading's pages (`(number, comparable text)`, in order).
pub fn check(citation: &Citation, pages: &[(u32, String)]) -> QuoteCheck {
    let parts = fragments(&citation.quote);
    let cited: Vec<&(u32, String)> = pages
        .iter()
        .filter(|(number, _)| (citation.first_page..=citation.last_page).contains(number))
        .collect();
    if cited.is_empty() {
        return QuoteCheck::NoSuchPage;
    }
    if parts.is_empty() || contains_all(&cited, &parts) {
        return QuoteCheck::Found;
    }
    for window in 1..=2 {
        for pair in pages.windows(window) {
            let candidates: Vec<&(u32, String)> = pair.iter().collect();
            if contains_all(&candidates, &parts) {
                return QuoteCheck::OnOtherPages(pair[0].0, pair[window - 1].0);
            }
        }
    }
    QuoteCheck::NotFound
}

fn contains_all(pages: &[&(u32, String)], parts: &[String]) -> bool {
    let joined = pages
        .iter()
        .map(|(_, text)| text.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    parts.iter().all(|part| joined.contains(part.as_str()))
}

/// How a page or range is written: `5` or `5–6`.
pub fn pages_text(first: u32, last: u32) -> String {
    if first == last {
        first.to_string()
    } else {
        format!("{first}–{last}")
    }
}

/// A reading that citations can point to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CitableReading {
    pub id: i64,
    pub slug: String,
    /// The reading's label as `label_key` folds it.
    pub label_key: String,
}

/// The readings a text may cite: a site's readings, and the one its post discusses.
#[derive(Clone, Debug, Default)]
pub struct Citable {
    /// The root of the readings' site, which their links start with.
    pub root: SiteRoot,
    pub readings: Vec<CitableReading>,
    /// The reading a citation without a label cites.
    pub default: Option<i64>,
}

impl Citable {
    /// The reading a citation cites: the one its label names, else the post's own.
    pub fn resolve(&self, citation: &Citation) -> Option<&CitableReading> {
        match &citation.label {
            Some(label) => {
                let key = label_key(label);
                self.readings
                    .iter()
                    .find(|reading| reading.label_key == key)
            }
            None => {
                let default = self.default?;
                self.readings.iter().find(|reading| reading.id == default)
            }
        }
    }
}

/// The address of a reading's page, on the site whose root is `root`.
pub fn page_href(root: &SiteRoot, slug: &str, page: u32) -> String {
    root.join(&format!("/readings/{slug}/#page-{page}"))
}

/// A citation of a known reading, as it is kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cited {
    pub reading_id: i64,
    pub first_page: u32,
    pub last_page: u32,
    pub quote: String,
}

/// Links the citations of sanitized HTML to the readings they cite, and lists them.
pub fn link_citations(html: &SafeHtml, citable: &Citable) -> (SafeHtml, Vec<Cited>) {
    if citable.readings.is_empty() {
        return (html.clone(), Vec::new());
    }
    let mut cited = Vec::new();
    let (linked, _) = link_in_html(html.as_str(), |citation| {
        let reading = citable.resolve(citation)?;
        cited.push(Cited {
            reading_id: reading.id,
            first_page: citation.first_page,
            last_page: citation.last_page,
            quote: citation.quote.clone(),
        });
        Some(page_href(&citable.root, &reading.slug, citation.first_page))
    });
    // The input was sanitized; what was added is an anchor whose address is escaped.
    (SafeHtml::from_stored(linked), cited)
}

/// A reading's pages as quotations are compared with them: (page number, comparable text).
pub type ComparablePages = Vec<(u32, String)>;

/// What the editor's preview says of one citation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub quote: String,
    /// The citation as written in the parentheses' place: `5–6`, `Khrushchev 1956, 5`.
    pub cites: String,
    /// `None` when the quotation is on the cited page.
    pub problem: Option<String>,
}

/// Checks each citation of a text: that its reading is known and its quotation is on the cited page.
/// `texts` gives, for a reading's id, its label and its comparable pages.
pub fn review(
    citations: &[Citation],
    citable: &Citable,
    texts: &dyn Fn(i64) -> Option<(String, ComparablePages)>,
) -> Vec<Finding> {
    citations
        .iter()
        .map(|citation| {
            let pages = pages_text(citation.first_page, citation.last_page);
            let cites = match &citation.label {
                Some(label) => format!("{label}, {pages}"),
                None => pages.clone(),
            };
            let problem = match citable.resolve(citation) {
                None => Some(match &citation.label {
                    Some(label) => format!("No reading of this site has the label “{label}”."),
                    None => "This post names no reading, so a page alone cites nothing: choose the \
                             post's reading, or write the reading's label, as in (Label, 5)."
                        .to_owned(),
                }),
                Some(reading) => texts(reading.id).and_then(|(label, text)| {
                    match check(citation, &text) {
                        QuoteCheck::Found => None,
                        QuoteCheck::NoSuchPage => {
                            Some(format!("{label} has no page {pages}."))
                        }
                        QuoteCheck::NotFound => Some(format!(
                            "The quotation is not on page {pages} of {label}, nor anywhere else in it."
                        )),
                        QuoteCheck::OnOtherPages(first, last) => Some(format!(
                            "The quotation is not on page {pages} of {label}: it is on page {}.",
                            pages_text(first, last)
                        )),
                    }
                }),
            };
            Finding {
                quote: citation.quote.clone(),
                cites,
                problem,
            }
        })
        .collect()
}

/// Links every citation in sanitized HTML whose reading `resolve` knows: the locator inside the parentheses
/// becomes `<a class="citation" href="…#page-N">`. Returns the HTML and the citations found (linked or not):
/// quotations in quotation marks, and block quotes that end with their page. The locator must sit in one text
/// node; a quotation may run across inline tags.
pub fn link_in_html(
    html: &str,
    mut resolve: impl FnMut(&Citation) -> Option<String>,
) -> (String, Vec<Citation>) {
    let (plain, offsets, block_quotes) = text_of(html);
    let mut citations = find(&plain);
    for quoted in &block_quotes {
        if let Some(citation) = block_quote_citation(&plain, quoted.clone())
            && !citations
                .iter()
                .any(|found| found.locator == citation.locator)
        {
            citations.push(citation);
        }
    }
    citations.sort_by_key(|citation| citation.locator.start);
    let mut out = String::with_capacity(html.len() + citations.len() * 64);
    let mut copied = 0;
    for citation in &mut citations {
        citation.quote = decode_entities(&citation.quote);
        citation.label = citation.label.as_deref().map(decode_entities);
        let start = offsets[citation.locator.start];
        let end = offsets[citation.locator.end - 1] + 1;
        if end - start != citation.locator.len() {
            continue;
        }
        let Some(href) = resolve(citation) else {
            continue;
        };
        out.push_str(&html[copied..start]);
        out.push_str("<a class=\"citation\" href=\"");
        out.push_str(&escape_attribute(&href));
        out.push_str("\">");
        out.push_str(&html[start..end]);
        out.push_str("</a>");
        copied = end;
    }
    out.push_str(&html[copied..]);
    (out, citations)
}

/// A block quote whose words end with a locator, `<blockquote><p>words … (2)</p></blockquote>`: its words are
/// the quotation. `quoted` is where the block quote's text stands in `plain`. A locator that follows a
/// quotation in quotation marks is `find`'s, which the caller keeps.
fn block_quote_citation(plain: &str, quoted: Range<usize>) -> Option<Citation> {
    let inside = &plain[quoted.clone()];
    let trimmed = inside.trim_end_matches(char::is_whitespace);
    let before_close = trimmed.strip_suffix(')')?;
    // Only as far back as a locator can reach, so that nested quotes are not read again from their start.
    let mut reach = before_close.len().saturating_sub(LONGEST_LOCATOR + 1);
    while !before_close.is_char_boundary(reach) {
        reach += 1;
    }
    let open = reach + before_close[reach..].rfind('(')?;
    let (label, first_page, last_page) = read_locator(&before_close[open + 1..])?;
    let quote = fold_spaces(&before_close[..open]);
    if !quote.chars().any(char::is_alphanumeric) {
        return None;
    }
    Some(Citation {
        quote,
        label,
        first_page,
        last_page,
        locator: quoted.start + open + 1..quoted.start + before_close.len(),
    })
}

/// The text nodes of HTML joined; for each byte of that text its offset in the HTML; and where each block
/// quote's text stands in that text, inner ones before the quotes that hold them.
fn text_of(html: &str) -> (String, Vec<usize>, Vec<Range<usize>>) {
    let mut plain = String::with_capacity(html.len());
    let mut offsets = Vec::with_capacity(html.len());
    let mut open_quotes: Vec<usize> = Vec::new();
    let mut block_quotes = Vec::new();
    let bytes = html.as_bytes();
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'<' {
            let tag_start = index;
            let mut quote: Option<u8> = None;
            index += 1;
            while index < bytes.len() {
                let byte = bytes[index];
                match quote {
                    Some(open) if byte == open => quote = None,
                    Some(_) => {}
                    None if byte == b'"' || byte == b'\'' => quote = Some(byte),
                    None if byte == b'>' => break,
                    None => {}
                }
                index += 1;
            }
            let tag = &html[tag_start + 1..index.min(html.len())];
            index += 1;
            let name: String = tag
                .trim_start_matches('/')
                .chars()
                .take_while(char::is_ascii_alphanumeric)
                .collect();
            if name.eq_ignore_ascii_case("blockquote") {
                if !tag.starts_with('/') {
                    open_quotes.push(plain.len());
                } else if let Some(start) = open_quotes.pop() {
                    block_quotes.push(start..plain.len());
                }
            }
            // Inline tags join the words around them; any other tag ends a block, where a quotation ends too.
            if !INLINE_TAGS.contains(&name.to_ascii_lowercase().as_str()) {
                plain.push(BLOCK_BREAK);
                offsets.extend([tag_start; 3]);
            }
            continue;
        }
        let ch_len = html[index..].chars().next().map_or(1, char::len_utf8);
        plain.push_str(&html[index..index + ch_len]);
        offsets.extend(index..index + ch_len);
        index += ch_len;
    }
    (plain, offsets, block_quotes)
}

const INLINE_TAGS: &[&str] = &[
    "a", "abbr", "b", "cite", "code", "del", "em", "i", "q", "s", "small", "span", "strong", "sub",
    "sup",
];

/// Stands for a block boundary in the text of HTML (U+2029 PARAGRAPH SEPARATOR, three bytes in UTF-8).
const BLOCK_BREAK: char = '\u{2029}';

fn decode_entities(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn escape_attribute(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Option<(String, Option<String>, u32, u32)> {
        let found = find(text);
        assert!(found.len() <= 1, "{text}: {found:?}");
        found.into_iter().next().map(|citation| {
            (
                citation.quote,
                citation.label,
                citation.first_page,
                citation.last_page,
            )
        })
    }

    #[test]
    fn real_world_citations_are_read() {
        let table: &[(&str, &str, Option<&str>, u32, u32)] = &[
            (r#"He calls it "a career" (5)."#, "a career", None, 5, 5),
            ("He calls it “a career” (5).", "a career", None, 5, 5),
            ("“…career” (5)", "…career", None, 5, 5),
            (
                "“the cult of the individual,” (5–6)",
                "the cult of the individual,",
                None,
                5,
                6,
            ),
            (r#""the cult" (5-6)"#, "the cult", None, 5, 6),
            (r#""the cult" (p. 5)"#, "the cult", None, 5, 5),
            (r#""the cult" (pp. 5–6)"#, "the cult", None, 5, 6),
            (r#""the cult" (pp. 125–27)"#, "the cult", None, 125, 127),
            (r#""the cult" (p 12)"#, "the cult", None, 12, 12),
            (r#""the cult" (page 12)"#, "the cult", None, 12, 12),
            (r#""the cult"(12)"#, "the cult", None, 12, 12),
            (
                r#""the cult" (Khrushchev 1956, 5)"#,
                "the cult",
                Some("Khrushchev 1956"),
                5,
                5,
            ),
            (
                "“the cult” (Khrushchev  1956, p. 5–6)",
                "the cult",
                Some("Khrushchev 1956"),
                5,
                6,
            ),
            ("« la carrière » (12)", "la carrière", None, 12, 12),
            ("‘a career’ (7)", "a career", None, 7, 7),
            (
                r#""a very early page" (p. 1956)"#,
                "a very early page",
                None,
                1956,
                1956,
            ),
        ];
        for (text, quote, label, first, last) in table {
            assert_eq!(
                one(text),
                Some(((*quote).to_owned(), label.map(str::to_owned), *first, *last)),
                "{text}"
            );
        }
    }

    #[test]
    fn what_is_not_a_citation_is_left_alone() {
        for text in [
            "We met (5 students) after class.",
            "as he said in \"the speech\" (1956).",
            "He said so (5) without quoting.",
            "a career (5)",
            "\"quoted\" (see 5)",
            "\"quoted\" (5 students)",
            "\"quoted\" (0)",
            "\"quoted\" (6–5)",
            "\"\" (5)",
            "\"quoted\" (5",
            "\"quoted\" (, 5)",
            "\"quoted\" (123456)",
            "it's (5)",
        ] {
            assert_eq!(find(text), Vec::new(), "{text}");
        }
    }

    #[test]
    fn several_citations_in_one_text() {
        let found = find(r#"First "one" (1), then "two" (2–3) and "three" (Smith 2001, 4)."#);
        let pages: Vec<(u32, u32)> = found
            .iter()
            .map(|citation| (citation.first_page, citation.last_page))
            .collect();
        assert_eq!(pages, vec![(1, 1), (2, 3), (4, 4)]);
        assert_eq!(found[1].quote, "two");
    }

    fn pages() -> Vec<(u32, String)> {
        vec![
            (4, comparable("The beginning of the report.")),
            (
                5,
                comparable("Comrades! It is impermissible to elevate one person into a superman."),
            ),
            (
                6,
                comparable("Such a belief about a man was cultivated among us for many years."),
            ),
        ]
    }

    fn citation(quote: &str, first: u32, last: u32) -> Citation {
        Citation {
            quote: quote.into(),
            label: None,
            first_page: first,
            last_page: last,
            locator: 0..0,
        }
    }

    #[test]
    fn quotations_are_checked_against_the_cited_pages() {
        let pages = pages();
        assert_eq!(
            check(&citation("to elevate one person", 5, 5), &pages),
            QuoteCheck::Found
        );
        assert_eq!(
            check(
                &citation("It is impermissible … into a superman", 5, 5),
                &pages
            ),
            QuoteCheck::Found
        );
        assert_eq!(
            check(&citation("[i]t is impermissible to elevate", 5, 5), &pages),
            QuoteCheck::Found
        );
        assert_eq!(
            check(&citation("Such a belief about a man", 5, 5), &pages),
            QuoteCheck::OnOtherPages(6, 6)
        );
        assert_eq!(
            check(&citation("into a superman. Such a belief", 5, 5), &pages),
            QuoteCheck::OnOtherPages(5, 6)
        );
        assert_eq!(
            check(&citation("into a superman. Such a belief", 5, 6), &pages),
            QuoteCheck::Found
        );
        assert_eq!(
            check(&citation("words nobody wrote", 5, 5), &pages),
            QuoteCheck::NotFound
        );
        assert_eq!(
            check(&citation("anything", 40, 40), &pages),
            QuoteCheck::NoSuchPage
        );
    }

    #[test]
    fn citations_in_html_become_links_to_their_page() {
        let html = "<p>He warns against “the <em>cult</em> of the individual” (5–6) &amp; \"more\" (Other 2001, 2).</p>";
        let (linked, found) = link_in_html(html, |citation| {
            citation
                .label
                .is_none()
                .then(|| format!("/readings/r/#page-{}", citation.first_page))
        });
        assert_eq!(
            linked,
            "<p>He warns against “the <em>cult</em> of the individual” (<a class=\"citation\" href=\"/readings/r/#page-5\">5–6</a>) &amp; \"more\" (Other 2001, 2).</p>"
        );
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].quote, "the cult of the individual");
        assert_eq!(found[1].label.as_deref(), Some("Other 2001"));
    }

    #[test]
    fn a_quotation_does_not_reach_back_across_paragraphs_through_a_tag_attribute() {
        let html = r#"<p><abbr title="x)">a</abbr> "words" (3)</p>"#;
        let (linked, found) = link_in_html(html, |_| Some("/r/#page-3".into()));
        assert_eq!(found.len(), 1);
        assert!(linked.contains(r#"(<a class="citation" href="/r/#page-3">3</a>)"#));
    }

    #[test]
    fn a_block_quote_ending_with_its_page_is_a_citation_of_that_page() {
        let html = "<p>Kennan begins:</p>\n<blockquote>\n<p>At bottom of Kremlin&#39;s neurotic view\nof world affairs (2)</p>\n</blockquote>\n<blockquote><p>Answer to <em>Dept&#39;s</em> 284</p><p>(Kennan 1946, p. 1)</p></blockquote><p>after (3)</p>";
        let (linked, found) = link_in_html(html, |citation| {
            Some(format!("/readings/r/#page-{}", citation.first_page))
        });
        assert_eq!(
            found
                .iter()
                .map(|citation| (
                    citation.quote.as_str(),
                    citation.label.as_deref(),
                    citation.first_page
                ))
                .collect::<Vec<_>>(),
            vec![
                (
                    "At bottom of Kremlin's neurotic view of world affairs",
                    None,
                    2
                ),
                ("Answer to Dept's 284", Some("Kennan 1946"), 1),
            ]
        );
        assert!(
            linked.contains(
                "of world affairs (<a class=\"citation\" href=\"/readings/r/#page-2\">2</a>)</p>"
            ),
            "{linked}"
        );
        assert!(
            linked.contains(
                "<p>(<a class=\"citation\" href=\"/readings/r/#page-1\">Kennan 1946, p. 1</a>)</p></blockquote>"
            ),
            "{linked}"
        );
        assert!(linked.ends_with("<p>after (3)</p>"), "{linked}");
    }

    #[test]
    fn a_block_quote_is_not_a_citation_unless_it_ends_with_a_page() {
        for html in [
            "<blockquote><p>Words of 1946 (1946)</p></blockquote>",
            "<blockquote><p>Words (2) and more words</p></blockquote>",
            "<blockquote><p>We were (5 students)</p></blockquote>",
            "<blockquote><p>(2)</p></blockquote>",
            "<p>Not quoted (2)</p><blockquote><p>quoted</p></blockquote>",
        ] {
            let (linked, found) = link_in_html(html, |_| Some("/r/#page-2".into()));
            assert_eq!(found, Vec::new(), "{html}");
            assert_eq!(linked, html);
        }
        // A quotation in marks at a block quote's end is cited once, as the words in the marks.
        let (_, found) = link_in_html(
            "<blockquote><p>He asked, \"Would it not be better?\" (2)</p></blockquote>",
            |_| None,
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].quote, "Would it not be better?");
        // Nested block quotes ending with one page are one citation, of the inner quote's words.
        let (_, found) = link_in_html(
            "<blockquote><blockquote><p>inner words (4)</p></blockquote></blockquote>",
            |_| None,
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].quote, "inner words");
    }

    #[test]
    fn long_texts_are_read_in_time_proportional_to_their_length() {
        let started = std::time::Instant::now();
        assert!(find(&format!("{})", "(".repeat(200_000))).is_empty());
        let quoted = "a \"short quote\" (5) ".repeat(40_000);
        assert_eq!(find(&quoted).len(), 40_000);
        let elapsed = started.elapsed();
        assert!(elapsed < std::time::Duration::from_secs(5), "{elapsed:?}");
    }
}
