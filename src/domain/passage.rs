//! Passages: the paragraphs and block quotes of a text that readers discuss one by one. A comment on a passage
//! keeps the passage's signature and words; it stays with the passage through edits elsewhere (and small
//! corrections of the passage itself), and is shown as "on an earlier version" once the passage is rewritten.

use std::{collections::BTreeSet, ops::Range};

use super::{citation, markup, markup::SafeHtml, reading};

/// A paragraph or block quote at the top level of some HTML.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Passage {
    pub signature: String,
    pub text: String,
    /// Where the element stands in the HTML, from its `<` to the end of its closing tag.
    pub span: Range<usize>,
}

/// The top-level `<p>` and `<blockquote>` elements of sanitized HTML, in order.
pub fn passages(html: &str) -> Vec<Passage> {
    top_level(html, &["p", "blockquote"])
}

/// The top-level elements named in `names`, their words and signatures read (only theirs: reading every
/// paragraph of a long post to keep its few quotes took a worker for seconds).
fn top_level(html: &str, names: &[&str]) -> Vec<Passage> {
    let mut found = Vec::new();
    let mut depth = 0usize;
    let mut open: Option<(usize, String)> = None;
    let mut index = 0;
    while let Some(offset) = html[index..].find('<') {
        let start = index + offset;
        let Some(length) = html[start..].find('>') else {
            break;
        };
        let end = start + length + 1;
        let tag = &html[start + 1..end - 1];
        let closing = tag.starts_with('/');
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_ascii_lowercase();
        let void =
            matches!(name.as_str(), "br" | "hr" | "img" | "input" | "wbr") || tag.ends_with('/');
        if closing {
            depth = depth.saturating_sub(1);
            if depth == 0
                && let Some((opened_at, opened_name)) = open.take()
                && opened_name == name
            {
                let text = markup::html_to_text(&html[opened_at..end]);
                if !text.is_empty() {
                    found.push(Passage {
                        signature: reading::signature(&text),
                        text,
                        span: opened_at..end,
                    });
                }
            }
        } else if !void {
            if depth == 0 && names.contains(&name.as_str()) {
                open = Some((start, name));
            }
            depth += 1;
        }
        index = end;
    }
    found
}

/// The block quotes at the top level of a post's HTML: the passages of a post that readers discuss.
pub fn block_quotes(html: &str) -> Vec<Passage> {
    top_level(html, &["blockquote"])
}

/// How alike two passages' words are (shared words over all words, 0 to 1).
fn likeness(first: &str, second: &str) -> f64 {
    let words = |text: &str| -> BTreeSet<String> {
        citation::comparable(text)
            .split(' ')
            .filter(|word| !word.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let (first, second) = (words(first), words(second));
    let all = first.union(&second).count();
    if all == 0 {
        return 0.0;
    }
    first.intersection(&second).count() as f64 / all as f64
}

/// How alike a corrected passage must stay to keep its comments.
const KEEPS_ITS_COMMENTS: f64 = 0.75;

/// Where a comment's passage is now: the passage with its signature, else the one most like its words (a
/// correction, not a rewrite); `None` when it was rewritten or removed.
pub fn locate(signature: &str, text: &str, current: &[(&str, &str)]) -> Option<usize> {
    if let Some(index) = current
        .iter()
        .position(|(current_signature, _)| *current_signature == signature)
    {
        return Some(index);
    }
    current
        .iter()
        .enumerate()
        .map(|(index, (_, current_text))| (index, likeness(text, current_text)))
        .filter(|(_, likeness)| *likeness >= KEEPS_ITS_COMMENTS)
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(index, _)| index)
}

/// Puts an anchor on each passage and `after[i]` right after passage `i` (HTML the caller made safe).
pub fn annotate(html: &SafeHtml, passages: &[Passage], after: &[SafeHtml]) -> SafeHtml {
    let html = html.as_str();
    let mut out = String::with_capacity(
        html.len()
            + after
                .iter()
                .map(|extra| extra.as_str().len())
                .sum::<usize>(),
    );
    let mut copied = 0;
    for (passage, extra) in passages.iter().zip(after) {
        let open_end = html[passage.span.start..]
            .find('>')
            .map_or(passage.span.start, |at| passage.span.start + at);
        let tag_name_end = html[passage.span.start + 1..open_end]
            .find(|ch: char| !ch.is_ascii_alphanumeric())
            .map_or(open_end, |at| passage.span.start + 1 + at);
        out.push_str(&html[copied..tag_name_end]);
        out.push_str(&format!(
            " id=\"passage-{}\" class=\"passage\"",
            passage.signature
        ));
        out.push_str(&html[tag_name_end..passage.span.end]);
        out.push_str(extra.as_str());
        copied = passage.span.end;
    }
    out.push_str(&html[copied..]);
    SafeHtml::composed(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HTML: &str = "<h2>Heading</h2>\n<p>The first paragraph, about <em>containment</em>.</p>\n<blockquote>\n<p>A quoted passage of the telegram.</p>\n</blockquote>\n<ul><li><p>Not a passage.</p></li></ul>\n<p>The last paragraph.</p>\n";

    #[test]
    fn top_level_paragraphs_and_block_quotes_are_passages() {
        let found = passages(HTML);
        let texts: Vec<&str> = found.iter().map(|passage| passage.text.as_str()).collect();
        assert_eq!(
            texts,
            vec![
                "The first paragraph, about containment.",
                "A quoted passage of the telegram.",
                "The last paragraph."
            ]
        );
        assert!(HTML[found[1].span.clone()].starts_with("<blockquote>"));
        assert!(HTML[found[1].span.clone()].ends_with("</blockquote>"));
    }

    fn keys(passages: &[Passage]) -> Vec<(&str, &str)> {
        passages
            .iter()
            .map(|passage| (passage.signature.as_str(), passage.text.as_str()))
            .collect()
    }

    #[test]
    fn only_block_quotes_are_a_posts_passages() {
        let found = block_quotes(HTML);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].text, "A quoted passage of the telegram.");
    }

    #[test]
    fn a_comment_keeps_its_passage_through_edits_elsewhere_and_small_corrections() {
        let before = passages(HTML);
        let quote = &before[1];
        let edited = passages(
            "<p>A new first paragraph.</p><p>The first paragraph, about containment.</p><blockquote><p>A quoted passage of the telegram.</p></blockquote>",
        );
        assert_eq!(
            locate(&quote.signature, &quote.text, &keys(&edited)),
            Some(2)
        );
        let corrected = passages("<p>A quoted passage of the long telegram.</p>");
        assert_eq!(
            locate(&quote.signature, &quote.text, &keys(&corrected)),
            Some(0)
        );
        let rewritten = passages("<p>Something else entirely, said another way.</p>");
        assert_eq!(
            locate(&quote.signature, &quote.text, &keys(&rewritten)),
            None
        );
    }

    #[test]
    fn passages_get_anchors_and_what_follows_them() {
        let found = passages(HTML);
        let after: Vec<SafeHtml> = (0..found.len())
            .map(|n| SafeHtml::from_stored(format!("<aside>{n}</aside>")))
            .collect();
        let annotated = annotate(&SafeHtml::from_stored(HTML.to_owned()), &found, &after);
        let annotated = annotated.as_str();
        assert!(annotated.contains(&format!(
            "<blockquote id=\"passage-{}\" class=\"passage\">",
            found[1].signature
        )));
        assert!(annotated.contains("</blockquote><aside>1</aside>"));
        assert!(annotated.contains("The last paragraph.</p><aside>2</aside>"));
        assert!(annotated.starts_with("<h2>Heading</h2>"));
    }
}
