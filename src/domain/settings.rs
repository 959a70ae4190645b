//! A site's settings: title, time zone and the discussion settings of PRODUCT.md §5, with their defaults.
//!
//! Stored as text pairs; every value is checked here before it is stored, so what is stored always reads back.

use super::{calendar::SiteZone, grade::GradeScale};

/// Every setting of a site, typed, with WordPress's defaults where WordPress has one.
#[derive(Clone, Debug)]
pub struct SiteSettings {
    pub title: String,
    pub tagline: String,
    pub timezone: String,
    pub posts_per_page: u32,
    /// Hold every comment for moderation.
    pub comment_moderation: bool,
    /// Hold a comment with this many links or more; 0 turns the rule off.
    pub comment_max_links: u32,
    pub moderation_keys: String,
    pub disallowed_keys: String,
    /// A public commenter needs an earlier approved comment to be approved at once.
    pub comment_previously_approved: bool,
    /// Seconds between two comments from one address or email; 0 turns the check off.
    pub comment_flood_interval: u32,
    pub thread_comments_depth: u32,
    pub comments_per_page: u32,
    /// Close comments on posts older than this many days; 0 keeps them open.
    pub close_comments_days_old: u32,
    pub visibility: Visibility,
    /// The first day of the term (`YYYY-MM-DD`, the site's time zone); empty when not set.
    pub term_start: String,
    /// How many weeks the term lasts.
    pub term_weeks: u32,
    /// Grades are `points` (up to `grade_points`) or `letter`s.
    pub grade_letters: bool,
    /// The most points a grade gives, on the points scale.
    pub grade_points: u32,
    /// What becomes of a member's posts and comments when they leave the site.
    pub leavers_writing: LeaversWriting,
}

/// What becomes of the writing of a member who leaves a site (#18 point 6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LeaversWriting {
    /// Their posts and comments stay, shown as by "former student".
    Keep,
    /// Their posts and comments go to the trash, where staff can restore them.
    Trash,
}

impl LeaversWriting {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Keep => "keep",
            Self::Trash => "trash",
        }
    }
}

/// Who may read a site (PRODUCT.md §7).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Visibility {
    Public,
    /// Readable by anyone, but asks search engines not to index it.
    Hidden,
    /// Only signed-in members of the site read it.
    MembersOnly,
}

impl Visibility {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Public => "public",
            Self::Hidden => "hidden",
            Self::MembersOnly => "members",
        }
    }
}

impl Default for SiteSettings {
    fn default() -> Self {
        Self {
            title: "A course blog".into(),
            tagline: String::new(),
            timezone: "UTC".into(),
            posts_per_page: 10,
            comment_moderation: false,
            comment_max_links: 2,
            moderation_keys: String::new(),
            disallowed_keys: String::new(),
            comment_previously_approved: true,
            comment_flood_interval: 15,
            thread_comments_depth: 5,
            comments_per_page: 50,
            close_comments_days_old: 0,
            visibility: Visibility::Public,
            term_start: String::new(),
            term_weeks: 15,
            grade_letters: true,
            grade_points: 100,
            leavers_writing: LeaversWriting::Keep,
        }
    }
}

/// Why a setting could not be set.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SettingError {
    #[error("unknown setting '{0}' (known: {known})", known = KEYS.join(", "))]
    UnknownKey(String),
    #[error("'{key}' {expected}, not '{value}'")]
    BadValue {
        key: String,
        value: String,
        expected: &'static str,
    },
}

/// The names of all settings, in the order `site get` lists them.
pub const KEYS: &[&str] = &[
    "title",
    "tagline",
    "timezone",
    "posts_per_page",
    "comment_moderation",
    "comment_max_links",
    "moderation_keys",
    "disallowed_keys",
    "comment_previously_approved",
    "comment_flood_interval",
    "thread_comments_depth",
    "comments_per_page",
    "close_comments_days_old",
    "visibility",
    "term_start",
    "term_weeks",
    "grade_scale",
    "grade_points",
    "leavers_writing",
];

impl SiteSettings {
    /// Sets a stored value; one that no longer reads keeps the default (and is logged).
    pub fn apply_stored(&mut self, key: &str, value: &str) {
        if let Err(error) = self.set(key, value) {
            tracing::warn!(%error, "ignoring a stored setting");
        }
    }

