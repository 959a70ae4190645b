//! Participation: what each member wrote, week by week of the term, counted as the site shows it (published
//! posts, approved comments; nothing held, spam, trashed or private).

/// Something a member did, or received.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Activity {
    Post {
        words: u64,
    },
    Comment {
        words: u64,
    },
    /// Another person's approved comment on the member's post or in reply to the member's comment.
    ReplyReceived,
    /// A citation of a reading's page in the member's post or comment.
    Citation,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Event {
    pub member_id: i64,
    pub at: i64,
    pub activity: Activity,
}

/// The counts of one member (or the class) over some time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub posts: u64,
    pub comments: u64,
    pub replies_received: u64,
    pub words: u64,
    pub citations: u64,
}

impl Counts {
    fn add(&mut self, activity: Activity) {
        match activity {
            Activity::Post { words } => {
                self.posts += 1;
                self.words += words;
            }
            Activity::Comment { words } => {
                self.comments += 1;
                self.words += words;
            }
            Activity::ReplyReceived => self.replies_received += 1,
            Activity::Citation => self.citations += 1,
        }
    }

    fn merge(&mut self, other: &Counts) {
        self.posts += other.posts;
        self.comments += other.comments;
        self.replies_received += other.replies_received;
        self.words += other.words;
        self.citations += other.citations;
    }

    /// Posts and comments: what a participation grade usually counts.
    pub fn contributions(&self) -> u64 {
        self.posts + self.comments
    }
}

/// One member's row: a count for each week, and the total.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    pub member_id: i64,
    pub weeks: Vec<Counts>,
    pub total: Counts,
}

/// The whole report: the weeks' starts, each member's row, and the class's weeks and total.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    /// The start of each week; the last entry is the end of the last week.
    pub boundaries: Vec<i64>,
    pub rows: Vec<Row>,
    pub class_weeks: Vec<Counts>,
    pub class_total: Counts,
}

/// Counts each event in its member's week (`boundaries` are the weeks' starts and the end of the last);
/// events of others, or outside the weeks, are left out. Rows follow the order of `members`.
pub fn tally(boundaries: &[i64], members: &[i64], events: &[Event]) -> Report {
    let week_count = boundaries.len().saturating_sub(1);
    let mut rows: Vec<Row> = members
        .iter()
        .map(|member_id| Row {
            member_id: *member_id,
            weeks: vec![Counts::default(); week_count],
            total: Counts::default(),
        })
        .collect();
    for event in events {
        let Some(row) = rows.iter_mut().find(|row| row.member_id == event.member_id) else {
            continue;
        };
        let Some(week) = week_of(boundaries, event.at) else {
            continue;
        };
        row.weeks[week].add(event.activity);
        row.total.add(event.activity);
    }
    let mut class_weeks = vec![Counts::default(); week_count];
    let mut class_total = Counts::default();
    for row in &rows {
        for (class_week, week) in class_weeks.iter_mut().zip(&row.weeks) {
            class_week.merge(week);
        }
        class_total.merge(&row.total);
    }
    Report {
        boundaries: boundaries.to_vec(),
        rows,
        class_weeks,
        class_total,
    }
}

/// A grade given with private feedback on a member's post (or on their comment under it): the member's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grade {
    pub member_id: i64,
    /// When it was given; a later grade on the same assignment replaces an earlier one.
    pub at: i64,
    pub grade: String,
    pub post_title: String,
    /// The assignment category the post is in, if any.
    pub assignment: Option<i64>,
}

/// A member's grade for an assignment: the last given on their posts in it.
pub fn assignment_grade(grades: &[Grade], member_id: i64, assignment: i64) -> Option<&str> {
    grades
        .iter()
        .filter(|grade| grade.member_id == member_id && grade.assignment == Some(assignment))
        .max_by_key(|grade| grade.at)
        .map(|grade| grade.grade.as_str())
}

/// The week a moment falls in.
fn week_of(boundaries: &[i64], at: i64) -> Option<usize> {
    let after = boundaries.partition_point(|start| *start <= at);
    (after > 0 && after < boundaries.len()).then(|| after - 1)
}

/// Words in a text, as a word processor counts them.
pub fn word_count(text: &str) -> u64 {
    text.split_whitespace()
        .filter(|word| word.chars().any(char::is_alphanumeric))
        .count() as u64
}

/// A cell for a spreadsheet: text that a spreadsheet would run as a formula is kept as text.
pub fn spreadsheet_safe(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WEEK: i64 = 7 * 86_400;

    fn event(member_id: i64, at: i64, activity: Activity) -> Event {
        Event {
            member_id,
            at,
            activity,
        }
    }

    #[test]
    fn events_are_counted_in_their_members_week() {
        let boundaries = [0, WEEK, 2 * WEEK];
        let events = [
            event(1, 10, Activity::Post { words: 300 }),
            event(1, WEEK + 5, Activity::Comment { words: 40 }),
            event(1, WEEK + 6, Activity::Citation),
            event(2, WEEK - 1, Activity::Comment { words: 10 }),
            event(2, WEEK - 1, Activity::ReplyReceived),
            event(3, 10, Activity::Post { words: 1 }),
            event(1, 2 * WEEK, Activity::Post { words: 5 }),
            event(1, -1, Activity::Post { words: 5 }),
        ];
        let report = tally(&boundaries, &[2, 1], &events);
        assert_eq!(report.rows[0].member_id, 2);
        assert_eq!(report.rows[0].weeks[0].comments, 1);
        assert_eq!(report.rows[0].weeks[0].replies_received, 1);
        let first = &report.rows[1];
        assert_eq!(first.weeks[0].posts, 1);
        assert_eq!(first.weeks[1].comments, 1);
        assert_eq!(first.weeks[1].citations, 1);
        assert_eq!(first.total.words, 340);
        assert_eq!(first.total.contributions(), 2);
        assert_eq!(report.class_weeks[0].contributions(), 2);
        assert_eq!(report.class_total.words, 350);
    }

    #[test]
    fn an_assignments_grade_is_the_last_given() {
        let grade = |member_id, at, text: &str, assignment| Grade {
            member_id,
            at,
            grade: text.into(),
            post_title: "Response".into(),
            assignment,
        };
        let grades = [
            grade(1, 20, "9", Some(7)),
            grade(1, 10, "6", Some(7)),
            grade(1, 30, "2", None),
            grade(2, 40, "5", Some(7)),
        ];
        assert_eq!(assignment_grade(&grades, 1, 7), Some("9"));
        assert_eq!(assignment_grade(&grades, 2, 7), Some("5"));
        assert_eq!(assignment_grade(&grades, 1, 8), None);
        assert_eq!(assignment_grade(&grades, 3, 7), None);
    }

    #[test]
    fn words_are_counted_as_people_count_them() {
        assert_eq!(word_count("One two — three, four!  "), 4);
        assert_eq!(word_count(""), 0);
    }

    #[test]
    fn formulas_never_reach_a_spreadsheet() {
        assert_eq!(spreadsheet_safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(spreadsheet_safe("-2+3"), "'-2+3");
        assert_eq!(spreadsheet_safe("Ana"), "Ana");
    }
}
