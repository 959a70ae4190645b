//! A bound on how deeply HTML nests before it is sanitized. The sanitizer's HTML parser looks through its open
//! elements for many of the tags it meets, so its time grows with the square of the nesting: 100,000 nested
//! quotations (200 KB of `> `) took it 46 s, 50,000 nested `<div>`s 5 s.
//!
//! `well_nested` reads the text with the same tokenizer (html5ever's, linear) and writes it out again with every
//! element it closes closed explicitly, in order, and no element opened deeper than `DEEPEST` (deeper tags are
//! left out, their text kept). It follows the parser's own implied closings (a `<p>` before a block, an `<li>`
//! before the next), so ordinary HTML, however sloppy, comes out as it went in; and since what it writes is
//! well nested, the parser's stack of open elements, which it reads next, stays within a small multiple of
//! `DEEPEST` (the tests parse its output and measure).

use std::cell::RefCell;

use html5ever::{
    tendril::StrTendril,
    tokenizer::{
        BufferQueue, Tag, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
        states::RawKind,
    },
};

/// The deepest nesting of elements kept; no page a person writes comes near it.
pub const DEEPEST: usize = 48;

/// Elements that never hold others.
const VOID: &[&str] = &[
    "area", "base", "basefont", "bgsound", "br", "col", "embed", "frame", "hr", "image", "img",
    "input", "keygen", "link", "meta", "param", "source", "track", "wbr",
];

/// Tags the parser takes as the document's own, never nested in a text.
const DOCUMENT: &[&str] = &["html", "head", "body", "frameset"];

/// Starting one of these closes an open paragraph (HTML's "close a p element").
const CLOSES_PARAGRAPH: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "center",
    "details",
    "dialog",
    "dir",
    "div",
    "dl",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "header",
    "hgroup",
    "main",
    "menu",
    "nav",
    "ol",
    "p",
    "search",
    "section",
    "summary",
    "ul",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "pre",
    "listing",
    "form",
    "plaintext",
    "table",
    "hr",
    "xmp",
    "li",
    "dd",
    "dt",
];

/// Where the parser's search for an element "in scope" stops.
const SCOPE: &[&str] = &[
    "applet",
    "caption",
    "html",
    "table",
    "td",
    "th",
    "marquee",
    "object",
    "template",
    "mi",
    "mo",
    "mn",
    "ms",
    "mtext",
    "annotation-xml",
    "foreignobject",
    "desc",
    "title",
];

/// HTML's "special" elements, which end the search for an open `<li>`, `<dd>` or `<dt>` to close.
const SPECIAL: &[&str] = &[
    "applet",
    "article",
    "aside",
    "blockquote",
    "button",
    "caption",
    "center",
    "colgroup",
    "dd",
    "details",
    "dir",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hgroup",
    "iframe",
    "li",
    "listing",
    "main",
    "marquee",
    "menu",
    "nav",
    "noembed",
    "noframes",
    "noscript",
    "object",
    "ol",
    "plaintext",
    "pre",
    "script",
    "search",
    "section",
    "select",
    "style",
    "summary",
    "table",
    "tbody",
    "td",
    "template",
    "textarea",
    "tfoot",
    "th",
    "thead",
    "title",
    "tr",
    "ul",
    "xmp",
];

/// HTML's formatting elements: closed early by another element's end, they open again where text goes on.
const FORMATTING: &[&str] = &[
    "a", "b", "big", "code", "em", "font", "i", "nobr", "s", "small", "strike", "strong", "tt", "u",
];

/// The parts of a table, which the parser ignores outside one.
const TABLE_PARTS: &[&str] = &[
    "caption", "colgroup", "tbody", "thead", "tfoot", "tr", "td", "th",
];