    /// Checks and sets one setting; returns the value in the form it is stored in.
    pub fn set(&mut self, key: &str, value: &str) -> Result<String, SettingError> {
        let bad = |expected| SettingError::BadValue {
            key: key.into(),
            value: value.into(),
            expected,
        };
        let number = |low: u32, high: u32, expected| {
            value
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|n| (low..=high).contains(n))
                .ok_or_else(|| bad(expected))
        };
        let flag =
            || parse_flag(value).ok_or_else(|| bad("is on or off (true/false, yes/no, 1/0)"));
        match key {
            "title" => {
                let title = value.trim();
                if title.is_empty() || title.chars().count() > 200 {
                    return Err(bad("is between 1 and 200 characters"));
                }
                self.title = title.into();
            }
            "tagline" => {
                if value.chars().count() > 300 {
                    return Err(bad("is at most 300 characters"));
                }
                self.tagline = value.trim().into();
            }
            "timezone" => {
                let name = value.trim();
                SiteZone::named(name)
                    .ok_or_else(|| bad("is an IANA time zone such as UTC or Europe/Paris"))?;
                self.timezone = name.into();
            }
            "posts_per_page" => self.posts_per_page = number(1, 100, "is a number from 1 to 100")?,
            "comment_moderation" => self.comment_moderation = flag()?,
            "comment_max_links" => {
                self.comment_max_links = number(0, 1000, "is a number from 0 (off) to 1000")?
            }
            "moderation_keys" => self.moderation_keys = normalize_word_list(value),
            "disallowed_keys" => self.disallowed_keys = normalize_word_list(value),
            "comment_previously_approved" => self.comment_previously_approved = flag()?,
            "comment_flood_interval" => {
                self.comment_flood_interval =
                    number(0, 86_400, "is a number of seconds from 0 (off) to 86400")?;
            }
            "thread_comments_depth" => {
                self.thread_comments_depth = number(1, 10, "is a number from 1 to 10")?
            }
            "comments_per_page" => {
                self.comments_per_page = number(5, 500, "is a number from 5 to 500")?
            }
            "close_comments_days_old" => {
                self.close_comments_days_old =
                    number(0, 36_500, "is a number of days, 0 for never")?;
            }
            "visibility" => {
                self.visibility = match value.trim() {
                    "public" => Visibility::Public,
                    "hidden" => Visibility::Hidden,
                    "members" => Visibility::MembersOnly,
                    _ => {
                        return Err(bad(
                            "is public, hidden (from search engines) or members (members only)",
                        ));
                    }
                };
            }
            "term_start" => {
                let date = value.trim();
                // Kept as the date alone (jiff also reads "2026-09-01T00:00" as a date), the form the date
                // picker shows.
                self.term_start = if date.is_empty() {
                    String::new()
                } else {
                    date.parse::<jiff::civil::Date>()
                        .map_err(|_| bad("is a date such as 2026-09-01, or empty"))?
                        .to_string()
                };
            }
            "term_weeks" => self.term_weeks = number(1, 60, "is a number of weeks from 1 to 60")?,
            "grade_scale" => {
                self.grade_letters = match value.trim() {
                    "points" => false,
                    "letter" => true,
                    _ => return Err(bad("is points (up to a maximum) or letter (A+ to F)")),
                };
            }
            "grade_points" => {
                self.grade_points = number(1, 10_000, "is a number of points from 1 to 10000")?
            }
            "leavers_writing" => {
                self.leavers_writing = match value.trim() {
                    "keep" => LeaversWriting::Keep,
                    "trash" => LeaversWriting::Trash,
                    _ => {
                        return Err(bad(
                            "is keep (shown as by \"former student\") or trash (staff can restore it)",
                        ));
                    }
                };
            }
            _ => return Err(SettingError::UnknownKey(key.into())),
        }
        Ok(self.get(key).unwrap_or_default())
    }

    /// One setting as text; `None` for an unknown key.
    pub fn get(&self, key: &str) -> Option<String> {
        Some(match key {
            "title" => self.title.clone(),
            "tagline" => self.tagline.clone(),
            "timezone" => self.timezone.clone(),
            "posts_per_page" => self.posts_per_page.to_string(),
            "comment_moderation" => self.comment_moderation.to_string(),
            "comment_max_links" => self.comment_max_links.to_string(),
            "moderation_keys" => self.moderation_keys.clone(),
            "disallowed_keys" => self.disallowed_keys.clone(),
            "comment_previously_approved" => self.comment_previously_approved.to_string(),
            "comment_flood_interval" => self.comment_flood_interval.to_string(),
            "thread_comments_depth" => self.thread_comments_depth.to_string(),
            "comments_per_page" => self.comments_per_page.to_string(),
            "close_comments_days_old" => self.close_comments_days_old.to_string(),
            "visibility" => self.visibility.as_str().to_owned(),
            "term_start" => self.term_start.clone(),
            "term_weeks" => self.term_weeks.to_string(),
            "grade_scale" => if self.grade_letters {
                "letter"
            } else {
                "points"
            }
            .to_owned(),
            "grade_points" => self.grade_points.to_string(),
            "leavers_writing" => self.leavers_writing.as_str().to_owned(),
            _ => return None,
        })
    }

    /// The scale grades are given on.
    pub fn grade_scale(&self) -> GradeScale {
        if self.grade_letters {
            GradeScale::Letter
        } else {
            GradeScale::Points {
                max: self.grade_points,
            }
        }
    }

    pub fn zone(&self) -> SiteZone {
        SiteZone::named(&self.timezone).unwrap_or_else(SiteZone::utc)
    }
}

