//! Grades: the scale a site grades on (points up to a maximum, or letters) and a grade read against it; a
//! member's student id (a university's number, which gradebooks match rows on).

/// The letters a letter grade is one of, best first.
pub const LETTERS: &[&str] = &[
    "A+", "A", "A-", "B+", "B", "B-", "C+", "C", "C-", "D+", "D", "D-", "F",
];

/// How a site grades (the `grade_scale` and `grade_points` settings).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GradeScale {
    /// A number of points from 0 to `max` (halves and tenths allowed: 8.5).
    Points { max: u32 },
    /// A letter from A+ to F.
    Letter,
}

impl GradeScale {
    /// The grade as it is kept (`8.5`, `B+`), or the sentence that says why it is not on the scale.
    pub fn read(self, typed: &str) -> Result<String, String> {
        let grade = typed.trim();
        match self {
            Self::Points { max } => {
                let number = grade
                    .strip_suffix(&format!("/{max}"))
                    .unwrap_or(grade)
                    .trim();
                let valid = number.chars().all(|ch| ch.is_ascii_digit() || ch == '.')
                    && number.chars().filter(|ch| *ch == '.').count() <= 1
                    && !number.starts_with('.')
                    && !number.ends_with('.')
                    && number.len() <= 10;
                match number.parse::<f64>() {
                    Ok(points) if valid && points <= f64::from(max) => {
                        Ok(normalized_number(number))
                    }
                    _ => Err(format!(
                        "“{grade}” is not on this course's scale: give a number of points from 0 to {max}."
                    )),
                }
            }
            Self::Letter => {
                let upper = grade.to_uppercase();
                LETTERS
                    .iter()
                    .find(|letter| **letter == upper)
                    .map(|letter| (*letter).to_owned())
                    .ok_or_else(|| {
                        format!(
                            "“{grade}” is not on this course's scale: give a letter grade: {}.",
                            LETTERS.join(", ")
                        )
                    })
            }
        }
    }

    /// The scale in words, for the grade field's label.
    pub fn describe(self) -> String {
        match self {
            Self::Points { max } => format!("0 to {max} points"),
            Self::Letter => "A+ to F".to_owned(),
        }
    }

    /// What a gradebook's "Points Possible" row holds for a graded column (nothing for letters).
    pub fn points_possible(self) -> Option<u32> {
        match self {
            Self::Points { max } => Some(max),
            Self::Letter => None,
        }
    }
}

/// `08.50` as `8.5`: the digits a gradebook reads, without leading or trailing zeros.
fn normalized_number(number: &str) -> String {
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    let whole = whole.trim_start_matches('0');
    let fraction = fraction.trim_end_matches('0');
    let whole = if whole.is_empty() { "0" } else { whole };
    if fraction.is_empty() {
        whole.to_owned()
    } else {
        format!("{whole}.{fraction}")
    }
}

/// The longest student id kept.
pub const LONGEST_STUDENT_ID: usize = 40;

/// A student id as staff typed it: `None` for none (empty), or why it cannot be one. Letters, digits and
/// `-`, `_`, `.`, `@` only, so that it is matched as typed by a gradebook and never read as a formula.
pub fn student_id(typed: &str) -> Result<Option<String>, &'static str> {
    let id = typed.trim();
    if id.is_empty() {
        return Ok(None);
    }
    let fits = id.chars().count() <= LONGEST_STUDENT_ID
        && id.chars().next().is_some_and(char::is_alphanumeric)
        && id
            .chars()
            .all(|ch| ch.is_alphanumeric() || matches!(ch, '-' | '_' | '.' | '@'));
    if fits {
        Ok(Some(id.to_owned()))
    } else {
        Err(
            "a student id is letters and digits (and - _ . @ inside), at most 40 characters, without spaces",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_are_a_number_up_to_the_maximum() {
        let scale = GradeScale::Points { max: 10 };
        assert_eq!(scale.read(" 8.5 "), Ok("8.5".into()));
        assert_eq!(scale.read("08.50"), Ok("8.5".into()));
        assert_eq!(scale.read("7/10"), Ok("7".into()));
        assert_eq!(scale.read("10"), Ok("10".into()));
        assert_eq!(scale.read("0"), Ok("0".into()));
        for bad in ["11", "-1", "B+", "8,5", ".5", "5.", "1e1", "NaN", "inf", ""] {
            assert!(scale.read(bad).is_err(), "{bad}");
        }
        assert_eq!(
            scale.read("11"),
            Err("“11” is not on this course's scale: give a number of points from 0 to 10.".into())
        );
    }

    #[test]
    fn letters_are_one_of_a_plus_to_f_in_either_case() {
        let scale = GradeScale::Letter;
        assert_eq!(scale.read("b+"), Ok("B+".into()));
        assert_eq!(scale.read("F"), Ok("F".into()));
        assert!(scale.read("E").is_err());
        assert!(scale.read("A++").is_err());
        assert!(scale.read("9").is_err());
        assert_eq!(scale.points_possible(), None);
        assert_eq!(scale.describe(), "A+ to F");
        assert_eq!(GradeScale::Points { max: 20 }.describe(), "0 to 20 points");
    }

    #[test]
    fn a_student_id_is_a_plain_token() {
        assert_eq!(student_id(" S1234567 "), Ok(Some("S1234567".into())));
        assert_eq!(student_id(""), Ok(None));
        assert_eq!(student_id("jo.doe@uni"), Ok(Some("jo.doe@uni".into())));
        for bad in ["12 34", "=1+1", "-5", "a<b>", &"1".repeat(41)] {
            assert!(student_id(bad).is_err(), "{bad}");
        }
    }
}
