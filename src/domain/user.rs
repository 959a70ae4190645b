//! People and their roles on a site (PRODUCT.md §1).

use std::{fmt, str::FromStr};

/// A member's role on one site, from most to least trusted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Administrator,
    Editor,
    Author,
    Contributor,
    Subscriber,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Self::Administrator,
        Self::Editor,
        Self::Author,
        Self::Contributor,
        Self::Subscriber,
    ];

    /// The role as a sentence names it: "an editor", "an author".
    pub fn with_article(self) -> &'static str {
        match self {
            Self::Administrator => "an administrator",
            Self::Editor => "an editor",
            Self::Author => "an author",
            Self::Contributor => "a contributor",
            Self::Subscriber => "a subscriber",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Administrator => "administrator",
            Self::Editor => "editor",
            Self::Author => "author",
            Self::Contributor => "contributor",
            Self::Subscriber => "subscriber",
        }
    }

    /// Staff moderate comments and see commenters' emails and addresses.
    pub fn is_staff(self) -> bool {
        matches!(self, Self::Administrator | Self::Editor)
    }

    /// Whether this role may publish posts itself (a contributor's work goes to review).
    pub fn can_publish(self) -> bool {
        matches!(self, Self::Administrator | Self::Editor | Self::Author)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("unknown role '{0}' (one of administrator, editor, author, contributor, subscriber)")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|role| role.as_str() == text)
            .ok_or_else(|| UnknownRole(text.into()))
    }
}

/// An account.
#[derive(Clone, Debug)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub name: String,
    /// The URL name of the author archive, `/author/NICENAME/`.
    pub nicename: String,
    /// Notifications go only to confirmed addresses.
    pub email_confirmed: bool,
    /// The name the member publishes under, when they chose one; only staff see `name` then.
    pub pseudonym: Option<String>,
}

impl User {
    /// The name public pages, feeds and other members see.
    pub fn public_name(&self) -> &str {
        self.pseudonym.as_deref().unwrap_or(&self.name)
    }
}

/// Checks a pseudonym as typed by the person named `own_name`: `None` (no pseudonym) when blank; an error
/// message when unusable. Only the person's own name is compared here (a pseudonym that is one's name hides
/// nothing); whether someone else goes by it is the store's question, asked of the names their readers see
/// (`Store::set_pseudonym`), never of real names kept hidden, so that no answer tells whose name exists.
pub fn check_pseudonym(typed: &str, own_name: &str) -> Result<Option<String>, &'static str> {
    let pseudonym = typed.split_whitespace().collect::<Vec<_>>().join(" ");
    if pseudonym.is_empty() {
        return Ok(None);
    }
    if pseudonym.chars().count() > 60 {
        return Err("A pseudonym has at most 60 characters.");
    }
    if !pseudonym.chars().any(char::is_alphanumeric) {
        return Err("A pseudonym needs at least one letter or digit.");
    }
    if pseudonym.contains('@') {
        return Err("A pseudonym cannot look like an email address.");
    }
    let own_name = own_name.split_whitespace().collect::<Vec<_>>().join(" ");
    if pseudonym.to_lowercase() == own_name.to_lowercase() {
        return Err("That is your own name: a pseudonym is another name to publish under.");
    }
    Ok(Some(pseudonym))
}

/// Whether a person's name is one line of text: no control character (newline, carriage return, tab…) and no
/// line or paragraph separator. A name goes into mails ("Hello NAME,") and headers of pages; a newline in it
/// would let whoever typed it write lines of their own into a mail sent from the course.
pub fn is_one_line(name: &str) -> bool {
    !name
        .chars()
        .any(|ch| ch.is_control() || matches!(ch, '\u{2028}' | '\u{2029}'))
}

/// What a form says when a name is not one line.
pub const NAME_NOT_ONE_LINE: &str =
    "Please give your name on one line, without line breaks, tabs or other control characters.";

