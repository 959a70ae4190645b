#![no_main]
//! `cargo fuzz run form`: the property of the same name in `tests/it/properties.rs`, which the normal suite
//! also checks with proptest and by replaying `fuzz/corpus/form/`.

use libfuzzer_sys::fuzz_target;

#[path = "../../tests/it/properties.rs"]
#[allow(dead_code)]
mod properties;

fuzz_target!(|data: &[u8]| {
    properties::form_and_query_parse(data);
});
