//! Text to safe HTML: Markdown for posts and pages, the restricted comment format, and plain-text excerpts.
//!
//! Everything that becomes HTML passes through ammonia last, so whatever a writer types, no script, event
//! handler or `javascript:` URL reaches a page. `SafeHtml` is the only HTML that templates insert unescaped.

use std::{collections::HashMap, fmt, sync::LazyLock};

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd, html};

mod nesting;

pub use nesting::DEEPEST as DEEPEST_NESTING;

/// HTML that has been sanitized and may be inserted into a page as it is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SafeHtml(String);

impl SafeHtml {
    /// Wraps HTML that was sanitized by this module before it was stored.
    pub fn from_stored(html: String) -> Self {
        Self(html)
    }

    /// The HTML an askama template writes: every value it puts in is escaped, so it is as safe as what the
    /// sanitizer gives.
    pub fn from_template(template: &impl askama::Template) -> askama::Result<Self> {
        Ok(Self(template.render()?))
    }

    /// Safe pieces put together, in order, by the rules of this domain (a passage's comments after it).
    pub(super) fn composed(html: String) -> Self {
        Self(html)
    }

    /// This HTML with `more` after it.
    pub fn followed_by(mut self, more: &SafeHtml) -> Self {
        self.0.push_str(&more.0);
        self
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for SafeHtml {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

impl SafeHtml {
    /// The same HTML with its root-relative links and images (`href="/…"`, `src="/…"`, not `//host/…`) made
    /// absolute against `origin` (`https://blog.example`), for feed readers, which have no page to resolve
    /// them against. Addresses are kept as their authors wrote them otherwise.
    pub fn with_absolute_links(&self, origin: &str) -> Self {
        let html = self.as_str();
        let mut out = String::with_capacity(html.len() + html.len() / 16);
        let mut in_tag = false;
        let mut quote: Option<char> = None;
        let mut rest = html;
        while let Some(character) = rest.chars().next() {
            if in_tag && quote.is_none() {
                let at_attribute = [" href=\"/", " src=\"/"]
                    .into_iter()
                    .find(|attribute| rest.starts_with(attribute));
                if let Some(attribute) = at_attribute {
                    let (name, after) = rest.split_at(attribute.len() - 1);
                    out.push_str(name);
                    if !after.starts_with("//") {
                        out.push_str(origin);
                    }
                    quote = Some('"');
                    rest = after;
                    continue;
                }
            }
            match (in_tag, quote, character) {
                (false, _, '<') => in_tag = true,
                (true, None, '>') => in_tag = false,
                (true, None, '"' | '\'') => quote = Some(character),
                (true, Some(open), close) if open == close => quote = None,
                _ => {}
            }
            out.push(character);
            rest = &rest[character.len_utf8()..];
        }
        Self(out)
    }
}

static POST_CLEANER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(post_cleaner);

/// What a post's HTML may hold: ammonia's defaults plus footnotes and table alignment.
fn post_cleaner() -> ammonia::Builder<'static> {
    let mut builder = ammonia::Builder::default();
    builder
        .add_allowed_classes("div", ["footnote"])
        .add_allowed_classes("sup", ["footnote-ref"])
        .add_tag_attributes("div", ["id"])
        .add_tag_attributes("sup", ["id"])
        .add_tag_attributes("td", ["style"])
        .add_tag_attributes("th", ["style"])
        .attribute_filter(|_element, attribute, value| match attribute {
            "id" if value.starts_with("fn-") || value.starts_with("fnref-") => Some(value.into()),
            "id" => None,
            "style"
                if matches!(
                    value,
                    "text-align: left" | "text-align: center" | "text-align: right"
                ) =>
            {
                Some(value.into())
            }
            "style" => None,
            // A quotation's source address is never shown, and a `javascript:` one would be kept as it is.
            "cite" => None,
            _ => Some(value.into()),
        });
    builder
}

/// Renders a post's Markdown (CommonMark with tables, footnotes and strikethrough) to sanitized HTML.
pub fn markdown_to_html(source: &str) -> SafeHtml {
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_FOOTNOTES | Options::ENABLE_STRIKETHROUGH;
    let mut numbers: HashMap<String, usize> = HashMap::new();
    let mut number_of = |name: &str| {
        let next = numbers.len() + 1;
        *numbers.entry(name.to_owned()).or_insert(next)
    };
    let events = Parser::new_ext(source, options).map(|event| match event {
        Event::FootnoteReference(name) => {
            let (number, id) = (number_of(&name), footnote_id(&name));
            Event::InlineHtml(CowStr::from(format!(
                r##"<sup class="footnote-ref" id="fnref-{id}"><a href="#fn-{id}">{number}</a></sup>"##
            )))
        }
        Event::Start(Tag::FootnoteDefinition(name)) => {
            let (number, id) = (number_of(&name), footnote_id(&name));
            Event::Html(CowStr::from(format!(
                r##"<div class="footnote" id="fn-{id}"><p><a href="#fnref-{id}">{number}.</a></p>"##
            )))
        }
        Event::End(TagEnd::FootnoteDefinition) => Event::Html(CowStr::from("</div>")),
        other => other,
    });
    let mut unsafe_html = String::with_capacity(source.len() * 3 / 2);
    html::push_html(&mut unsafe_html, events);
    sanitized(&POST_CLEANER, &unsafe_html)
}

/// HTML as a cleaner keeps it, its nesting bounded first (see `nesting`).
fn sanitized(cleaner: &ammonia::Builder<'_>, html: &str) -> SafeHtml {
    SafeHtml(cleaner.clean(&nesting::well_nested(html)).to_string())
}

static WORDPRESS_CLEANER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = post_cleaner();
    builder.strip_comments(false);
    builder
});

