//! Dates in a site's time zone: permalink dates, date-archive ranges and the dates people read.
//!
//! Timestamps are Unix seconds (UTC) everywhere in the store; a site's time zone only decides how they are
//! shown and which local day, month or year they fall in.

use jiff::{Timestamp, ToSpan, ZonedDateTime, civil::Date, tz::TimeZone};

/// A site's time zone, by IANA name (`UTC` unless the instructor sets one).
#[derive(Clone, Debug)]
pub struct SiteZone(TimeZone);

impl SiteZone {
    /// Looks a zone up by its IANA name; `None` when the name is unknown.
    pub fn named(name: &str) -> Option<Self> {
        TimeZone::get(name).ok().map(Self)
    }

    pub fn utc() -> Self {
        Self(TimeZone::UTC)
    }

    fn zoned(&self, unix_seconds: i64) -> ZonedDateTime {
        Timestamp::from_second(unix_seconds)
            .unwrap_or(Timestamp::UNIX_EPOCH)
            .to_zoned_datetime(self.0.clone())
    }

    /// The local calendar date of a moment: the date in a post's permalink.
    pub fn local_date(&self, unix_seconds: i64) -> LocalDate {
        let zoned = self.zoned(unix_seconds);
        LocalDate {
            year: zoned.year(),
            month: zoned.month(),
            day: zoned.day(),
        }
    }

    /// "November 29, 2026", as WordPress shows a post's date.
    pub fn long_date(&self, unix_seconds: i64) -> String {
        self.zoned(unix_seconds).strftime("%B %-d, %Y").to_string()
    }

    /// "November 29, 2026 at 9:05 am", as WordPress shows a comment's date.
    pub fn long_date_time(&self, unix_seconds: i64) -> String {
        let zoned = self.zoned(unix_seconds);
        let hour = match zoned.hour() % 12 {
            0 => 12,
            hour => hour,
        };
        let meridiem = if zoned.hour() < 12 { "am" } else { "pm" };
        format!(
            "{} at {hour}:{:02} {meridiem}",
            self.long_date(unix_seconds),
            zoned.minute()
        )
    }

    /// "November 2026": the month a moment falls in, for a monthly archive's heading.
    pub fn month_year(&self, unix_seconds: i64) -> String {
        self.zoned(unix_seconds).strftime("%B %Y").to_string()
    }

    /// A date and time as a `datetime-local` field shows it ("2026-09-01T09:00"), in this zone.
    pub fn local_input(&self, unix_seconds: i64) -> String {
        self.zoned(unix_seconds)
            .strftime("%Y-%m-%dT%H:%M")
            .to_string()
    }

    /// Reads a `datetime-local` value ("2026-09-01T09:00", seconds optional) as a time in this zone.
    pub fn parse_local(&self, text: &str) -> Option<i64> {
        let civil: jiff::civil::DateTime = text.trim().parse().ok()?;
        Some(
            civil
                .to_zoned_datetime(self.0.clone())
                .ok()?
                .timestamp()
                .as_second(),
        )
    }

    /// A moment as WordPress stores dates ("2026-11-29 09:05:00"), in this zone.
    pub fn wordpress(&self, unix_seconds: i64) -> String {
        self.zoned(unix_seconds)
            .strftime("%Y-%m-%d %H:%M:%S")
            .to_string()
    }

    /// Machine-readable date and time for `<time datetime>`.
    pub fn iso(&self, unix_seconds: i64) -> String {
        self.zoned(unix_seconds)
            .strftime("%Y-%m-%dT%H:%M:%S%:z")
            .to_string()
    }

    /// The start of a local day given as `YYYY-MM-DD`, and of each of the `count` days or weeks after it:
    /// `step_days` apart in local time (so a week stays a week across a change of the clocks).
    pub fn day_starts(&self, date: &str, step_days: i32, count: u32) -> Option<Vec<i64>> {
        let first: Date = date.trim().parse().ok()?;
        (0..=count)
            .map(|index| {
                let day = first
                    .checked_add((step_days * i32::try_from(index).ok()?).days())
                    .ok()?;
                Some(
                    day.to_zoned_datetime(self.0.clone())
                        .ok()?
                        .timestamp()
                        .as_second(),
                )
            })
            .collect()
    }