fn parse_flag(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Some(true),
        "0" | "false" | "no" | "off" => Some(false),
        _ => None,
    }
}

/// One word or phrase a line, as WordPress keeps its moderation and disallowed lists.
fn normalize_word_list(value: &str) -> String {
    value
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_wordpress_defaults() {
        let settings = SiteSettings::default();
        assert_eq!(settings.comment_flood_interval, 15);
        assert_eq!(settings.comment_max_links, 2);
        assert_eq!(settings.thread_comments_depth, 5);
        assert!(settings.comment_previously_approved);
    }

    #[test]
    fn values_are_checked_before_they_are_kept() {
        let mut settings = SiteSettings::default();
        assert_eq!(settings.set("comment_flood_interval", "0"), Ok("0".into()));
        assert!(settings.set("comment_flood_interval", "-1").is_err());
        assert!(settings.set("timezone", "Nowhere/Special").is_err());
        assert_eq!(
            settings.set("timezone", "Europe/Paris"),
            Ok("Europe/Paris".into())
        );
        assert_eq!(settings.set("comment_moderation", "yes"), Ok("true".into()));
        assert!(matches!(
            settings.set("colour", "blue"),
            Err(SettingError::UnknownKey(_))
        ));
    }

    #[test]
    fn visibility_has_three_choices() {
        let mut settings = SiteSettings::default();
        assert_eq!(settings.visibility, Visibility::Public);
        assert_eq!(settings.set("visibility", "members"), Ok("members".into()));
        assert_eq!(settings.visibility, Visibility::MembersOnly);
        assert!(settings.set("visibility", "secret").is_err());
    }

    #[test]
    fn the_term_is_a_start_date_and_a_number_of_weeks() {
        let mut settings = SiteSettings::default();
        assert_eq!(
            settings.set("term_start", " 2026-09-01 "),
            Ok("2026-09-01".into())
        );
        assert!(settings.set("term_start", "2026-02-30").is_err());
        assert!(settings.set("term_start", "next monday").is_err());
        assert_eq!(
            settings.set("term_start", "2026-09-01T00:00"),
            Ok("2026-09-01".into())
        );
        assert_eq!(settings.set("term_start", ""), Ok(String::new()));
        assert!(settings.set("term_weeks", "0").is_err());
        assert_eq!(settings.set("term_weeks", "12"), Ok("12".into()));
    }

    #[test]
    fn grades_are_points_up_to_a_maximum_or_letters() {
        let mut settings = SiteSettings::default();
        assert_eq!(settings.grade_scale(), GradeScale::Letter);
        assert_eq!(settings.set("grade_scale", "points"), Ok("points".into()));
        assert_eq!(settings.set("grade_points", "20"), Ok("20".into()));
        assert_eq!(settings.grade_scale(), GradeScale::Points { max: 20 });
        assert!(settings.set("grade_scale", "stars").is_err());
        assert!(settings.set("grade_points", "0").is_err());
    }

    #[test]
    fn a_leavers_writing_is_kept_unless_the_site_says_trash() {
        let mut settings = SiteSettings::default();
        assert_eq!(settings.leavers_writing, LeaversWriting::Keep);
        assert_eq!(
            settings.set("leavers_writing", " trash "),
            Ok("trash".into())
        );
        assert_eq!(settings.leavers_writing, LeaversWriting::Trash);
        assert!(settings.set("leavers_writing", "delete").is_err());
        assert_eq!(settings.leavers_writing, LeaversWriting::Trash);
    }

    #[test]
    fn word_lists_keep_one_phrase_a_line() {
        let mut settings = SiteSettings::default();
        let stored = settings.set("moderation_keys", "  casino \n\n cheap pills\n");
        assert_eq!(stored, Ok("casino\ncheap pills".into()));
    }

    #[test]
    fn stored_pairs_read_back_over_the_defaults() {
        let mut settings = SiteSettings::default();
        for (key, value) in [
            ("title", "History 101"),
            ("comment_max_links", "5"),
            ("colour", "blue"),
        ] {
            settings.apply_stored(key, value);
        }
        assert_eq!(settings.title, "History 101");
        assert_eq!(settings.comment_max_links, 5);
        assert_eq!(settings.posts_per_page, 10);
    }
}
