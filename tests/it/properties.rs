//! The properties that the fuzz targets in `fuzz/` and the property tests here both check, and the check of
//! what in HTML could run script. Each property panics when it does not hold. `fuzz/fuzz_targets/*.rs`
//! include this file by path, so it uses nothing of the integration suite but colloquy and scraper.

use colloquy::{
    domain::{comment, markup, permalink, search},
    web::form,
    wxr::reader::WxrReader,
};
use scraper::{ElementRef, Html, Selector};

/// What in an HTML document could run script, as a browser parses it.
pub fn executable_markup(html: &str) -> Vec<String> {
    let document = Html::parse_document(html);
    let mut found = Vec::new();
    for node in document.root_element().descendants() {
        let Some(element) = ElementRef::wrap(node) else {
            continue;
        };
        let name = element.value().name();
        let described = || {
            let mut html = element.html();
            html.truncate(160);
            html
        };
        match name {
            "script" => {
                let ours = element
                    .value()
                    .attr("src")
                    .is_some_and(|src| src.starts_with("/static/"))
                    && element.text().all(|text| text.trim().is_empty());
                if !ours {
                    found.push(format!("a script: {}", described()));
                }
            }
            "iframe" | "frame" | "frameset" | "object" | "embed" | "applet" | "base" | "style"
            | "svg" | "math" | "template" | "isindex" | "xmp" | "plaintext" | "listing" => {
                found.push(format!("a <{name}>: {}", described()));
            }
            "meta" if element.value().attr("http-equiv").is_some() => {
                found.push(format!("a meta http-equiv: {}", described()));
            }
            "link" => {
                let href = element.value().attr("href").unwrap_or_default();
                let rel = element.value().attr("rel").unwrap_or_default();
                if !href.starts_with('/') || !matches!(rel, "stylesheet" | "alternate") {
                    found.push(format!("a foreign link: {}", described()));
                }
            }
            _ => {}
        }
        for (attribute, value) in element.value().attrs() {
            let attribute = attribute.to_ascii_lowercase();
            if attribute.starts_with("on") {
                found.push(format!("an event handler: {}", described()));
            }
            if attribute == "style" {
                let style = value.to_ascii_lowercase();
                if ["expression", "javascript", "behavior", "binding", "url("]
                    .iter()
                    .any(|danger| style.contains(danger))
                {
                    found.push(format!("a dangerous style: {}", described()));
                }
            }
            if matches!(
                attribute.as_str(),
                "href"
                    | "src"
                    | "action"
                    | "formaction"
                    | "data"
                    | "background"
                    | "poster"
                    | "xlink:href"
                    | "srcset"
                    | "cite"
                    | "lowsrc"
                    | "dynsrc"
                    | "srcdoc"
                    | "codebase"
            ) {
                // As the URL standard reads an address: C0 controls and spaces trimmed from both ends, tabs and
                // newlines dropped anywhere (so `jav&#x09;ascript:` is `javascript:`); other controls stay
                // and make the scheme invalid, so `java\u{1b}script:` is a harmless relative address.
                let address: String = value
                    .trim_matches(|ch: char| ch <= ' ')
                    .chars()
                    .filter(|ch| !matches!(ch, '\t' | '\n' | '\r'))
                    .collect::<String>()
                    .to_ascii_lowercase();
                let scheme_danger = ["javascript:", "vbscript:", "livescript:", "data:"]
                    .iter()
                    .any(|scheme| address.starts_with(scheme))
                    && !address.starts_with("data:image/png")
                    && !address.starts_with("data:image/jpeg")
                    && !address.starts_with("data:image/gif");
                if scheme_danger || attribute == "srcdoc" {
                    found.push(format!("a script address: {}", described()));
                }
            }
        }
    }
    found
}

/// True when `fragment`, put inside a `<div>` of a page, closes that div or otherwise puts something outside it:
/// the page's body must hold exactly the div and the paragraph after it, and no text of its own.
pub fn escapes_its_container(fragment: &str) -> bool {
    let page = format!(
        "<!DOCTYPE html><html><body><div id=\"container-7f3a\">{fragment}</div><p id=\"after-7f3a\">after</p></body></html>"
    );
    let document = Html::parse_document(&page);
    let children = Selector::parse("body > *").expect("a selector");
    let ids: Vec<Option<&str>> = document
        .select(&children)
        .map(|element| element.value().attr("id"))
        .collect();
    let body = Selector::parse("body").expect("a selector");
    let stray_text = document.select(&body).any(|body| {
        body.children()
            .filter_map(|node| node.value().as_text())
            .any(|text| !text.trim().is_empty())
    });
    ids != [Some("container-7f3a"), Some("after-7f3a")] || stray_text
}

