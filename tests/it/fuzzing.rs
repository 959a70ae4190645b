//! The fuzz targets' properties (`properties.rs`) as property tests in the normal suite, with inputs built from
//! the pieces attacks are made of, and a replay of every input the coverage-guided fuzzers in `fuzz/` kept in
//! their corpora (`fuzz/corpus/TARGET/`), so that what they found stays checked.

use std::path::Path;

use proptest::prelude::*;

use crate::properties::{
    comment_is_safe, form_and_query_parse, markdown_is_safe, wordpress_html_is_safe,
    wxr_reader_survives,
};

/// Text made of HTML, Markdown and URL pieces that attacks use, with plain words between.
fn hostile_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("<script>alert(1)</script>".to_owned()),
        Just("<img src=x onerror=alert(1)>".to_owned()),
        Just("<a href=\"javascript:alert(1)\">".to_owned()),
        Just("</a>".to_owned()),
        Just("</div>".to_owned()),
        Just("</p></li></ol>".to_owned()),
        Just("<div>".to_owned()),
        Just("<svg onload=alert(1)>".to_owned()),
        Just("<iframe src=javascript:alert(1)>".to_owned()),
        Just("<style>".to_owned()),
        Just("<!--".to_owned()),
        Just("-->".to_owned()),
        Just("<![CDATA[".to_owned()),
        Just("<textarea>".to_owned()),
        Just("\"".to_owned()),
        Just("'".to_owned()),
        Just(" onmouseover=alert(1) ".to_owned()),
        Just("[x](javascript:alert(1))".to_owned()),
        Just("![x](x\" onerror=\"alert(1))".to_owned()),
        Just("[ref]: javascript:alert(1)".to_owned()),
        Just("<javascript:alert(1)>".to_owned()),
        Just("https://example.org/".to_owned()),
        Just("&#106;avascript:".to_owned()),
        Just("jav&#x09;ascript:".to_owned()),
        Just("\n\n".to_owned()),
        Just("\n".to_owned()),
        Just("> ".to_owned()),
        Just("```".to_owned()),
        Just("`".to_owned()),
        Just("**".to_owned()),
        Just("[^1]".to_owned()),
        Just("[^1]: ".to_owned()),
        Just("| a | b |\n|---|---|\n".to_owned()),
        Just("<b>".to_owned()),
        Just("<blockquote cite=\"javascript:alert(1)\">".to_owned()),
        "[a-zA-Z ]{0,12}",
        "\\PC{0,6}",
    ];
    prop::collection::vec(piece, 0..24).prop_map(|pieces| pieces.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn markdown_never_renders_script_or_leaves_its_container(text in hostile_text()) {
        markdown_is_safe(&text);
    }

    #[test]
    fn any_markdown_at_all_is_safe(text in any::<String>()) {
        markdown_is_safe(&text);
    }

    #[test]
    fn wordpress_html_never_renders_script(text in hostile_text()) {
        wordpress_html_is_safe(&text);
    }

    #[test]
    fn comments_never_render_script(text in hostile_text()) {
        comment_is_safe(&text);
    }

    #[test]
    fn the_wxr_reader_survives_any_bytes(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        wxr_reader_survives(&bytes);
    }

    #[test]
    fn the_wxr_reader_survives_broken_exports(
        cut in 0usize..2000,
        junk in "\\PC{0,20}",
    ) {
        let export = include_str!("../data/small-export.xml");
        let cut = export.char_indices().map(|(at, _)| at).find(|at| *at >= cut.min(export.len())).unwrap_or(export.len());
        wxr_reader_survives(format!("{}{junk}", &export[..cut]).as_bytes());
    }

    #[test]
    fn forms_and_queries_parse_or_refuse(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        form_and_query_parse(&bytes);
    }

    #[test]
    fn form_like_text_round_trips(
        text in "([a-z%+=&]|%[0-9A-F]{2}|[éü☃]){0,40}",
    ) {
        form_and_query_parse(text.as_bytes());
    }
}

/// Every input the fuzzers kept, through the property of its target.
#[test]
fn the_fuzzers_corpora_replay_clean() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    type Property = fn(&[u8]);
    let targets: [(&str, Property); 4] = [
        ("markdown", |data| {
            if let Ok(text) = std::str::from_utf8(data) {
                markdown_is_safe(text);
                wordpress_html_is_safe(text);
            }
        }),
        ("comment", |data| {
            if let Ok(text) = std::str::from_utf8(data) {
                comment_is_safe(text);
            }
        }),
        ("wxr_reader", wxr_reader_survives),
        ("form", form_and_query_parse),
    ];
    let mut replayed = 0;
    for (target, property) in targets {
        let folder = root.join(target);
        let Ok(entries) = std::fs::read_dir(&folder) else {
            panic!("no corpus for {target} at {}", folder.display());
        };
        for entry in entries.flatten() {
            let input = std::fs::read(entry.path()).unwrap();
            property(&input);
            replayed += 1;
        }
    }
    assert!(replayed > 0, "the corpora are empty");
}

#[test]
fn the_checks_can_fail() {
    use crate::properties::{escapes_its_container, executable_markup};
    assert!(escapes_its_container("</div><p>out"));
    assert!(escapes_its_container("<table><tr><td>x"));
    assert!(!escapes_its_container(
        "<p>in</p><blockquote>q</blockquote>"
    ));
    assert!(!executable_markup("<a href=\"JaVa\tScRiPt:x\">x</a>").is_empty());
    assert!(
        std::panic::catch_unwind(|| crate::properties::wxr_reader_survives(b"<rss><channel>"))
            .is_ok()
    );
}

#[test]
fn addresses_are_read_as_browsers_read_them() {
    use crate::properties::executable_markup;
    assert!(!executable_markup("<a href=\"\u{1}\u{20}javascript:x\">x</a>").is_empty());
    assert!(!executable_markup("<a href=\"java\tscr\nipt:x\">x</a>").is_empty());
    assert!(executable_markup("<img src=\"java\u{1b}script:x\">").is_empty());
}