/// `html` rewritten well nested and at most `DEEPEST` elements deep.
pub fn well_nested(html: &str) -> String {
    let input = BufferQueue::default();
    input.push_back(StrTendril::from_slice(html));
    let tokenizer = Tokenizer::new(
        Writer {
            state: RefCell::new(Written {
                html: String::with_capacity(html.len() + html.len() / 8),
                open: Vec::new(),
                to_reopen: Vec::new(),
                reopening_budget: html.len(),
            }),
        },
        TokenizerOpts::default(),
    );
    let _ = tokenizer.feed(&input);
    tokenizer.end();
    let mut written = tokenizer.sink.state.into_inner();
    while written.pop().is_some() {}
    written.html
}

struct Writer {
    state: RefCell<Written>,
}

struct Written {
    html: String,
    /// The elements open where the text has got to, outermost first.
    open: Vec<Open>,
    /// Formatting elements closed early, opened again before the next text or inline element (HTML's
    /// "reconstruct the active formatting elements"), outermost first.
    to_reopen: Vec<Open>,
    /// How many more bytes reopening may write: 45 formatting elements left open over 10,000 paragraphs made a
    /// page 80 times its source (the parser does the same), so reopening stops once it has written as much as
    /// the text itself.
    reopening_budget: usize,
}

struct Open {
    name: String,
    /// Its start tag as written.
    start: String,
}

impl TokenSink for Writer {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        let mut written = self.state.borrow_mut();
        match token {
            Token::TagToken(tag) => return written.tag(&tag),
            Token::CharacterTokens(text) => {
                written.reopen();
                push_escaped(&mut written.html, &text);
            }
            Token::CommentToken(text) => {
                if !text.contains(['<', '>']) && !text.contains("--") && !text.ends_with('-') {
                    written.html.push_str("<!--");
                    written.html.push_str(&text);
                    written.html.push_str("-->");
                }
            }
            Token::NullCharacterToken
            | Token::DoctypeToken(_)
            | Token::EOFToken
            | Token::ParseError(_) => {}
        }
        TokenSinkResult::Continue
    }
}

impl Written {
    fn tag(&mut self, tag: &Tag) -> TokenSinkResult<()> {
        let name: &str = &tag.name;
        let plain_name = name
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-')
            && name.starts_with(|first: char| first.is_ascii_alphabetic());
        if !plain_name || DOCUMENT.contains(&name) {
            return TokenSinkResult::Continue;
        }
        match tag.kind {
            TagKind::StartTag => self.start(tag),
            TagKind::EndTag => {
                self.end(name);
                TokenSinkResult::Continue
            }
        }
    }

    fn start(&mut self, tag: &Tag) -> TokenSinkResult<()> {
        let name: &str = &tag.name;
        if TABLE_PARTS.contains(&name) && !self.is_open("table") {
            return TokenSinkResult::Continue;
        }
        self.close_implied_by(name);
        if !CLOSES_PARAGRAPH.contains(&name) && !TABLE_PARTS.contains(&name) && name != "table" {
            self.reopen();
        }
        let foreign = self.is_open("svg") || self.is_open("math");
        let holds_others = !(VOID.contains(&name) || (tag.self_closing && foreign));
        if holds_others && self.open.len() >= DEEPEST {
            return TokenSinkResult::Continue;
        }
        let mut start = format!("<{name}");
        for attribute in &tag.attrs {
            let attribute_name: &str = &attribute.name.local;
            if attribute_name.is_empty()
                || !attribute_name
                    .bytes()
                    .all(|byte| byte.is_ascii_alphanumeric() || b"-_:.".contains(&byte))
            {
                continue;
            }
            start.push(' ');
            start.push_str(attribute_name);
            start.push_str("=\"");
            for character in attribute.value.chars() {
                match character {
                    '&' => start.push_str("&amp;"),
                    '"' => start.push_str("&quot;"),
                    other => start.push(other),
                }
            }
            start.push('"');
        }
        start.push_str(if tag.self_closing && foreign {
            "/>"
        } else {
            ">"
        });
        self.html.push_str(&start);
        if !holds_others {
            return TokenSinkResult::Continue;
        }
        self.open.push(Open {
            name: name.to_owned(),
            start,
        });
        // Their text is text up to their end tag, whatever it holds (written escaped, so that the parser reads
        // text there too, wherever it stands).
        match name {
            "script" => TokenSinkResult::RawData(RawKind::ScriptData),
            "style" | "xmp" | "iframe" | "noembed" | "noframes" | "noscript" => {
                TokenSinkResult::RawData(RawKind::Rawtext)
            }
            "textarea" | "title" => TokenSinkResult::RawData(RawKind::Rcdata),
            "plaintext" => TokenSinkResult::Plaintext,
            _ => TokenSinkResult::Continue,
        }
    }