/// Renders WordPress HTML as WordPress shows it: classic content gets WordPress's automatic paragraphs
/// (`wpautop`); block content, marked by its `<!-- wp:` comments, already has its own. The text is sanitized
/// like any post before and after, so that scripts cannot upset the paragraphs, keeping the block comments,
/// which browsers ignore, so that a later export is still block content.
pub fn wordpress_to_html(source: &str) -> SafeHtml {
    let clean = sanitized(&WORDPRESS_CLEANER, source);
    if source.contains("<!-- wp:") {
        return clean;
    }
    let paragraphs = html_auto_p::auto_p(clean.0, html_auto_p::Options::new().br(true));
    sanitized(&WORDPRESS_CLEANER, &paragraphs)
}

fn footnote_id(name: &str) -> String {
    name.chars()
        .filter(|ch| ch.is_ascii_alphanumeric() || *ch == '-')
        .collect()
}

/// The inline tags a comment may use (PRODUCT.md §5); any other tag is shown as the text that was typed.
const COMMENT_TAGS: &[&str] = &[
    "a",
    "abbr",
    "b",
    "blockquote",
    "cite",
    "code",
    "del",
    "em",
    "i",
    "q",
    "s",
    "strong",
];

static COMMENT_CLEANER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::empty();
    builder
        .add_tags(COMMENT_TAGS)
        .add_tags(["p", "br"])
        .generic_attributes(std::collections::HashSet::new())
        .tag_attributes(HashMap::from([(
            "a",
            std::collections::HashSet::from(["href"]),
        )]))
        .add_url_schemes(["http", "https", "mailto"])
        .link_rel(Some("nofollow ugc noopener"));
    builder
});

/// Renders a comment: paragraphs, autolinked URLs and the allowed inline tags; everything else escaped.
pub fn comment_to_html(text: &str) -> SafeHtml {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let mut marked_up = String::with_capacity(text.len() * 5 / 4);
    let mut anchors_open = 0usize;
    let mut rest = text.trim();
    while !rest.is_empty() {
        match next_allowed_tag(rest) {
            Some((start, end, name, closing)) => {
                push_text(&mut marked_up, &rest[..start], anchors_open > 0);
                marked_up.push_str(&rest[start..end]);
                if name == "a" {
                    anchors_open = if closing {
                        anchors_open.saturating_sub(1)
                    } else {
                        anchors_open + 1
                    };
                }
                rest = &rest[end..];
            }
            None => {
                push_text(&mut marked_up, rest, anchors_open > 0);
                rest = "";
            }
        }
    }
    let paragraphs: Vec<String> = marked_up
        .split("\n\n")
        .map(str::trim)
        .filter(|paragraph| !paragraph.is_empty())
        .map(|paragraph| format!("<p>{}</p>", paragraph.replace('\n', "<br>\n")))
        .collect();
    sanitized(&COMMENT_CLEANER, &paragraphs.join("\n"))
}

