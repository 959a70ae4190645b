//! The rules of the "Leave a Reply" pipeline (PRODUCT.md §5): field checks, flood timing and classification.
//!
//! The order of the checks and the storing live in the web handler and the store; what each check decides
//! lives here, so it can be tested without a server.

use std::{fmt, str::FromStr};

use super::{
    markup::SafeHtml,
    settings::SiteSettings,
    user::{Role, is_valid_email},
};

/// Longest accepted values, in characters (WordPress's column sizes).
pub const MAX_COMMENT_CHARS: usize = 65_525;
pub const MAX_NAME_CHARS: usize = 245;
pub const MAX_EMAIL_CHARS: usize = 100;
pub const MAX_URL_CHARS: usize = 200;

/// Where a comment stands in moderation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CommentStatus {
    Pending,
    Approved,
    Spam,
    Trash,
}

impl CommentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Spam => "spam",
            Self::Trash => "trash",
        }
    }
}

impl fmt::Display for CommentStatus {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("unknown comment status '{0}' (one of pending, approved, spam, trash)")]
pub struct UnknownStatus(pub String);

impl FromStr for CommentStatus {
    type Err = UnknownStatus;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        [Self::Pending, Self::Approved, Self::Spam, Self::Trash]
            .into_iter()
            .find(|status| status.as_str() == text)
            .ok_or_else(|| UnknownStatus(text.into()))
    }
}

/// What a moderator can do to a comment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Moderation {
    Approve,
    Unapprove,
    Spam,
    Trash,
    /// Back from the trash to the status it had.
    Restore,
}

impl Moderation {
    /// What takes a comment now in status `now` back to `before` (an Undo); `None` when it is there already.
    /// Out of the trash it goes to the status it had before it, which is `before` when the trashing is what
    /// is undone.
    pub fn back_to(now: CommentStatus, before: CommentStatus) -> Option<Self> {
        if now == before {
            return None;
        }
        Some(match (now, before) {
            (_, CommentStatus::Trash) => Self::Trash,
            (CommentStatus::Trash, _) => Self::Restore,
            (_, CommentStatus::Approved) => Self::Approve,
            (_, CommentStatus::Pending) => Self::Unapprove,
            (_, CommentStatus::Spam) => Self::Spam,
        })
    }
}

/// A comment as stored.
#[derive(Clone, Debug)]
pub struct Comment {
    pub id: i64,
    pub post_id: i64,
    pub parent_id: Option<i64>,
    pub user_id: Option<i64>,
    pub author_name: String,
    pub author_email: String,
    pub author_url: Option<String>,
    pub author_ip: String,
    pub content: String,
    pub content_html: SafeHtml,
    pub status: CommentStatus,
    pub created_at: i64,
    /// Seen only by the post's author and the site's staff: feedback, or a question to staff.
    pub is_private: bool,
    /// A grade or mark given with private feedback.
    pub grade: Option<String>,
    /// The paragraph or block quote the comment is on, as it was when the comment was written.
    pub passage: Option<PassageRef>,
}

/// A comment's passage: the signature that finds it again, and its words then.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PassageRef {
    pub signature: String,
    pub text: String,
}

/// Whether someone sees, and may write, a post's private comments: its author and the site's staff.
pub fn sees_private(role: Option<Role>, user_id: i64, post_author_id: i64) -> bool {
    role.is_some_and(Role::is_staff) || user_id == post_author_id
}

/// The longest grade or mark kept with private feedback.
pub const LONGEST_GRADE: usize = 40;

/// A field of the comment form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    Comment,
    Grade,
    Author,
    Email,
    Url,
    Parent,
    /// The passage commented on, which must still be on the page.
    Passage,
}

/// A problem with one field, in words for the person who typed it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    pub field: Field,
    pub message: String,
}

/// The form as typed.
#[derive(Clone, Debug, Default)]
pub struct CommentInput {
    pub comment: String,
    pub author: String,
    pub email: String,
    pub url: String,
    pub parent: String,
}