    /// A local date as a date field shows it: `2026-09-01`.
    pub fn date_input(&self, unix_seconds: i64) -> String {
        self.zoned(unix_seconds).strftime("%Y-%m-%d").to_string()
    }

    /// "Sep 1": a short local date for tables and charts.
    pub fn short_date(&self, unix_seconds: i64) -> String {
        self.zoned(unix_seconds).strftime("%b %-d").to_string()
    }

    /// The half-open range of Unix seconds covered by a local year, month or day; `None` for a date that does
    /// not exist (month 13, February 30).
    pub fn range(&self, year: i16, month: Option<i8>, day: Option<i8>) -> Option<(i64, i64)> {
        let start = Date::new(year, month.unwrap_or(1), day.unwrap_or(1)).ok()?;
        let end = match (month, day) {
            (_, Some(_)) => start.checked_add(1.day()).ok()?,
            (Some(_), None) => start.checked_add(1.month()).ok()?,
            (None, None) => start.checked_add(1.year()).ok()?,
        };
        let start = start
            .to_zoned_datetime(self.0.clone())
            .ok()?
            .timestamp()
            .as_second();
        let end = end
            .to_zoned_datetime(self.0.clone())
            .ok()?
            .timestamp()
            .as_second();
        Some((start, end))
    }
}

/// A calendar date in a site's time zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LocalDate {
    pub year: i16,
    pub month: i8,
    pub day: i8,
}

/// The time zones a site may choose from: UTC and the IANA names of places (`Europe/Paris`), sorted; the
/// database's older aliases (`US/Eastern`, `EST5EDT`) are left out, though a site set to one keeps it.
pub fn zone_names() -> Vec<String> {
    const REGIONS: [&str; 9] = [
        "Africa/",
        "America/",
        "Antarctica/",
        "Asia/",
        "Atlantic/",
        "Australia/",
        "Europe/",
        "Indian/",
        "Pacific/",
    ];
    let mut names: Vec<String> = jiff::tz::db()
        .available()
        .map(|name| name.as_str().to_owned())
        .filter(|name| REGIONS.iter().any(|region| name.starts_with(region)))
        .collect();
    names.sort();
    names.dedup();
    names.insert(0, "UTC".to_owned());
    names
}

/// A moment as RSS dates it (RFC 2822, UTC): "Sun, 29 Nov 2026 09:05:00 +0000".
pub fn rfc2822(unix_seconds: i64) -> String {
    SiteZone::utc()
        .zoned(unix_seconds)
        .strftime("%a, %d %b %Y %H:%M:%S +0000")
        .to_string()
}

/// A moment in RFC 3339, UTC: "2026-11-29T09:05:00+00:00".
pub fn rfc3339_utc(unix_seconds: i64) -> String {
    SiteZone::utc().iso(unix_seconds)
}

/// A moment as HTTP dates it (`Last-Modified`): "Sun, 29 Nov 2026 09:05:00 GMT".
pub fn http_date(unix_seconds: i64) -> String {
    SiteZone::utc()
        .zoned(unix_seconds)
        .strftime("%a, %d %b %Y %H:%M:%S GMT")
        .to_string()
}

/// Parses an RFC 3339 date and time ("2026-09-01T09:00:00Z" or with an offset) into Unix seconds.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    text.parse::<Timestamp>()
        .ok()
        .map(|moment| moment.as_second())
}

/// The current time in Unix seconds.
pub fn now() -> i64 {
    Timestamp::now().as_second()
}

/// The time a server goes by: the system's, moved on by however much it was told to (tests set it, to see what a
/// later day does). Clones share it.
#[derive(Clone, Debug, Default)]
pub struct Clock {
    ahead_seconds: std::sync::Arc<std::sync::atomic::AtomicI64>,
}