/// Finds the next tag in `text` whose name is an allowed comment tag: (start, end, name, is closing).
fn next_allowed_tag(text: &str) -> Option<(usize, usize, String, bool)> {
    let mut search_from = 0;
    while let Some(offset) = text[search_from..].find('<') {
        let start = search_from + offset;
        let after = &text[start + 1..];
        let closing = after.starts_with('/');
        let name_start = if closing { 1 } else { 0 };
        let name: String = after[name_start..]
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_ascii_lowercase();
        let after_name = &after[name_start + name.len()..];
        let well_formed = after_name.starts_with(['>', ' ', '\t', '\n', '/']);
        if COMMENT_TAGS.contains(&name.as_str())
            && well_formed
            && let Some(length) = after
                .find('>')
                .filter(|length| !after[..*length].contains('<'))
        {
            return Some((start, start + 1 + length + 1, name, closing));
        }
        search_from = start + 1;
    }
    None
}

/// Appends text, escaped, with bare URLs turned into links (unless already inside a link).
fn push_text(out: &mut String, text: &str, inside_anchor: bool) {
    if inside_anchor {
        push_escaped(out, text);
        return;
    }
    let finder = linkify::LinkFinder::new();
    for span in finder.spans(text) {
        match span.kind() {
            Some(linkify::LinkKind::Url) if span.as_str().starts_with("http") => {
                out.push_str("<a href=\"");
                push_escaped(out, span.as_str());
                out.push_str("\">");
                push_escaped(out, span.as_str());
                out.push_str("</a>");
            }
            _ => push_escaped(out, span.as_str()),
        }
    }
}

fn push_escaped(out: &mut String, text: &str) {
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(ch),
        }
    }
}

/// How many links a rendered text holds (the link limit of PRODUCT.md §5 counts these).
pub fn count_links(html: &SafeHtml) -> usize {
    html.as_str().matches("<a ").count()
}

/// The readable text of some HTML: tags dropped, the common entities decoded, white space folded.
pub fn html_to_text(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        text.push_str(&rest[..start]);
        let tag = &rest[start + 1..];
        let end = tag.find('>').map_or(tag.len(), |end| end + 1);
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect();
        if !HTML_INLINE.contains(&name.to_ascii_lowercase().as_str()) {
            text.push(' ');
        }
        rest = &tag[end.min(tag.len())..];
    }
    text.push_str(rest);
    decode_entities(&text)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The tags that join the words around them; any other tag stands between words.
const HTML_INLINE: &[&str] = &[
    "a", "abbr", "b", "cite", "code", "del", "em", "i", "q", "s", "small", "span", "strong", "sub",
    "sup",
];

/// Text with the entities that the sanitizer writes decoded.
fn decode_entities(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&")
}

