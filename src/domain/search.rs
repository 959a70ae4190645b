//! Reading what a reader typed into the search box: words, `"exact phrases"` and `prefix*` words, and writing
//! it in each database's full-text syntax. Only letters and digits reach the databases, so no query can be
//! malformed or inject operators.

use super::markup::SafeHtml;

/// One part of a search.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Term {
    Word(String),
    /// A word that matches every word it begins (`cart*`).
    Prefix(String),
    Phrase(Vec<String>),
}

/// The most parts a search may have; the rest is ignored.
const MAX_TERMS: usize = 12;

/// Reads a search. Punctuation separates words; quotes make a phrase; a trailing `*` makes a prefix.
pub fn parse(query: &str) -> Vec<Term> {
    let mut terms = Vec::new();
    for (index, part) in query.split('"').enumerate() {
        let quoted = index % 2 == 1;
        if quoted {
            let words = words_of(part);
            match words.len() {
                0 => {}
                1 => terms.push(Term::Word(words[0].clone())),
                _ => terms.push(Term::Phrase(words)),
            }
            continue;
        }
        for chunk in part.split_whitespace() {
            let prefix = chunk.ends_with('*');
            let words = words_of(chunk);
            let last = words.len().saturating_sub(1);
            for (position, word) in words.into_iter().enumerate() {
                terms.push(if prefix && position == last {
                    Term::Prefix(word)
                } else {
                    Term::Word(word)
                });
            }
        }
    }
    terms.truncate(MAX_TERMS);
    terms
}

fn words_of(text: &str) -> Vec<String> {
    text.split(|ch: char| !ch.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// The search in SQLite FTS5's query syntax (all parts must match).
pub fn fts5(terms: &[Term]) -> String {
    terms
        .iter()
        .map(|term| match term {
            Term::Word(word) => format!("\"{word}\""),
            Term::Prefix(word) => format!("\"{word}\"*"),
            Term::Phrase(words) => format!("\"{}\"", words.join(" ")),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The same search in FTS5's syntax, limited to titles.
pub fn fts5_in_titles(terms: &[Term]) -> String {
    format!("title : ({})", fts5(terms))
}

/// The search in PostgreSQL's `to_tsquery` syntax (all parts must match).
pub fn tsquery(terms: &[Term]) -> String {
    terms
        .iter()
        .map(|term| match term {
            Term::Word(word) => format!("'{word}'"),
            Term::Prefix(word) => format!("'{word}':*"),
            Term::Phrase(words) => format!(
                "({})",
                words
                    .iter()
                    .map(|word| format!("'{word}'"))
                    .collect::<Vec<_>>()
                    .join(" <-> ")
            ),
        })
        .collect::<Vec<_>>()
        .join(" & ")
}

/// Marks the databases put around matches in a snippet; they cannot occur in stored text.
pub const MATCH_START: char = '\u{2}';
pub const MATCH_END: char = '\u{3}';

/// A passage of `text` of about `words` words around the first word a search matches, with every matching
/// word between `MATCH_START` and `MATCH_END` (as the databases' own snippets mark them) and `…` where the
/// text was cut. A word matches a search word it begins with (`telegrams` for `telegram`), or any prefix.
pub fn snippet_of(text: &str, terms: &[Term], words: usize) -> String {
    let wanted: Vec<&str> = terms
        .iter()
        .flat_map(|term| match term {
            Term::Word(word) | Term::Prefix(word) => vec![word.as_str()],
            Term::Phrase(words) => words.iter().map(String::as_str).collect(),
        })
        .collect();
    let all: Vec<&str> = text.split_whitespace().collect();
    let matches = |word: &str| {
        let folded: String = word
            .chars()
            .filter(|ch| ch.is_alphanumeric())
            .collect::<String>()
            .to_lowercase();
        !folded.is_empty() && wanted.iter().any(|wanted| folded.starts_with(wanted))
    };
    let first = all.iter().position(|word| matches(word)).unwrap_or(0);
    let start = first.saturating_sub(words / 4);
    let end = (start + words).min(all.len());
    let mut snippet = String::with_capacity(words * 8);
    if start > 0 {
        snippet.push('…');
    }
    for (index, word) in all[start..end].iter().enumerate() {
        if index > 0 {
            snippet.push(' ');
        }
        if matches(word) {
            snippet.push(MATCH_START);
            snippet.push_str(word);
            snippet.push(MATCH_END);
        } else {
            snippet.push_str(word);
        }
    }
    if end < all.len() {
        snippet.push('…');
    }
    snippet
}

/// A snippet as HTML: the text escaped, the matches in `<mark>`.
pub fn highlight(snippet: &str) -> SafeHtml {
    let mut html = String::with_capacity(snippet.len() + 32);
    for ch in snippet.chars() {
        match ch {
            MATCH_START => html.push_str("<mark>"),
            MATCH_END => html.push_str("</mark>"),
            '&' => html.push_str("&amp;"),
            '<' => html.push_str("&lt;"),
            '>' => html.push_str("&gt;"),
            '"' => html.push_str("&quot;"),
            other if other.is_control() => {}
            other => html.push(other),
        }
    }
    SafeHtml::from_stored(html)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_phrases_and_prefixes() {
        assert_eq!(
            parse(r#"Cold  "iron curtain" carto* war's"#),
            [
                Term::Word("cold".into()),
                Term::Phrase(vec!["iron".into(), "curtain".into()]),
                Term::Prefix("carto".into()),
                Term::Word("war".into()),
                Term::Word("s".into()),
            ]
        );
    }

    #[test]
    fn operators_and_quotes_cannot_escape() {
        let terms = parse(r#"a' OR 1=1 -- ) NEAR( "x"#);
        assert!(fts5(&terms).chars().filter(|ch| *ch == '"').count() % 2 == 0);
        assert!(!tsquery(&terms).contains("--"));
        assert_eq!(tsquery(&parse("it's")), "'it' & 's'");
        assert!(parse("  ?! ").is_empty());
    }

    #[test]
    fn both_syntaxes() {
        let terms = parse(r#"cold "iron curtain" carto*"#);
        assert_eq!(fts5(&terms), r#""cold" "iron curtain" "carto"*"#);
        assert_eq!(
            tsquery(&terms),
            "'cold' & ('iron' <-> 'curtain') & 'carto':*"
        );
    }

    #[test]
    fn snippets_are_escaped_with_matches_marked() {
        let snippet = format!("a <b> {MATCH_START}cold{MATCH_END} war");
        assert_eq!(
            highlight(&snippet).as_str(),
            "a &lt;b&gt; <mark>cold</mark> war"
        );
    }

    #[test]
    fn a_snippet_surrounds_the_first_match_and_marks_every_one() {
        let text =
            "one two three four five six seven Telegrams arrived, the telegram said eight nine ten";
        let snippet = snippet_of(text, &parse("telegram"), 6);
        assert_eq!(
            snippet,
            "…seven \u{2}Telegrams\u{3} arrived, the \u{2}telegram\u{3} said…"
        );
        assert_eq!(snippet_of("short text", &parse("absent"), 24), "short text");
        assert_eq!(snippet_of("", &parse("x"), 24), "");
    }
}
