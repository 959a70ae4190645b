//! Slugs: the URL-safe names of posts, pages and terms (PRODUCT.md §3).
//!
//! Lower-case, Latin letters folded to ASCII where an ASCII form exists, other letters kept as they are
//! (they are percent-encoded when they go into a URL), words joined by `-`.

use unicode_normalization::{UnicodeNormalization, char::is_combining_mark};

/// Words that a slug may never be, because they name parts of the URL scheme.
pub const RESERVED: &[&str] = &[
    "admin",
    "api",
    "login",
    "logout",
    "join",
    "account",
    "feed",
    "page",
    "category",
    "tag",
    "author",
    "search",
    "static",
    "comments",
    "readings",
    "avatar",
    "healthz",
    "metrics",
    "follow",
    "post-password",
    "wp-json",
    "wp-admin",
    "wp-login.php",
    "wp-comments-post.php",
    "robots.txt",
    "sitemap.xml",
];

/// Builds a slug from a title. Returns an empty string when nothing usable remains.
pub fn slugify(title: &str) -> String {
    let mut slug = String::with_capacity(title.len());
    let mut pending_dash = false;
    for ch in title.nfd().flat_map(char::to_lowercase) {
        if is_combining_mark(ch) || matches!(ch, '\'' | '’' | '‘' | '"' | '“' | '”') {
            continue;
        }
        if let Some(folded) = fold_latin(ch) {
            push_word_part(&mut slug, &mut pending_dash, folded);
        } else if ch.is_alphanumeric() {
            let mut buffer = [0; 4];
            push_word_part(&mut slug, &mut pending_dash, ch.encode_utf8(&mut buffer));
        } else {
            pending_dash = true;
        }
    }
    slug
}

fn push_word_part(slug: &mut String, pending_dash: &mut bool, part: &str) {
    if *pending_dash && !slug.is_empty() {
        slug.push('-');
    }
    *pending_dash = false;
    slug.push_str(part);
}

/// Latin letters that do not decompose into an ASCII letter and a mark.
fn fold_latin(ch: char) -> Option<&'static str> {
    Some(match ch {
        'ß' => "ss",
        'æ' => "ae",
        'œ' => "oe",
        'ø' => "o",
        'đ' | 'ð' => "d",
        'þ' => "th",
        'ł' => "l",
        'ı' => "i",
        'ħ' => "h",
        _ => return None,
    })
}

/// Whether a slug would collide with the URL scheme (a reserved word or a bare number).
pub fn is_reserved(slug: &str) -> bool {
    RESERVED.contains(&slug) || is_number(slug)
}

fn is_number(slug: &str) -> bool {
    !slug.is_empty() && slug.bytes().all(|b| b.is_ascii_digit())
}

/// Where a slug lives, which decides the words it may not be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Namespace {
    /// Directly under the site (`/SLUG/`, and a post's last segment): none of the reserved words.
    Site,
    /// Under an archive's base (`/category/SLUG/`, `/author/SLUG/`): only `page`, `feed` and numbers clash.
    Archive,
}

impl Namespace {
    fn reserves(self, slug: &str) -> bool {
        match self {
            Self::Site => is_reserved(slug),
            Self::Archive => matches!(slug, "page" | "feed") || is_number(slug),
        }
    }
}

/// The `attempt`-th candidate for a slug that must be unique: `base`, then `base-2`, `base-3`, …
/// A base that is empty or reserved starts at `-2` (or becomes `fallback`).
pub fn candidate(namespace: Namespace, base: &str, fallback: &str, attempt: u32) -> String {
    let base = stem(base, fallback);
    let first_free = if namespace.reserves(base) { 2 } else { 1 };
    let number = attempt.max(1) + first_free - 1;
    if number == 1 {
        base.to_owned()
    } else {
        format!("{base}-{number}")
    }
}

/// The stem every candidate of `candidate(base, fallback, …)` starts with.
pub fn stem<'a>(base: &'a str, fallback: &'a str) -> &'a str {
    if base.is_empty() { fallback } else { base }
}

/// The first candidate for `base` that is not among `taken` (the slugs in use that start with its stem).
pub fn first_free(namespace: Namespace, base: &str, fallback: &str, taken: &[String]) -> String {
    (1..)
        .map(|attempt| candidate(namespace, base, fallback, attempt))
        .find(|slug| !taken.contains(slug))
        .unwrap_or_else(|| fallback.to_owned())
}

/// Whether a slug given by a person (not made from a title) is acceptable as it is.
pub fn is_valid_given(slug: &str) -> bool {
    !slug.is_empty() && slugify(slug) == slug && !is_reserved(slug)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_title_becomes_lower_case_words_joined_by_dashes() {
        assert_eq!(
            slugify("Hello, World!  Week 3: Reading"),
            "hello-world-week-3-reading"
        );
    }

    #[test]
    fn latin_accents_fold_to_ascii() {
        assert_eq!(slugify("Déjà vu à Zürich"), "deja-vu-a-zurich");
        assert_eq!(slugify("Straße Øresund Łódź"), "strasse-oresund-lodz");
    }

    #[test]
    fn apostrophes_vanish_instead_of_splitting_words() {
        assert_eq!(slugify("Don’t panic, it's fine"), "dont-panic-its-fine");
    }

    #[test]
    fn letters_without_a_latin_form_are_kept() {
        assert_eq!(slugify("Привет мир"), "привет-мир");
        assert_eq!(slugify("東京 2026"), "東京-2026");
    }

    #[test]
    fn punctuation_only_titles_give_an_empty_slug() {
        assert_eq!(slugify("?!  --"), "");
    }

    #[test]
    fn reserved_words_and_numbers_are_reserved() {
        assert!(is_reserved("admin"));
        assert!(is_reserved("feed"));
        assert!(is_reserved("2026"));
        assert!(!is_reserved("week-2"));
    }

    #[test]
    fn candidates_count_up_and_skip_reserved_bases() {
        assert_eq!(
            candidate(Namespace::Site, "syllabus", "post", 1),
            "syllabus"
        );
        assert_eq!(
            candidate(Namespace::Site, "syllabus", "post", 2),
            "syllabus-2"
        );
        assert_eq!(candidate(Namespace::Site, "admin", "post", 1), "admin-2");
        assert_eq!(candidate(Namespace::Site, "", "post", 1), "post");
        assert_eq!(candidate(Namespace::Site, "2024", "post", 1), "2024-2");
    }

    #[test]
    fn archive_slugs_may_use_words_reserved_at_the_top() {
        assert_eq!(
            candidate(Namespace::Archive, "readings", "term", 1),
            "readings"
        );
        assert_eq!(candidate(Namespace::Archive, "feed", "term", 1), "feed-2");
        assert_eq!(
            candidate(Namespace::Site, "readings", "post", 1),
            "readings-2"
        );
    }

    #[test]
    fn the_first_free_candidate_is_chosen() {
        let taken = vec![
            "essay".to_owned(),
            "essay-2".to_owned(),
            "essay-4".to_owned(),
        ];
        assert_eq!(
            first_free(Namespace::Site, "essay", "post", &taken),
            "essay-3"
        );
        assert_eq!(first_free(Namespace::Site, "essay", "post", &[]), "essay");
        assert_eq!(
            first_free(Namespace::Site, "", "post", &["post".to_owned()]),
            "post-2"
        );
    }

    #[test]
    fn given_slugs_must_already_be_in_slug_form() {
        assert!(is_valid_given("week-3"));
        assert!(!is_valid_given("Week 3"));
        assert!(!is_valid_given("login"));
        assert!(!is_valid_given(""));
    }
}
