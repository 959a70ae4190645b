//! What a page says after an action: "3 comments moved to the trash. [Undo]".
//!
//! An action answers with a redirect whose address names what was done (`?done=trash&n=3&undo=…`), as WordPress
//! does, so any instance can say it, a reload says it again without repeating the action, and nothing is kept
//! between requests. The words come from a closed list here, never from the address; the address gives only
//! a count and what Undo sends back, which the action's own handler checks again like any other form.
//!
//! An Undo carries a tag made with the session's CSRF token (`undo_tag`): a page offers, and a handler carries
//! out, only an Undo that this session was given, never one an address made up (#18 review: a crafted link to
//! the members page offered an Undo that made a stranger administrator).

use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;

/// How a notice looks: success in the theme's success colour, a problem in its error colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    Success,
    Problem,
}

impl Tone {
    pub fn as_str(self) -> &'static str {
        match self {
            Tone::Success => "success",
            Tone::Problem => "problem",
        }
    }
}

/// A sentence at the top of a page, and maybe a button that takes the action back.
#[derive(Clone, Debug)]
pub struct Notice {
    pub tone: Tone,
    pub text: String,
    pub undo: Option<Undo>,
}

/// The form an Undo button posts (the page adds the session's CSRF token).
#[derive(Clone, Debug)]
pub struct Undo {
    pub action: String,
    pub fields: Vec<(&'static str, String)>,
    /// What the button says to a screen reader after "Undo".
    pub what: String,
}

impl Notice {
    pub fn success(text: impl Into<String>) -> Self {
        Self {
            tone: Tone::Success,
            text: text.into(),
            undo: None,
        }
    }

    pub fn problem(text: impl Into<String>) -> Self {
        Self {
            tone: Tone::Problem,
            text: text.into(),
            undo: None,
        }
    }

    pub fn with_undo(mut self, undo: Undo) -> Self {
        self.undo = Some(undo);
        self
    }

    pub fn is_problem(&self) -> bool {
        self.tone == Tone::Problem
    }
}

/// The part of a redirect's address that names what was just done.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Done {
    #[serde(default)]
    pub done: Option<String>,
    /// How many things it was done to. (Read as text, like `id`: an address that does not read still shows
    /// the page, rather than a 400 in the parser's words.)
    #[serde(default)]
    pub n: Option<String>,
    /// What Undo sends back, in the form the action's handler reads.
    #[serde(default)]
    pub undo: Option<String>,
    /// The one thing it was done to, when the notice names it.
    #[serde(default)]
    pub id: Option<String>,
    /// `undo_tag` of `undo` for the session that did it.
    #[serde(default)]
    pub tag: Option<String>,
}

impl Done {
    /// `?done=WHAT&n=COUNT&undo=UNDO` to put after a redirect's path.
    pub fn query(what: &str, count: usize, undo: Option<&str>) -> String {
        let mut query = format!("done={what}&n={count}");
        if let Some(undo) = undo {
            query.push_str("&undo=");
            query.push_str(&percent_encoding::utf8_percent_encode(undo, QUERY_VALUE).to_string());
        }
        query
    }

    /// `?done=WHAT&n=COUNT&undo=UNDO&tag=TAG`: an Undo only the session whose CSRF token is `secret` is offered.
    pub fn signed_query(what: &str, count: usize, undo: &str, secret: &str) -> String {
        format!(
            "{}&tag={}",
            Self::query(what, count, Some(undo)),
            undo_tag(secret, undo)
        )
    }

    /// `?done=WHAT&id=ID`: done to one thing, which the notice names.
    pub fn about(what: &str, id: i64) -> String {
        format!("done={what}&id={id}")
    }

    pub fn what(&self) -> Option<&str> {
        self.done.as_deref()
    }

    pub fn count(&self) -> u32 {
        match self.n.as_deref() {
            None => 1,
            Some(n) => n.parse().unwrap_or(1),
        }
    }

    /// The one thing it was done to, when the address names it as a number.
    pub fn id(&self) -> Option<i64> {
        self.id.as_deref()?.parse().ok()
    }

    pub fn undo(&self) -> Option<&str> {
        self.undo.as_deref().filter(|undo| !undo.is_empty())
    }

    /// The Undo, with its tag, when it was made for the session whose CSRF token is `secret`.
    pub fn undo_for(&self, secret: &str) -> Option<(&str, &str)> {
        let (undo, tag) = (self.undo()?, self.tag.as_deref()?);
        is_ours(secret, undo, tag).then_some((undo, tag))
    }
}

/// The bytes of a tag kept (of SHA-256's 32).
const TAG_BYTES: usize = 16;

fn undo_mac(secret: &str, undo: &str) -> Option<Hmac<Sha256>> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).ok()?;
    mac.update(b"undo:");
    mac.update(undo.as_bytes());
    Some(mac)
}

/// The tag of an Undo for one session: an HMAC of what it sends back, keyed with the session's CSRF token.
pub fn undo_tag(secret: &str, undo: &str) -> String {
    undo_mac(secret, undo).map_or_else(String::new, |mac| {
        hex::encode(&mac.finalize().into_bytes()[..TAG_BYTES])
    })
}

/// Whether `tag` is the tag of `undo` for the session whose CSRF token is `secret` (compared in constant time).
pub fn is_ours(secret: &str, undo: &str, tag: &str) -> bool {
    let Ok(tag) = hex::decode(tag) else {
        return false;
    };
    tag.len() == TAG_BYTES
        && undo_mac(secret, undo).is_some_and(|mac| mac.verify_truncated_left(&tag).is_ok())
}

const QUERY_VALUE: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b':')
    .remove(b',');

/// "1 comment" or "3 comments".
pub fn counted(count: u32, one: &str, many: &str) -> String {
    if count == 1 {
        format!("1 {one}")
    } else {
        format!("{count} {many}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_reads_back_as_it_was_written() {
        let query = Done::query("trash", 2, Some("4:approved,5:pending"));
        assert_eq!(query, "done=trash&n=2&undo=4:approved,5:pending");
        let done: Done = serde_urlencoded::from_str(&query).unwrap();
        assert_eq!(done.what(), Some("trash"));
        assert_eq!(done.count(), 2);
        assert_eq!(done.undo(), Some("4:approved,5:pending"));
        let odd: Done = serde_urlencoded::from_str(&Done::query("x", 1, Some("a&b=c"))).unwrap();
        assert_eq!(odd.undo(), Some("a&b=c"));
    }

    #[test]
    fn an_undo_is_offered_only_to_the_session_it_was_made_for() {
        let query = Done::signed_query("remove", 1, "7:administrator:0:", "csrf-a");
        let done: Done = serde_urlencoded::from_str(&query).unwrap();
        assert_eq!(
            done.undo_for("csrf-a").map(|(undo, _)| undo),
            Some("7:administrator:0:")
        );
        assert_eq!(done.undo_for("csrf-b"), None);
        let unsigned: Done =
            serde_urlencoded::from_str(&Done::query("remove", 1, Some("7:administrator:0:")))
                .unwrap();
        assert_eq!(unsigned.undo_for("csrf-a"), None);
        assert!(!is_ours(
            "csrf-a",
            "7:author:0:",
            &undo_tag("csrf-a", "7:administrator:0:")
        ));
    }

    #[test]
    fn counts_are_said_in_words() {
        assert_eq!(counted(1, "comment", "comments"), "1 comment");
        assert_eq!(counted(3, "comment", "comments"), "3 comments");
    }
}