/// Who is commenting, when the comment comes from a signed-in account.
pub struct Account<'a> {
    pub name: &'a str,
    pub email: &'a str,
}

/// A comment whose fields passed every check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidComment {
    pub text: String,
    pub author: String,
    pub email: String,
    pub url: Option<String>,
    pub parent_id: Option<i64>,
}

/// Step 2 of the pipeline: required fields, shapes and lengths. Every faulty field is reported, not just the
/// first, so the form can mark them all.
pub fn validate(
    input: &CommentInput,
    account: Option<Account<'_>>,
) -> Result<ValidComment, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut fail = |field, message: String| errors.push(FieldError { field, message });

    let text = input.comment.trim();
    if text.is_empty() {
        fail(Field::Comment, "Please type your comment.".into());
    } else if input.comment.chars().count() > MAX_COMMENT_CHARS {
        fail(
            Field::Comment,
            format!("Your comment is too long: at most {MAX_COMMENT_CHARS} characters, please."),
        );
    }

    let (author, email) = match &account {
        Some(account) => (account.name.to_owned(), account.email.to_owned()),
        None => (
            input.author.trim().to_owned(),
            input.email.trim().to_owned(),
        ),
    };
    if account.is_none() {
        if author.is_empty() {
            fail(Field::Author, "Please enter your name.".into());
        } else if author.chars().count() > MAX_NAME_CHARS {
            fail(
                Field::Author,
                format!("Your name is too long: at most {MAX_NAME_CHARS} characters, please."),
            );
        }
        if email.is_empty() {
            fail(Field::Email, "Please enter your email address.".into());
        } else if email.chars().count() > MAX_EMAIL_CHARS {
            fail(
                Field::Email,
                format!("Your email address is too long: at most {MAX_EMAIL_CHARS} characters."),
            );
        } else if !is_valid_email(&email) {
            fail(
                Field::Email,
                "Please enter a valid email address, such as name@example.org.".into(),
            );
        }
    }

    let url = match normalize_url(&input.url) {
        Ok(url) => url,
        Err(message) => {
            fail(Field::Url, message);
            None
        }
    };

    let parent_id = match input.parent.trim() {
        "" | "0" => None,
        digits => match digits.parse::<i64>() {
            Ok(id) if id > 0 => Some(id),
            _ => {
                fail(
                    Field::Parent,
                    "The comment you replied to does not exist.".into(),
                );
                None
            }
        },
    };

    if errors.is_empty() {
        Ok(ValidComment {
            text: text.to_owned(),
            author,
            email,
            url,
            parent_id,
        })
    } else {
        Err(errors)
    }
}

/// Whether a stored website address is one the comment form would accept as it is: an http:// or https://
/// address with a host and nothing a page could misread. Addresses that came another way (an import) are
/// shown only when they pass.
pub fn is_web_address(url: &str) -> bool {
    matches!(normalize_url(url), Ok(Some(normal)) if normal == url)
}

/// An optional website: empty is fine; a bare host gets `http://`; any scheme but http(s) is refused.
fn normalize_url(typed: &str) -> Result<Option<String>, String> {
    let url = typed.trim();
    if url.is_empty() {
        return Ok(None);
    }
    if url.chars().count() > MAX_URL_CHARS {
        return Err(format!(
            "Your website address is too long: at most {MAX_URL_CHARS} characters."
        ));
    }
    let has_scheme = url.find(':').is_some_and(|colon| {
        url[..colon]
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || "+-.".contains(ch))
            && !url[..colon].contains('.')
    });
    let url = if has_scheme {
        url.to_owned()
    } else {
        format!("http://{url}")
    };
    let lower = url.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"));
    let host_ok = rest.is_some_and(|rest| {
        let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
        !host.is_empty() && host.contains('.') || host.starts_with("localhost")
    });
    if !host_ok
        || url
            .chars()
            .any(|ch| ch.is_whitespace() || ch.is_control() || "\"<>\\`".contains(ch))
    {
        return Err("Your website must be an http:// or https:// address.".into());
    }
    Ok(Some(url))
}