/// The key an address is counted under by the limits on mail (`Store::take_mail_turn`): every spelling that may
/// reach one mailbox gives one key. Lower-cased character by character, with the dot of a lower-cased Turkish
/// `İ` (U+0130 becomes `i` and U+0307) left out, so `İ`, `I` and `i` count alike; PostgreSQL's `lower()` gives
/// `i` for `İ` and found the account for each spelling, while the key of each spelling was its own.
pub fn email_key(email: &str) -> String {
    email
        .trim()
        .chars()
        .flat_map(char::to_lowercase)
        .filter(|ch| *ch != '\u{307}')
        .collect()
}

/// Whether an email address is well-formed enough to deliver to: one `@`, a local part, and a domain with a
/// dot, no spaces or angle brackets. (Full RFC 5322 allows more; no real mailbox needs it.)
pub fn is_valid_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    let plain = |part: &str| {
        !part.is_empty()
            && !part
                .chars()
                .any(|ch| ch.is_whitespace() || "<>()[],;:\\\"@".contains(ch))
    };
    plain(local)
        && plain(domain)
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_case_spelling_of_an_address_has_one_key() {
        for spelling in [
            "lili@example.edu",
            " LILI@Example.EDU ",
            "l\u{130}l\u{130}@example.edu",
            "lIl\u{130}@example.edu",
        ] {
            assert_eq!(email_key(spelling), "lili@example.edu", "{spelling:?}");
        }
        assert!(is_one_line("Ada Lovelace, née Byron"));
        for name in ["Ada\nBcc", "Ada\r", "Ada\tB", "Ada\u{85}", "Ada\u{2028}B"] {
            assert!(!is_one_line(name), "{name:?}");
        }
    }

    #[test]
    fn a_pseudonym_is_tidied_and_is_not_ones_own_name() {
        assert_eq!(
            check_pseudonym("  Blue   bird ", "Ana Realname"),
            Ok(Some("Blue bird".to_owned()))
        );
        assert_eq!(check_pseudonym("   ", "Ana Realname"), Ok(None));
        assert!(check_pseudonym("ana  REALNAME", " Ana Realname").is_err());
        assert!(check_pseudonym("ana@example.edu", "Ana").is_err());
        assert!(check_pseudonym("…", "Ana").is_err());
        assert!(check_pseudonym(&"x".repeat(61), "Ana").is_err());
    }

    #[test]
    fn roles_read_from_their_names() {
        assert_eq!("editor".parse(), Ok(Role::Editor));
        assert!("teacher".parse::<Role>().is_err());
    }

    #[test]
    fn only_administrators_and_editors_are_staff() {
        let staff: Vec<Role> = Role::ALL
            .into_iter()
            .filter(|role| role.is_staff())
            .collect();
        assert_eq!(staff, [Role::Administrator, Role::Editor]);
    }

    #[test]
    fn emails_are_checked_for_shape() {
        assert!(is_valid_email("ada@example.edu"));
        assert!(is_valid_email("first.last+tag@mail.example.org"));
        assert!(!is_valid_email("not-an-email"));
        assert!(!is_valid_email("a@b"));
        assert!(!is_valid_email("a b@example.org"));
        assert!(!is_valid_email("a@@example.org"));
        assert!(!is_valid_email("<a>@example.org"));
    }
}

/// Shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 8;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PasswordError {
    #[error("the password must be at least {MIN_PASSWORD_CHARS} characters")]
    TooShort,
    #[error("the password could not be hashed")]
    Hashing,
}

/// The most memory a stored hash may ask of its check (64 MiB): more would let a hash brought in from elsewhere
/// exhaust the server's memory.
const LARGEST_ARGON2_BLOCKS: usize = 64 * 1024;