    /// What the parser closes before it opens `name`.
    fn close_implied_by(&mut self, name: &str) {
        if CLOSES_PARAGRAPH.contains(&name)
            && let Some(index) = self.in_scope("p", &["button"])
        {
            self.close_to(index);
        }
        let found = match name {
            "li" => self.open_item(&["li"]),
            "dd" | "dt" => self.open_item(&["dd", "dt"]),
            "option" | "optgroup" => self.top_index(&["option"]),
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
                self.top_index(&["h1", "h2", "h3", "h4", "h5", "h6"])
            }
            "a" | "nobr" | "button" => self.in_scope(name, &[]),
            "td" | "th" => self.in_table(&["td", "th"]),
            "tr" => self.in_table(&["tr"]),
            "tbody" | "thead" | "tfoot" | "caption" | "colgroup" => {
                self.in_table(&["tbody", "thead", "tfoot", "caption", "colgroup"])
            }
            _ => None,
        };
        if let Some(index) = found {
            self.close_to(index);
        }
    }

    fn end(&mut self, name: &str) {
        if name == "br" {
            self.reopen();
            self.html.push_str("<br>");
            return;
        }
        let found = if TABLE_PARTS.contains(&name) || name == "table" {
            let boundaries: &[&str] = if name == "table" {
                &[]
            } else {
                &["table", "template"]
            };
            self.innermost(name, boundaries)
        } else {
            let extra: &[&str] = match name {
                "li" => &["ol", "ul"],
                "p" => &["button"],
                _ => &[],
            };
            self.in_scope(name, extra)
        };
        match found {
            Some(index) => self.close_to(index),
            // A formatting element closed early is not opened again after its own end.
            None => {
                if let Some(index) = self.to_reopen.iter().rposition(|open| open.name == name) {
                    self.to_reopen.remove(index);
                }
            }
        }
    }

    /// Closes the open element at `index` and those inside it; the formatting elements among these are opened
    /// again where text goes on, except across a table cell's edge (where the parser puts a marker).
    fn close_to(&mut self, index: usize) {
        let mut closed_early = Vec::new();
        while self.open.len() > index + 1 {
            if let Some(open) = self.pop()
                && FORMATTING.contains(&open.name.as_str())
            {
                closed_early.push(open);
            }
        }
        let Some(target) = self.pop() else {
            return;
        };
        if matches!(
            target.name.as_str(),
            "td" | "th" | "caption" | "table" | "template" | "applet" | "object" | "marquee"
        ) {
            self.to_reopen.clear();
            return;
        }
        for open in closed_early.into_iter().rev() {
            let same = self
                .to_reopen
                .iter()
                .filter(|pending| pending.start == open.start)
                .count();
            if same >= 3
                && let Some(oldest) = self
                    .to_reopen
                    .iter()
                    .position(|pending| pending.start == open.start)
            {
                self.to_reopen.remove(oldest);
            }
            if self.to_reopen.len() < DEEPEST {
                self.to_reopen.push(open);
            }
        }
    }

    fn reopen(&mut self) {
        for open in std::mem::take(&mut self.to_reopen) {
            let cost = open.start.len() + open.name.len() + 3;
            if self.open.len() < DEEPEST && cost <= self.reopening_budget {
                self.reopening_budget -= cost;
                self.html.push_str(&open.start);
                self.open.push(open);
            }
        }
    }

    /// Closes the innermost open element, and gives it.
    fn pop(&mut self) -> Option<Open> {
        let open = self.open.pop()?;
        self.html.push_str("</");
        self.html.push_str(&open.name);
        self.html.push('>');
        Some(open)
    }

    fn top_index(&self, names: &[&str]) -> Option<usize> {
        let top = self.open.len().checked_sub(1)?;
        names.contains(&self.open[top].name.as_str()).then_some(top)
    }

    fn is_open(&self, name: &str) -> bool {
        self.open.iter().any(|open| open.name == name)
    }

    /// The innermost open `name` in scope (the parser's search stops at the elements of `SCOPE` and `extra`).
    fn in_scope(&self, name: &str, extra: &[&str]) -> Option<usize> {
        let boundaries: Vec<&str> = SCOPE.iter().chain(extra).copied().collect();
        self.innermost(name, &boundaries)
    }

    /// The innermost open element named `name`, unless one of `boundaries` is open inside it.
    fn innermost(&self, name: &str, boundaries: &[&str]) -> Option<usize> {
        let index = self
            .open
            .iter()
            .rposition(|open| open.name == name || boundaries.contains(&open.name.as_str()))?;
        (self.open[index].name == name).then_some(index)
    }

    /// An open table part named in `names` inside the innermost table.
    fn in_table(&self, names: &[&str]) -> Option<usize> {
        let index = self.open.iter().rposition(|open| {
            names.contains(&open.name.as_str())
                || matches!(open.name.as_str(), "table" | "template")
        })?;
        names
            .contains(&self.open[index].name.as_str())
            .then_some(index)
    }

    /// HTML's search for an open list item to close before another: through inline elements and `div`s, not
    /// past other special elements.
    fn open_item(&self, names: &[&str]) -> Option<usize> {
        for index in (0..self.open.len()).rev() {
            let open = self.open[index].name.as_str();
            if names.contains(&open) {
                return Some(index);
            }
            if SPECIAL.contains(&open) && !matches!(open, "address" | "div" | "p") {
                return None;
            }
        }
        None
    }
}