/// The text of a post's sanitized HTML as its excerpt reads it: tags dropped and blocks joined with a space
/// (as WordPress's `wp_trim_excerpt` does), footnote marks and the footnote list left out (a mark read as a
/// word glued "instruction.1" onto the sentence), and a block quote set off in quotation marks unless its
/// words already open with one, so that quoted words never read as the writer's own sentence.
pub fn excerpt_text(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    // While inside a footnote mark or the footnote list: the name of the tag and how deep it nests.
    let mut skipping: Option<(String, usize)> = None;
    // Where the outermost block quote's text starts in `text`, and how many are open.
    let mut quote_start = 0;
    let mut quotes_open = 0usize;
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        if skipping.is_none() {
            text.push_str(&decode_entities(&rest[..start]));
        }
        let tag = &rest[start + 1..];
        let end = tag.find('>').map_or(tag.len(), |end| end + 1);
        let inside = &tag[..end.saturating_sub(1)];
        rest = &tag[end.min(tag.len())..];
        let closing = inside.starts_with('/');
        let name = inside
            .trim_start_matches('/')
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_ascii_lowercase();
        if let Some((skipped, depth)) = &mut skipping {
            if *skipped == name && !inside.ends_with('/') {
                if closing {
                    *depth -= 1;
                } else {
                    *depth += 1;
                }
                if *depth == 0 {
                    skipping = None;
                    text.push(' ');
                }
            }
            continue;
        }
        if !closing
            && ((name == "sup" && inside.contains("footnote-ref"))
                || (name == "div" && inside.contains("class=\"footnote\"")))
        {
            skipping = Some((name, 1));
            continue;
        }
        if name == "blockquote" {
            text.push(' ');
            if !closing {
                if quotes_open == 0 {
                    quote_start = text.len();
                }
                quotes_open += 1;
            } else if quotes_open > 0 {
                quotes_open -= 1;
                if quotes_open == 0 {
                    let quoted = text[quote_start..].trim().to_owned();
                    text.truncate(quote_start);
                    if !quoted.is_empty() {
                        let marked = quoted.starts_with(['"', '“', '«', '‘', '\'']);
                        text.push_str(if marked { "" } else { "“" });
                        text.push_str(&quoted);
                        text.push_str(if marked { "" } else { "”" });
                    }
                    text.push(' ');
                }
            }
            continue;
        }
        if !HTML_INLINE.contains(&name.as_str()) {
            text.push(' ');
        }
    }
    if skipping.is_none() {
        text.push_str(&decode_entities(rest));
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The first `words` words of a text, with an ellipsis when it was cut (WordPress cuts at 55).
pub fn excerpt(text: &str, words: usize) -> String {
    let mut parts = text.split_whitespace();
    let head: Vec<&str> = parts.by_ref().take(words).collect();
    let mut excerpt = head.join(" ");
    if parts.next().is_some() {
        excerpt.push_str(" […]");
    }
    excerpt
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_renders_tables_footnotes_and_strikethrough() {
        let html = markdown_to_html(
            "| a | b |\n|---|:-:|\n| 1 | 2 |\n\n~~old~~ new[^n]\n\n[^n]: A note.\n",
        );
        let html = html.as_str();
        assert!(html.contains("<table>"), "{html}");
        assert!(html.contains("<del>old</del>"), "{html}");
        assert!(html.contains(r##"href="#fn-n""##), "{html}");
        assert!(html.contains(r#"id="fn-n""#), "{html}");
    }

    #[test]
    fn markdown_loses_every_script_and_handler() {
        let html = markdown_to_html(
            "<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n[x](javascript:alert(1))\n\n<p id=respond>x</p>",
        );
        let html = html.as_str();
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("onerror"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
        assert!(!html.contains("respond"), "{html}");
    }

    #[test]
    fn a_quotations_source_address_is_dropped() {
        let html = markdown_to_html(
            "<blockquote cite=\"javascript:alert(1)\">q</blockquote>\n\n<q cite=\"https://example.org\">q</q>",
        );
        assert!(!html.as_str().contains("cite="), "{}", html.as_str());
        assert!(html.as_str().contains("<blockquote>"), "{}", html.as_str());
    }

    #[test]
    fn classic_wordpress_posts_get_automatic_paragraphs_once() {
        let source =
            "First line\nsecond line\n\n<blockquote>Quoted</blockquote>\n\nLast <em>word</em>";
        let html = wordpress_to_html(source);
        assert_eq!(
            html.as_str(),
            "<p>First line<br>\nsecond line</p>\n<blockquote>Quoted</blockquote>\n<p>Last <em>word</em></p>"
        );
        assert_eq!(
            wordpress_to_html(html.as_str()),
            html,
            "a second pass changes nothing"
        );
    }

    #[test]
    fn block_posts_keep_their_comments_and_lose_their_scripts() {
        let source = "<!-- wp:paragraph -->\n<p onclick=\"x()\">One</p>\n<!-- /wp:paragraph -->\n\n<script>alert(1)</script>";
        let html = wordpress_to_html(source);
        assert_eq!(
            html.as_str(),
            "<!-- wp:paragraph -->\n<p>One</p>\n<!-- /wp:paragraph -->\n\n"
        );
        assert_eq!(wordpress_to_html(html.as_str()), html);
    }

    #[test]
    fn comments_keep_allowed_tags_and_escape_the_rest() {
        let html = comment_to_html(
            "<strong>Yes</strong> <script>alert(1)</script> <img src=x onerror=alert(1)>",
        );
        assert_eq!(
            html.as_str(),
            "<p><strong>Yes</strong> &lt;script&gt;alert(1)&lt;/script&gt; &lt;img src=x onerror=alert(1)&gt;</p>"
        );
    }

    #[test]
    fn comment_links_keep_only_a_safe_href() {
        let html = comment_to_html(
            r#"<a href="javascript:alert(1)" onclick="x()">a</a> <a href="https://e.org" title="t">b</a>"#,
        );
        let html = html.as_str();
        assert!(!html.contains("javascript"), "{html}");
        assert!(!html.contains("onclick"), "{html}");
        assert!(
            html.contains(r#"<a href="https://e.org" rel="nofollow ugc noopener">b</a>"#),
            "{html}"
        );
    }

    #[test]
    fn comment_urls_are_autolinked_and_counted() {
        let html = comment_to_html(
            "See https://a.example/x and http://b.example, or <a href=\"https://c.example\">c</a>.",
        );
        assert_eq!(count_links(&html), 3, "{html}");
    }

    #[test]
    fn comment_paragraphs_and_line_breaks() {
        let html = comment_to_html("First line\nsecond line\r\n\r\nNew paragraph");
        assert_eq!(
            html.as_str(),
            "<p>First line<br>\nsecond line</p>\n<p>New paragraph</p>"
        );
    }

    #[test]
    fn text_of_html_and_its_excerpt() {
        let text = html_to_text("<p>Fish &amp; chips</p><p>are <em>good</em>.</p>");
        assert_eq!(text, "Fish & chips are good.");
        assert_eq!(excerpt(&text, 3), "Fish & chips […]");
        assert_eq!(excerpt(&text, 55), "Fish & chips are good.");
    }

    #[test]
    fn an_excerpt_leaves_out_footnotes_and_sets_a_block_quote_apart() {
        let html = markdown_to_html(
            "Kennan wrote the telegram as instruction.[^1]\n\n> it is not a question of\n> sympathy\n\nWe read it twice.[^note]\n\n[^1]: Dept's 284.\n\n[^note]: In week 3.\n",
        );
        assert_eq!(
            excerpt_text(html.as_str()),
            "Kennan wrote the telegram as instruction. “it is not a question of sympathy” We read it twice."
        );
    }

    #[test]
    fn an_excerpt_keeps_a_space_between_blocks_and_the_quotation_marks_a_quote_has() {
        let html = markdown_to_html(
            "Lists:\n\n- one\n- two\n\n> \"Would it not be better?\" (2)\n\n> outer\n>\n> > inner\n\n## Heading\nend",
        );
        assert_eq!(
            excerpt_text(html.as_str()),
            "Lists: one two \"Would it not be better?\" (2) “outer inner” Heading end"
        );
        assert_eq!(
            excerpt_text("<p>First</p><p>second<sup>2</sup> &amp; third</p>"),
            "First second2 & third",
            "only the marks that footnotes make are left out"
        );
        assert_eq!(
            crate::domain::post::render_body(
                "One.[^a]\n\n> two\n\n[^a]: three",
                crate::domain::post::SourceFormat::Markdown,
                ""
            )
            .summary,
            "One. “two”"
        );
    }

    #[test]
    fn feeds_get_absolute_links_only_for_root_relative_addresses() {
        let html = SafeHtml::from_stored(
            r#"<p>a href="/text" <a href="/hist-220/x/">x</a> <a href="//cdn.example/x">c</a> <img src="/welcome.png" alt="a > b"> <a href="https://e.org/" title="/t">e</a></p>"#.to_owned(),
        );
        assert_eq!(
            html.with_absolute_links("https://blog.example").as_str(),
            r#"<p>a href="/text" <a href="https://blog.example/hist-220/x/">x</a> <a href="//cdn.example/x">c</a> <img src="https://blog.example/welcome.png" alt="a > b"> <a href="https://e.org/" title="/t">e</a></p>"#
        );
    }
}
