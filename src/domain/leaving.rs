//! A member leaving a site (#18 point 6): who may, what becomes of their writing, and what staff are told.

use super::{settings::LeaversWriting, user::Role};

/// The name a post or comment kept on a site its writer left shows instead of theirs.
pub const FORMER_MEMBER: &str = "former student";

/// Why a member may not leave a site.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LeaveRefusal {
    #[error(
        "You are this course's only administrator: make another member an administrator on the Members page \
         before you leave, so that someone can still run it. Nothing was changed."
    )]
    LastAdministrator,
}

/// Whether a member with `role` may leave a site that has `administrators` administrators, them included.
pub fn may_leave(role: Role, administrators: usize) -> Result<(), LeaveRefusal> {
    if role == Role::Administrator && administrators <= 1 {
        Err(LeaveRefusal::LastAdministrator)
    } else {
        Ok(())
    }
}

/// What leaving did to the member's writing on the site.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Left {
    pub writing: LeaversWriting,
    pub posts: u64,
    pub comments: u64,
}

/// What becomes of a member's writing, as the page that asks them to confirm says it.
pub fn what_happens(writing: LeaversWriting) -> &'static str {
    match writing {
        LeaversWriting::Keep => {
            "Your posts and comments stay on the course, shown as by \u{201c}former student\u{201d}: neither your \
             name nor your email address is shown with them."
        }
        LeaversWriting::Trash => {
            "Your posts and comments go to the trash: they disappear from the course, and only its staff can \
             restore them."
        }
    }
}

/// The mail each administrator of the site gets: (subject, body).
pub fn staff_notice(course: &str, name: &str, email: &str, left: &Left) -> (String, String) {
    let plural = |count: u64, one: &str, many: &str| {
        if count == 1 {
            format!("1 {one}")
        } else {
            format!("{count} {many}")
        }
    };
    let writing = format!(
        "{} and {}",
        plural(left.posts, "post", "posts"),
        plural(left.comments, "comment", "comments")
    );
    let fate = match left.writing {
        LeaversWriting::Keep => format!(
            "Their {writing} stay on the course, shown as by \u{201c}{FORMER_MEMBER}\u{201d}, without their name \
             or email address."
        ),
        LeaversWriting::Trash => format!(
            "Their {writing} went to the trash, as the course's settings say: you can restore them from the \
             Posts and Comments pages of the dashboard."
        ),
    };
    (
        format!("{name} left {course}"),
        format!(
            "{name} ({email}) left {course} and is no longer a member.\n\n{fate}\n\nThe account stays for any \
             other course it belongs to.\n"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anyone_may_leave_but_the_last_administrator() {
        assert_eq!(may_leave(Role::Author, 1), Ok(()));
        assert_eq!(may_leave(Role::Subscriber, 0), Ok(()));
        assert_eq!(may_leave(Role::Editor, 0), Ok(()));
        assert_eq!(may_leave(Role::Administrator, 2), Ok(()));
        assert_eq!(
            may_leave(Role::Administrator, 1),
            Err(LeaveRefusal::LastAdministrator)
        );
    }

    #[test]
    fn staff_are_told_who_left_and_where_their_writing_went() {
        let kept = Left {
            writing: LeaversWriting::Keep,
            posts: 2,
            comments: 1,
        };
        let (subject, body) = staff_notice("History 220", "Sam Student", "sam@example.edu", &kept);
        assert_eq!(subject, "Sam Student left History 220");
        assert!(body.contains("Sam Student (sam@example.edu) left History 220"));
        assert!(body.contains("2 posts and 1 comment stay"));
        assert!(body.contains("former student"));
        let trashed = Left {
            writing: LeaversWriting::Trash,
            ..kept
        };
        let (_, body) = staff_notice("History 220", "Sam", "sam@example.edu", &trashed);
        assert!(body.contains("went to the trash"));
    }
}