fn push_escaped(out: &mut String, text: &str) {
    for character in text.chars() {
        match character {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            other => out.push(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use scraper::Html;

    use super::*;

    /// How deep the HTML parser nests what it reads (as the sanitizer's parser does).
    fn parsed_depth(html: &str) -> usize {
        let fragment = Html::parse_fragment(html);
        fragment
            .tree
            .root()
            .descendants()
            .map(|node| node.ancestors().count())
            .max()
            .unwrap_or(0)
    }

    /// The parser's reading of some HTML, as the sanitizer will see it.
    fn as_parsed(html: &str) -> String {
        Html::parse_fragment(html).root_element().inner_html()
    }

    #[test]
    fn ordinary_html_reads_the_same_after() {
        for html in [
            r#"<div class="x"><blockquote><p>One<p>Two &amp; <a title="a > b" href="/x?a=1&amp;b=2">link</a><br><img src="x" alt=""></blockquote></div>"#,
            "<ul><li>a<li>b<ul><li>c</ul></ul><dl><dt>t<dd>d<dt>u</dl>",
            "<table><tr><td>1<td>2<tr><td>3</table><p>after",
            "<p>open<div>block</div><h2>h<h3>i</h3>",
            "<!-- wp:paragraph --><p>Block</p><!-- /wp:paragraph -->",
            "<b>bold <i>both</b> italic</i> plain",
            "<textarea><b>typed</b></textarea><title>a <i>b</i></title>",
            "text with a < b and 3 > 2 and </br> a stray </div> end",
            "<svg><circle r='1'/><title>t</title></svg><p>x",
        ] {
            assert_eq!(as_parsed(&well_nested(html)), as_parsed(html), "{html}");
        }
    }

    #[test]
    fn a_scripts_text_stays_text_wherever_it_stands() {
        for html in [
            "<script>if (a < b) { x = '<div>'; }</script>",
            "<svg><script><g><g></g></g></script></svg>",
        ] {
            let rewritten = well_nested(html);
            assert!(
                !rewritten.contains("<g>") && !rewritten.contains("<div>"),
                "{rewritten}"
            );
            assert!(parsed_depth(&rewritten) <= parsed_depth("<svg><script>x</script></svg>"));
        }
    }

    #[test]
    fn tags_past_the_deepest_nesting_are_left_out_and_their_text_kept() {
        let html = format!(
            "{}deep text{}",
            "<blockquote>".repeat(DEEPEST + 10),
            "</blockquote>".repeat(DEEPEST + 10)
        );
        let kept = well_nested(&html);
        assert_eq!(kept.matches("<blockquote>").count(), DEEPEST);
        assert_eq!(kept.matches("</blockquote>").count(), DEEPEST);
        assert!(kept.contains("deep text"));
        for hostile in [
            "<div>".repeat(50_000),
            "<div/>".repeat(50_000),
            "<b><div></b>".repeat(10_000),
            "<li><ul></li>".repeat(10_000),
            "<div><table></div>".repeat(10_000),
            "<div><noscript></div></noscript>".repeat(10_000),
            "<svg><script><g><g></script>".repeat(10_000),
            "<!--><div>".repeat(10_000),
            format!(
                "{}{}",
                (0..45)
                    .map(|i| format!("<b class=c{i}>"))
                    .collect::<String>(),
                "<p>x".repeat(20_000)
            ),
        ] {
            let kept = well_nested(&hostile);
            let depth = parsed_depth(&kept);
            assert!(
                depth <= 4 * DEEPEST,
                "{} deep from {}",
                depth,
                &hostile[..40]
            );
            assert!(
                kept.len() <= 3 * hostile.len() + 1_024,
                "{} bytes from {} of {}",
                kept.len(),
                hostile.len(),
                &hostile[..40]
            );
        }
    }

    fn piece() -> impl Strategy<Value = String> {
        prop_oneof![
            prop::sample::select(vec![
                "<div>",
                "</div>",
                "<p>",
                "</p>",
                "<li>",
                "</li>",
                "<ul>",
                "</ul>",
                "<table>",
                "</table>",
                "<tr>",
                "<td>",
                "</td>",
                "<b>",
                "</b>",
                "<i>",
                "</i>",
                "<a href=x>",
                "</a>",
                "<select>",
                "<option>",
                "</select>",
                "<svg>",
                "</svg>",
                "<math>",
                "<mi>",
                "<script>",
                "</script>",
                "<noscript>",
                "</noscript>",
                "<!--",
                "-->",
                "<!-->",
                "<button>",
                "<blockquote>",
                "</blockquote>",
                "<template>",
                "<dd>",
                "<dt>",
                "<h1>",
                "<nobr>",
                "<object>",
                "</object>",
                "<title>",
                "<textarea>",
                "<foreignObject>",
                "<ruby><rt>",
                "<form>",
                "</form>",
                "<caption>",
                "text",
                "<td><div>",
                "<span title='x>",
                "'>",
                "\"",
                "<![CDATA[",
                "]]>",
            ])
            .prop_map(str::to_owned),
            (0u16..400).prop_map(|n| format!("<b data-n={n}>")),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Whatever tags come in whatever order, what the parser builds from the rewritten text stays shallow.
        #[test]
        fn no_sequence_of_tags_nests_deep(pieces in prop::collection::vec(piece(), 0..3000)) {
            let hostile: String = pieces.concat();
            let depth = parsed_depth(&well_nested(&hostile));
            prop_assert!(depth <= 4 * DEEPEST, "{} deep", depth);
        }
    }
}