/// What any text became must hold nothing that runs and nothing that leaves its container.
fn assert_safe(text: &str, html: &str) {
    let found = executable_markup(html);
    assert!(found.is_empty(), "{text:?} gave {found:?}");
    assert!(
        !escapes_its_container(html),
        "{text:?} gave HTML that leaves its container: {html}"
    );
}

/// Markdown, whatever it holds, renders to HTML with nothing that runs and nothing that leaves its container.
pub fn markdown_is_safe(text: &str) {
    let html = markup::markdown_to_html(text);
    assert_safe(text, html.as_str());
}

/// A WordPress post's HTML, whatever it holds, is made as safe as Markdown.
pub fn wordpress_html_is_safe(text: &str) {
    let html = markup::wordpress_to_html(text);
    assert_safe(text, html.as_str());
}

/// A comment's text renders safely, and the comment checks answer (accept or refuse) without panicking.
pub fn comment_is_safe(text: &str) {
    let html = markup::comment_to_html(text);
    assert_safe(text, html.as_str());
    let mut parts = text.splitn(4, '\u{1}');
    let input = comment::CommentInput {
        comment: parts.next().unwrap_or_default().to_owned(),
        author: parts.next().unwrap_or("Ada").to_owned(),
        email: parts.next().unwrap_or("ada@example.org").to_owned(),
        url: parts.next().unwrap_or_default().to_owned(),
        parent: "0".to_owned(),
    };
    if let Ok(comment::ValidComment { url: Some(url), .. }) = comment::validate(&input, None) {
        assert!(comment::is_web_address(&url), "an accepted website {url:?}");
    }
    let excerpt = markup::excerpt(text, 55);
    assert!(excerpt.split_whitespace().count() <= 56, "{excerpt:?}");
}

/// The WXR reader reads any bytes to an entry, the end or a fault with an offset inside the input: never a
/// panic, never a loop.
pub fn wxr_reader_survives(bytes: &[u8]) {
    let mut reader = WxrReader::new(bytes);
    for _ in 0..=bytes.len() + 1 {
        match reader.next_entry() {
            Ok(Some(_)) => {}
            Ok(None) => return,
            Err(fault) => {
                assert!(
                    fault.offset <= bytes.len() as u64 + 1,
                    "a fault past the end: {} > {}",
                    fault.offset,
                    bytes.len()
                );
                return;
            }
        }
    }
    panic!("the reader did not finish {} bytes", bytes.len());
}

/// A form body decodes only when it is UTF-8 throughout, and what it decodes to encodes back to the same
/// pairs; search terms, addresses and old WordPress links parse without panicking.
pub fn form_and_query_parse(bytes: &[u8]) {
    if let Ok(pairs) = form::decode::<Vec<(String, String)>>(bytes) {
        assert!(std::str::from_utf8(bytes).is_ok());
        let again = serde_urlencoded::to_string(&pairs).expect("pairs encode");
        let decoded: Vec<(String, String)> =
            form::decode(again.as_bytes()).expect("they decode again");
        assert_eq!(decoded, pairs);
    }
    let text = String::from_utf8_lossy(bytes);
    let terms = search::parse(&text);
    assert!(terms.len() <= 12);
    let fts5 = search::fts5(&terms);
    assert_eq!(
        fts5.matches('"').count() % 2,
        0,
        "unbalanced quotes in {fts5:?}"
    );
    let _ = search::fts5_in_titles(&terms);
    let _ = search::tsquery(&terms);
    let (path, query) = text.split_once('?').unwrap_or((&text, ""));
    let segments: Vec<&str> = path
        .split('/')
        .filter(|segment| !segment.is_empty())
        .collect();
    let _ = permalink::parse(&segments);
    let _ = permalink::legacy_key(path, Some(query));
}