impl Clock {
    /// The current time in Unix seconds.
    pub fn now(&self) -> i64 {
        now()
            + self
                .ahead_seconds
                .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Moves the clock on by `seconds`.
    pub fn advance(&self, seconds: i64) {
        self.ahead_seconds
            .fetch_add(seconds, std::sync::atomic::Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_zone_list_holds_places_each_of_which_is_a_zone() {
        let names = zone_names();
        assert_eq!(names[0], "UTC");
        for wanted in [
            "America/New_York",
            "Europe/Paris",
            "Asia/Kolkata",
            "Pacific/Auckland",
        ] {
            assert!(names.iter().any(|name| name == wanted), "{wanted}");
        }
        assert!(
            !names
                .iter()
                .any(|name| name == "US/Eastern" || name == "EST5EDT")
        );
        assert!(names.len() > 300);
        assert!(names.iter().all(|name| SiteZone::named(name).is_some()));
    }

    #[test]
    fn a_clock_moved_on_is_ahead_for_every_clone() {
        let clock = Clock::default();
        let shared = clock.clone();
        clock.advance(2 * 86_400);
        let ahead = shared.now() - now();
        assert!((2 * 86_400..=2 * 86_400 + 1).contains(&ahead), "{ahead}");
    }

    #[test]
    fn a_late_evening_utc_post_falls_on_the_next_day_in_tokyo() {
        let moment = parse_rfc3339("2026-03-01T20:00:00Z").unwrap_or_default();
        let tokyo = SiteZone::named("Asia/Tokyo").unwrap_or_else(SiteZone::utc);
        assert_eq!(
            tokyo.local_date(moment),
            LocalDate {
                year: 2026,
                month: 3,
                day: 2
            }
        );
        assert_eq!(
            SiteZone::utc().local_date(moment),
            LocalDate {
                year: 2026,
                month: 3,
                day: 1
            }
        );
    }

    #[test]
    fn month_ranges_follow_the_zone_and_the_calendar() {
        let utc = SiteZone::utc();
        let (start, end) = utc.range(2024, Some(2), None).unwrap_or_default();
        assert_eq!(end - start, 29 * 86_400);
        let new_york = SiteZone::named("America/New_York").unwrap_or_else(SiteZone::utc);
        let (ny_start, _) = new_york.range(2024, Some(2), None).unwrap_or_default();
        assert_eq!(ny_start - start, 5 * 3_600);
    }

    #[test]
    fn impossible_dates_have_no_range() {
        assert!(SiteZone::utc().range(2026, Some(13), None).is_none());
        assert!(SiteZone::utc().range(2026, Some(2), Some(30)).is_none());
    }

    #[test]
    fn datetime_fields_are_read_and_written_in_the_zone() {
        let paris = SiteZone::named("Europe/Paris").unwrap_or_else(SiteZone::utc);
        let moment = paris.parse_local("2026-07-01T09:30").unwrap_or_default();
        assert_eq!(
            moment,
            parse_rfc3339("2026-07-01T07:30:00Z").unwrap_or_default()
        );
        assert_eq!(paris.local_input(moment), "2026-07-01T09:30");
        assert!(paris.parse_local("tomorrow").is_none());
    }

    #[test]
    fn feed_and_http_dates() {
        let moment = parse_rfc3339("2026-11-29T09:05:00Z").unwrap_or_default();
        assert_eq!(rfc2822(moment), "Sun, 29 Nov 2026 09:05:00 +0000");
        assert_eq!(http_date(moment), "Sun, 29 Nov 2026 09:05:00 GMT");
    }

    #[test]
    fn unknown_zone_names_are_refused() {
        assert!(SiteZone::named("Mars/Olympus_Mons").is_none());
    }

    #[test]
    fn dates_read_like_wordpress() {
        let moment = parse_rfc3339("2026-11-29T13:05:00Z").unwrap_or_default();
        assert_eq!(
            SiteZone::utc().long_date_time(moment),
            "November 29, 2026 at 1:05 pm"
        );
    }
}