/// Step 5: how many seconds a commenter must still wait, when their last comment was too recent.
pub fn flood_wait(last_comment_at: Option<i64>, now: i64, interval_seconds: u32) -> Option<u64> {
    let last = last_comment_at?;
    let interval = i64::from(interval_seconds);
    let elapsed = now - last;
    (interval > 0 && elapsed < interval)
        .then(|| u64::try_from(interval - elapsed.max(0)).unwrap_or(1))
}

/// How much the site already trusts the commenter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Standing {
    /// Editors and administrators of the site, and the post's own author.
    Trusted,
    /// Signed-in members of the site: known people, who skip the "previously approved" rule.
    Member,
    /// A member of the public; `approved_before` tells whether their email has an approved comment on the site.
    Public { approved_before: bool },
    /// Someone not signed in who gave the email of an account: anyone can type an address, so staff decide
    /// whether the comment is theirs.
    ClaimsAccount,
}

/// What classification looks at.
pub struct Submission<'a> {
    pub comment: &'a ValidComment,
    pub rendered: &'a SafeHtml,
    pub ip: &'a str,
    pub user_agent: &'a str,
    pub standing: Standing,
}

/// Why a comment got the status it got (kept in logs, never shown to the public).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    TrustedAuthor,
    DisallowedWord,
    ModerateAll,
    TooManyLinks,
    ModerationWord,
    FirstComment,
    AccountEmailSignedOut,
    Clean,
}

impl Verdict {
    pub fn status(self) -> CommentStatus {
        match self {
            Self::TrustedAuthor | Self::Clean => CommentStatus::Approved,
            Self::DisallowedWord => CommentStatus::Spam,
            Self::ModerateAll
            | Self::TooManyLinks
            | Self::ModerationWord
            | Self::FirstComment
            | Self::AccountEmailSignedOut => CommentStatus::Pending,
        }
    }
}

/// Step 6: spam, held or approved, as WordPress decides it.
pub fn classify(settings: &SiteSettings, submission: &Submission<'_>) -> Verdict {
    if submission.standing == Standing::Trusted {
        return Verdict::TrustedAuthor;
    }
    let comment = submission.comment;
    let haystacks = [
        comment.author.as_str(),
        comment.email.as_str(),
        comment.url.as_deref().unwrap_or_default(),
        comment.text.as_str(),
        submission.ip,
        submission.user_agent,
    ];
    if matches_word_list(&settings.disallowed_keys, &haystacks) {
        return Verdict::DisallowedWord;
    }
    if settings.comment_moderation {
        return Verdict::ModerateAll;
    }
    if submission.standing == Standing::ClaimsAccount {
        return Verdict::AccountEmailSignedOut;
    }
    let max_links = settings.comment_max_links as usize;
    if max_links > 0 && super::markup::count_links(submission.rendered) >= max_links {
        return Verdict::TooManyLinks;
    }
    if matches_word_list(&settings.moderation_keys, &haystacks) {
        return Verdict::ModerationWord;
    }
    if settings.comment_previously_approved
        && submission.standing
            == (Standing::Public {
                approved_before: false,
            })
    {
        return Verdict::FirstComment;
    }
    Verdict::Clean
}