thread_local! {
    /// The memory Argon2 works in, kept by each thread that hashes and reused for its next hash: allocating 19 MB
    /// for every hash let the allocator keep many of them (100 sign-ins at once held 300 MB).
    static ARGON2_MEMORY: std::cell::RefCell<Vec<argon2::Block>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Argon2 of `password` and `salt` into `out`, in this thread's memory.
fn argon2_into(
    argon2: &argon2::Argon2<'_>,
    password: &[u8],
    salt: &[u8],
    out: &mut [u8],
) -> Result<(), argon2::Error> {
    let blocks = argon2.params().block_count();
    if blocks > LARGEST_ARGON2_BLOCKS {
        return Err(argon2::Error::MemoryTooMuch);
    }
    ARGON2_MEMORY.with_borrow_mut(|memory| {
        if memory.len() < blocks {
            memory.resize(blocks, argon2::Block::default());
        }
        argon2.hash_password_into_with_memory(password, salt, out, &mut memory[..blocks])
    })
}

/// Whether a password matches a stored Argon2 hash (in PHC string form).
pub fn verify_password(password: &str, stored_hash: &str) -> bool {
    use argon2::{Algorithm, Argon2, Params, Version, password_hash::phc::PasswordHash};
    let Ok(hash) = PasswordHash::new(stored_hash) else {
        return false;
    };
    let (Ok(algorithm), Ok(params), Some(salt), Some(expected)) = (
        Algorithm::try_from(hash.algorithm.as_str()),
        Params::try_from(&hash),
        hash.salt,
        hash.hash,
    ) else {
        return false;
    };
    let version = hash
        .version
        .map_or(Ok(Version::default()), Version::try_from)
        .unwrap_or(Version::default());
    let argon2 = Argon2::new(algorithm, version, params);
    let mut out = vec![0_u8; expected.len()];
    argon2_into(&argon2, password.as_bytes(), salt.as_ref(), &mut out).is_ok()
        && argon2::password_hash::phc::Output::new(&out).is_ok_and(|computed| computed == expected)
}

/// Hashes a password with Argon2id and a random salt, in PHC string form.
pub fn hash_password(password: &str) -> Result<String, PasswordError> {
    use argon2::{
        Argon2, Params,
        password_hash::phc::{Output, ParamsString, PasswordHash, Salt},
    };
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(PasswordError::TooShort);
    }
    let argon2 = Argon2::default();
    let salt_bytes: [u8; 16] = rand::random();
    let mut out = [0_u8; Params::DEFAULT_OUTPUT_LEN];
    argon2_into(&argon2, password.as_bytes(), &salt_bytes, &mut out)
        .map_err(|_| PasswordError::Hashing)?;
    let hash = PasswordHash {
        algorithm: argon2::ARGON2ID_IDENT,
        version: Some(argon2::Version::default().into()),
        params: ParamsString::try_from(argon2.params()).map_err(|_| PasswordError::Hashing)?,
        salt: Some(Salt::new(&salt_bytes).map_err(|_| PasswordError::Hashing)?),
        hash: Some(Output::new(&out).map_err(|_| PasswordError::Hashing)?),
    };
    Ok(hash.to_string())
}

#[cfg(test)]
mod password_tests {
    use super::*;

    #[test]
    fn hashes_made_by_the_argon2_crate_and_by_colloquy_check_each_other() {
        use argon2::{PasswordHasher, PasswordVerifier, password_hash::phc::PasswordHash};
        let theirs = argon2::Argon2::default()
            .hash_password(b"an earlier password")
            .unwrap()
            .to_string();
        assert!(
            verify_password("an earlier password", &theirs),
            "stored hashes keep working"
        );
        assert!(!verify_password("another password", &theirs));
        let ours = hash_password("a new long password").unwrap();
        assert!(
            argon2::Argon2::default()
                .verify_password(b"a new long password", &PasswordHash::new(&ours).unwrap())
                .is_ok()
        );
        let greedy = ours.replace("m=19456", "m=4194304");
        assert!(
            !verify_password("a new long password", &greedy),
            "4 GiB is not spent on a check"
        );
    }

    #[test]
    fn passwords_are_hashed_with_argon2id_and_short_ones_refused() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert_ne!(hash, hash_password("correct horse battery").unwrap());
        assert_eq!(hash_password("short"), Err(PasswordError::TooShort));
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("wrong horse battery", &hash));
        assert!(!verify_password("anything", "not a hash"));
    }
}

/// A fresh secret for a mailed link, a session or a follow: 256 random bits, hex.
pub fn new_token() -> String {
    hex::encode(rand::random::<[u8; 32]>())
}

/// What the database keeps of a session's or a mailed link's token: its SHA-256, hex, so that a stolen
/// database yields no live session or link.
pub fn hash_token(token: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(token.as_bytes()))
}
