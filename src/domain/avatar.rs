//! Local identicons: a commenter's picture drawn from a salted hash of their email, so no third-party image
//! service learns who commented, and the hash in the URL cannot be reversed to the address.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The avatar key for an email: 32 hex characters of HMAC-SHA256 under the site's secret salt.
pub fn key_for(email: &str, salt: &[u8]) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(salt) else {
        return ANYONE.into();
    };
    mac.update(email.trim().to_lowercase().as_bytes());
    hex::encode(&mac.finalize().into_bytes()[..16])
}

/// The key of the avatar shown for someone who cannot be told apart (a plain grey tile): a comment that gives an
/// account's email without its writer being signed in as that account may be anyone's.
pub const ANYONE: &str = "00000000000000000000000000000000";

/// Whether a string is an avatar key (what `key_for` makes).
pub fn is_key(text: &str) -> bool {
    text.len() == 32
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// A 5×5 mirrored identicon as SVG, its colour and pattern taken from the key.
pub fn identicon_svg(key: &str) -> String {
    let bytes = hex::decode(key).unwrap_or_else(|_| vec![0; 16]);
    let byte = |index: usize| bytes.get(index).copied().unwrap_or(0);
    let hue = u32::from(byte(0)) * 360 / 256;
    let mut svg = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 5 5" width="64" height="64" shape-rendering="crispEdges"><rect width="5" height="5" fill="#f0f0f0"/><g fill="hsl({hue},55%,45%)">"##
    );
    for row in 0..5 {
        for column in 0..3 {
            let bit = row * 3 + column;
            if byte(1 + bit / 8) >> (bit % 8) & 1 == 1 {
                svg.push_str(&format!(
                    r#"<rect x="{column}" y="{row}" width="1" height="1"/>"#
                ));
                if column < 2 {
                    svg.push_str(&format!(
                        r#"<rect x="{}" y="{row}" width="1" height="1"/>"#,
                        4 - column
                    ));
                }
            }
        }
    }
    svg.push_str("</g></svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_depend_on_the_salt_and_not_on_case() {
        let key = key_for("Ada@Example.org", b"salt-one");
        assert!(is_key(&key));
        assert_eq!(key, key_for("ada@example.org ", b"salt-one"));
        assert_ne!(key, key_for("ada@example.org", b"salt-two"));
    }

    #[test]
    fn the_avatar_of_anyone_is_a_plain_tile() {
        assert!(is_key(ANYONE));
        assert!(!identicon_svg(ANYONE).contains("<rect x="));
        assert!(identicon_svg(&key_for("ada@example.org", b"salt")).contains("<rect x="));
    }

    #[test]
    fn identicons_are_symmetric_svg() {
        let svg = identicon_svg(&key_for("ada@example.org", b"salt"));
        assert!(svg.starts_with("<svg"));
        assert!(svg.ends_with("</svg>"));
        assert!(!is_key("../../etc/passwd"));
        for key in ["0".repeat(32), "f".repeat(32)] {
            assert!(identicon_svg(&key).ends_with("</svg>"), "{key}");
        }
    }
}