/// Whether any line of a word list occurs, ignoring case, in any of the texts.
fn matches_word_list(list: &str, haystacks: &[&str]) -> bool {
    let haystacks: Vec<String> = haystacks.iter().map(|text| text.to_lowercase()).collect();
    list.lines()
        .map(|word| word.trim().to_lowercase())
        .filter(|word| !word.is_empty())
        .any(|word| haystacks.iter().any(|text| text.contains(&word)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::markup::comment_to_html;

    #[test]
    fn undo_takes_a_comment_back_to_the_status_it_had() {
        use CommentStatus::*;
        assert_eq!(
            Moderation::back_to(Trash, Approved),
            Some(Moderation::Restore)
        );
        assert_eq!(
            Moderation::back_to(Spam, Pending),
            Some(Moderation::Unapprove)
        );
        assert_eq!(
            Moderation::back_to(Spam, Approved),
            Some(Moderation::Approve)
        );
        assert_eq!(
            Moderation::back_to(Pending, Approved),
            Some(Moderation::Approve)
        );
        assert_eq!(Moderation::back_to(Approved, Spam), Some(Moderation::Spam));
        assert_eq!(
            Moderation::back_to(Approved, Trash),
            Some(Moderation::Trash)
        );
        assert_eq!(Moderation::back_to(Pending, Pending), None);
    }

    fn input(comment: &str, author: &str, email: &str, url: &str) -> CommentInput {
        CommentInput {
            comment: comment.into(),
            author: author.into(),
            email: email.into(),
            url: url.into(),
            parent: String::new(),
        }
    }

    fn fields(result: Result<ValidComment, Vec<FieldError>>) -> Vec<Field> {
        result
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|error| error.field)
            .collect()
    }

    #[test]
    fn a_complete_public_comment_is_valid() {
        let valid = validate(
            &input(" Nice post. ", "Ada", "ada@example.org", "example.org/me"),
            None,
        )
        .unwrap();
        assert_eq!(valid.text, "Nice post.");
        assert_eq!(valid.url.as_deref(), Some("http://example.org/me"));
        assert_eq!(valid.parent_id, None);
    }

    #[test]
    fn every_missing_field_is_reported_at_once() {
        assert_eq!(
            fields(validate(&input("  \n ", "", "", ""), None)),
            [Field::Comment, Field::Author, Field::Email]
        );
    }

    #[test]
    fn lengths_are_limited_in_characters() {
        let long_name = "é".repeat(MAX_NAME_CHARS);
        assert!(validate(&input("x", &long_name, "a@example.org", ""), None).is_ok());
        let too_long = "n".repeat(300);
        assert_eq!(
            fields(validate(&input("x", &too_long, "a@example.org", ""), None)),
            [Field::Author]
        );
        let huge = "w".repeat(70_000);
        assert_eq!(
            fields(validate(&input(&huge, "A", "a@example.org", ""), None)),
            [Field::Comment]
        );
    }

    #[test]
    fn only_plain_web_addresses_count_as_websites() {
        assert!(is_web_address("https://example.org/me"));
        assert!(is_web_address("http://localhost:8080/"));
        for url in [
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            " https://example.org/",
            "example.org",
            "data:text/html,<script>alert(1)</script>",
            "https://example.org/\"onmouseover=\"alert(1)",
            "vbscript:msgbox(1)",
            "",
        ] {
            assert!(!is_web_address(url), "{url}");
        }
    }

    #[test]
    fn bad_email_and_unsafe_urls_are_refused() {
        assert_eq!(
            fields(validate(&input("x", "A", "not-an-email", ""), None)),
            [Field::Email]
        );
        for url in [
            "javascript:alert(1)",
            "data:text/html,x",
            "ftp://example.org",
            "http://",
            "https://exa mple.org",
        ] {
            assert_eq!(
                fields(validate(&input("x", "A", "a@example.org", url), None)),
                [Field::Url],
                "{url}"
            );
        }
    }

    #[test]
    fn a_signed_in_account_needs_no_name_or_email() {
        let account = Account {
            name: "Prof. Reyes",
            email: "reyes@example.edu",
        };
        let valid = validate(&input("Thanks", "", "", ""), Some(account)).unwrap();
        assert_eq!(valid.author, "Prof. Reyes");
    }

    #[test]
    fn parent_must_be_a_positive_number() {
        let mut typed = input("x", "A", "a@example.org", "");
        typed.parent = "0".into();
        assert_eq!(validate(&typed, None).unwrap().parent_id, None);
        typed.parent = "12".into();
        assert_eq!(validate(&typed, None).unwrap().parent_id, Some(12));
        typed.parent = "abc".into();
        assert_eq!(fields(validate(&typed, None)), [Field::Parent]);
    }

    #[test]
    fn flood_waits_out_the_interval() {
        assert_eq!(flood_wait(Some(100), 105, 15), Some(10));
        assert_eq!(flood_wait(Some(100), 115, 15), None);
        assert_eq!(flood_wait(Some(100), 101, 0), None);
        assert_eq!(flood_wait(None, 101, 15), None);
    }

    fn verdict(settings: &SiteSettings, text: &str, standing: Standing) -> Verdict {
        let comment = validate(&input(text, "Sam", "sam@example.org", ""), None).unwrap();
        let rendered = comment_to_html(&comment.text);
        classify(
            settings,
            &Submission {
                comment: &comment,
                rendered: &rendered,
                ip: "203.0.113.9",
                user_agent: "test",
                standing,
            },
        )
    }

    const KNOWN: Standing = Standing::Public {
        approved_before: true,
    };

    #[test]
    fn a_first_public_comment_is_held_and_a_known_commenter_is_approved() {
        let settings = SiteSettings::default();
        assert_eq!(
            verdict(
                &settings,
                "Hello",
                Standing::Public {
                    approved_before: false
                }
            ),
            Verdict::FirstComment
        );
        assert_eq!(verdict(&settings, "Hello", KNOWN), Verdict::Clean);
        assert_eq!(
            verdict(&settings, "Hello", Standing::Member),
            Verdict::Clean
        );
    }

    #[test]
    fn an_accounts_email_from_someone_signed_out_is_held_even_with_every_check_off() {
        let trusting = SiteSettings {
            comment_previously_approved: false,
            comment_max_links: 0,
            ..SiteSettings::default()
        };
        assert_eq!(
            verdict(&trusting, "Hello", Standing::ClaimsAccount),
            Verdict::AccountEmailSignedOut
        );
        assert_eq!(
            Verdict::AccountEmailSignedOut.status(),
            CommentStatus::Pending
        );
        let with_spam_words = SiteSettings {
            disallowed_keys: "casino".into(),
            ..trusting
        };
        assert_eq!(
            verdict(&with_spam_words, "casino", Standing::ClaimsAccount),
            Verdict::DisallowedWord
        );
    }

    #[test]
    fn two_links_reach_the_default_limit() {
        let settings = SiteSettings::default();
        assert_eq!(
            verdict(&settings, "https://a.example", KNOWN),
            Verdict::Clean
        );
        assert_eq!(
            verdict(&settings, "https://a.example https://b.example", KNOWN),
            Verdict::TooManyLinks
        );
        let unlimited = SiteSettings {
            comment_max_links: 0,
            ..SiteSettings::default()
        };
        assert_eq!(
            verdict(
                &unlimited,
                "https://a.example https://b.example https://c.example",
                KNOWN
            ),
            Verdict::Clean
        );
    }

    #[test]
    fn word_lists_hold_or_mark_as_spam() {
        let settings = SiteSettings {
            moderation_keys: "essay mill".into(),
            disallowed_keys: "casino\n203.0.113.66".into(),
            ..SiteSettings::default()
        };
        assert_eq!(
            verdict(&settings, "Try this Essay Mill", KNOWN),
            Verdict::ModerationWord
        );
        assert_eq!(
            verdict(&settings, "Best CASINO", KNOWN),
            Verdict::DisallowedWord
        );
        assert_eq!(
            verdict(&settings, "Best CASINO", Standing::Trusted),
            Verdict::TrustedAuthor
        );
    }

    #[test]
    fn moderating_everything_holds_even_known_commenters() {
        let settings = SiteSettings {
            comment_moderation: true,
            ..SiteSettings::default()
        };
        assert_eq!(verdict(&settings, "Hello", KNOWN), Verdict::ModerateAll);
        assert_eq!(
            verdict(&settings, "Hello", Standing::Trusted),
            Verdict::TrustedAuthor
        );
    }
}
