//! Reading a class roster pasted from a registrar's export: one person a line, `name,email` or
//! `name,email,student id` (CSV, so a name with a comma comes in quotes). A header line is skipped; a line that
//! does not read is reported, not fatal.

use super::{
    grade,
    user::{is_one_line, is_valid_email},
};

/// A person on the roster.
#[derive(Debug, PartialEq, Eq)]
pub struct Student {
    pub name: String,
    pub email: String,
    /// The third column, when given: a university's number for the gradebook.
    pub student_id: Option<String>,
}

/// A line that could not be read, with why.
#[derive(Debug, PartialEq, Eq)]
pub struct BadLine {
    pub number: usize,
    pub text: String,
    pub reason: &'static str,
}

pub fn parse(text: &str) -> (Vec<Student>, Vec<BadLine>) {
    let mut students = Vec::new();
    let mut bad = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim().trim_start_matches('\u{feff}');
        if line.is_empty() {
            continue;
        }
        let fields = split_csv(line);
        let name = fields.first().map(|field| field.trim()).unwrap_or_default();
        let email = fields.get(1).map(|field| field.trim()).unwrap_or_default();
        let student_id = grade::student_id(fields.get(2).map(String::as_str).unwrap_or_default());
        let is_header = index == 0
            && name.eq_ignore_ascii_case("name")
            && email.to_ascii_lowercase().contains("mail");
        if is_header {
            continue;
        }
        let bad_line = |reason| BadLine {
            number: index + 1,
            text: line.to_owned(),
            reason,
        };
        if fields.len() < 2 {
            bad.push(bad_line(
                "expected a name and an email separated by a comma",
            ));
        } else if name.is_empty() {
            bad.push(bad_line("the name is empty"));
        } else if !is_one_line(name) {
            bad.push(bad_line(
                "the name holds a line break, tab or other control character",
            ));
        } else if !is_valid_email(email) {
            bad.push(bad_line("the email address is not valid"));
        } else if students
            .iter()
            .any(|student: &Student| student.email.eq_ignore_ascii_case(email))
        {
            bad.push(bad_line("this email is already on an earlier line"));
        } else if student_id.is_err() {
            bad.push(bad_line(
                "the student id (third column) is letters and digits, at most 40 characters, without spaces",
            ));
        } else {
            students.push(Student {
                name: name.to_owned(),
                email: email.to_owned(),
                student_id: student_id.ok().flatten(),
            });
        }
    }
    (students, bad)
}

/// Splits one CSV line: commas separate fields; double quotes enclose a field, `""` is a quote inside one.
fn split_csv(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(ch) = chars.next() {
        match (ch, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(std::mem::take(&mut field)),
            (other, _) => field.push(other),
        }
    }
    fields.push(field);
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_registrar_export_reads_with_its_header_skipped() {
        let (students, bad) = parse(
            "Name,Email,Student ID\nAda Lovelace,ada@example.edu\n\"Hopper, Grace\",grace@example.edu, S-1207 \n",
        );
        assert!(bad.is_empty(), "{bad:?}");
        assert_eq!(
            students,
            [
                Student {
                    name: "Ada Lovelace".into(),
                    email: "ada@example.edu".into(),
                    student_id: None,
                },
                Student {
                    name: "Hopper, Grace".into(),
                    email: "grace@example.edu".into(),
                    student_id: Some("S-1207".into()),
                },
            ]
        );
    }

    #[test]
    fn bad_lines_are_reported_and_the_rest_kept() {
        let (students, bad) = parse(
            "Ada,ada@example.edu\nBob,not-an-email\nJust a name\n,x@example.edu\nAda again,ADA@example.edu\n\
             Cy,cy@example.edu,=1+2",
        );
        assert_eq!(students.len(), 1);
        assert_eq!(
            bad.iter().map(|line| line.number).collect::<Vec<_>>(),
            [2, 3, 4, 5, 6]
        );
        assert!(bad[4].reason.contains("student id"));
        assert_eq!(bad[0].reason, "the email address is not valid");
    }
}
