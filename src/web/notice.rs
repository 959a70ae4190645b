//! What a page says after an action: "3 comments moved to the trash. [Undo]".
//!
//! An action answers with a redirect whose address names what was done (`?done=trash&n=3&undo=…`), as WordPress
//! does, so any instance can say it, a reload says it again without repeating the action, and nothing is kept
//! between requests. The words come from a closed list here, never from the address; the address gives only
//! a count and what Undo sends back, which the action's own handler checks again like any other form.

use serde::Deserialize;

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
    /// How many things it was done to.
    #[serde(default)]
    pub n: Option<u32>,
    /// What Undo sends back, in the form the action's handler reads.
    #[serde(default)]
    pub undo: Option<String>,
    /// The one thing it was done to, when the notice names it.
    #[serde(default)]
    pub id: Option<i64>,
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

    /// `?done=WHAT&id=ID`: done to one thing, which the notice names.
    pub fn about(what: &str, id: i64) -> String {
        format!("done={what}&id={id}")
    }

    pub fn what(&self) -> Option<&str> {
        self.done.as_deref()
    }

    pub fn count(&self) -> u32 {
        self.n.unwrap_or(1)
    }

    pub fn undo(&self) -> Option<&str> {
        self.undo.as_deref().filter(|undo| !undo.is_empty())
    }
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
    fn counts_are_said_in_words() {
        assert_eq!(counted(1, "comment", "comments"), "1 comment");
        assert_eq!(counted(3, "comment", "comments"), "3 comments");
    }
}
