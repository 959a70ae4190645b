#![no_main]
//! `cargo fuzz run markdown`: the property of the same name in `tests/it/properties.rs`, which the normal suite
//! also checks with proptest and by replaying `fuzz/corpus/markdown/`.

use libfuzzer_sys::fuzz_target;

#[path = "../../tests/it/properties.rs"]
#[allow(dead_code)]
mod properties;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        properties::markdown_is_safe(text);
        properties::wordpress_html_is_safe(text);
    }
});
