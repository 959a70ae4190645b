//! `/admin/participation`: each member's posts, comments, replies received, words and citations, week by
//! week of the term, with charts drawn on the server; `/admin/participation.csv` for a gradebook.

use askama::Template;
use axum::{
    extract::Query,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Deserialize;

use crate::{
    domain::{
        calendar::{self, SiteZone},
        grade::GradeScale,
        participation::{Counts, Grade, Report, assignment_grade, spreadsheet_safe, tally},
    },
    store::{Membership, Site},
};

use crate::web::{
    dashboard::menu::Section, error::WebError, respond::private, respond::render, session::Staff,
    site_scope::Scoped, views::Layout,
};

/// The filters, as the form sends them.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Filters {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    category: String,
    /// The CSV's shape: `canvas`, `moodle`, or (empty) the counts.
    #[serde(default)]
    shape: String,
}

/// What the filters select: the weeks (their boundaries), the time range inside them, the categories.
struct Selection {
    boundaries: Vec<i64>,
    from: i64,
    to: i64,
    categories: Option<Vec<i64>>,
    /// The filters as the form shows them again.
    from_text: String,
    to_text: String,
    category: String,
}

/// A filter the reader must correct: (field, message).
type FilterProblem = (&'static str, String);

/// The term's weeks: from its start date setting, or (unset) the weeks that end with this one.
fn term_boundaries(site: &Site, zone: &SiteZone, now: i64) -> Vec<i64> {
    let weeks = site.settings.term_weeks;
    let start = if site.settings.term_start.is_empty() {
        zone.date_input(now - i64::from(weeks.saturating_sub(1)) * 7 * 86_400)
    } else {
        site.settings.term_start.clone()
    };
    zone.day_starts(&start, 7, weeks).unwrap_or_default()
}

async fn select(
    state: &Scoped,
    site: &Site,
    filters: &Filters,
) -> Result<Result<Selection, FilterProblem>, WebError> {
    let zone = site.settings.zone();
    let term = term_boundaries(site, &zone, calendar::now());
    let (Some(term_start), Some(term_end)) = (term.first().copied(), term.last().copied()) else {
        return Ok(Err(("from", "The term's dates cannot be read.".into())));
    };
    let day = |text: &str, field: &'static str| -> Result<Option<i64>, FilterProblem> {
        if text.trim().is_empty() {
            return Ok(None);
        }
        zone.day_starts(text, 1, 1)
            .map(|starts| Some(if field == "to" { starts[1] } else { starts[0] }))
            .ok_or((
                field,
                format!("“{}” is not a date; write it as 2026-09-01.", text.trim()),
            ))
    };
    let from = match day(&filters.from, "from") {
        Ok(from) => from.unwrap_or(term_start),
        Err(problem) => return Ok(Err(problem)),
    };
    let to = match day(&filters.to, "to") {
        Ok(to) => to.unwrap_or(term_end),
        Err(problem) => return Ok(Err(problem)),
    };
    if to <= from {
        return Ok(Err((
            "to",
            "The end date comes before the start date.".into(),
        )));
    }
    let categories = match filters.category.trim() {
        "" => None,
        slug => {
            let all = state.store.categories(site.id).await?;
            let Some(chosen) = all.iter().find(|term| term.slug == slug) else {
                return Ok(Err(("category", "There is no such category.".into())));
            };
            let mut family = vec![chosen.id];
            let mut index = 0;
            while let Some(parent) = family.get(index).copied() {
                family.extend(
                    all.iter()
                        .filter(|term| term.parent_id == Some(parent))
                        .map(|term| term.id),
                );
                index += 1;
            }
            Some(family)
        }
    };
    let boundaries: Vec<i64> = {
        let weeks: Vec<(i64, i64)> = term
            .windows(2)
            .map(|pair| (pair[0], pair[1]))
            .filter(|(start, end)| *end > from && *start < to)
            .collect();
        match (weeks.first(), weeks.last()) {
            (Some(first), Some(last)) => weeks
                .iter()
                .map(|(start, _)| *start)
                .chain([last.1])
                .filter(|boundary| *boundary >= first.0)
                .collect(),
            _ => Vec::new(),
        }
    };
    Ok(Ok(Selection {
        from: from.max(boundaries.first().copied().unwrap_or(from)),
        to: to.min(boundaries.last().copied().unwrap_or(to)),
        boundaries,
        categories,
        from_text: filters.from.trim().to_owned(),
        to_text: filters.to.trim().to_owned(),
        category: filters.category.trim().to_owned(),
    }))
}

/// The members the report lists: students (authors, contributors, readers) first, then staff; by name.
fn ordered(mut members: Vec<Membership>) -> Vec<Membership> {
    members.sort_by_key(|member| (member.role.is_staff(), member.user.name.to_lowercase()));
    members
}

async fn report(
    state: &Scoped,
    site: &Site,
    selection: &Selection,
    members: &[Membership],
) -> Result<Report, WebError> {
    let events = state
        .store
        .participation_events(
            site.id,
            selection.from,
            selection.to,
            selection.categories.as_deref(),
        )
        .await?;
    let ids: Vec<i64> = members.iter().map(|member| member.user.id).collect();
    Ok(tally(&selection.boundaries, &ids, &events))
}

#[derive(Template)]
#[template(path = "admin/participation.html")]
struct ParticipationPage {
    layout: Layout,
    filters: Selection,
    problem: Option<FilterProblem>,
    term_set: bool,
    categories: Vec<(String, String)>,
    weeks: Vec<String>,
    rows: Vec<RowView>,
    class_chart: BarChart,
    class_weeks: Vec<(String, Counts)>,
    class_total: Counts,
    csv_href: String,
    canvas_href: String,
    moodle_href: String,
}

impl ParticipationPage {
    fn problem_for(&self, field: &str) -> Option<&str> {
        self.problem
            .as_ref()
            .filter(|(name, _)| *name == field)
            .map(|(_, message)| message.as_str())
    }
}

struct RowView {
    name: String,
    email: String,
    role: &'static str,
    weeks: Vec<u64>,
    total: Counts,
    /// Grades given on the member's posts: "Assignment: grade" (the last given) or "Post title: grade".
    grades: Vec<String>,
    chart: BarChart,
}

/// Bars of posts and comments a week, drawn as an SVG image with its own text alternative by `chart.html`.
struct BarChart {
    width: u32,
    height: u32,
    caption: String,
    bars: Vec<Bar>,
}

/// One week's bars: comments stacked on posts.
struct Bar {
    x: u32,
    title: String,
    posts_top: u32,
    posts_height: u32,
    comments_top: u32,
    comments_height: u32,
}

/// How wide a bar is, and the gap between bars.
const BAR_WIDTH: u32 = 14;
const BAR_GAP: u32 = 4;

fn bar_chart(weeks: &[Counts], labels: &[String], height: u32, caption: &str) -> BarChart {
    let top = weeks
        .iter()
        .map(Counts::contributions)
        .max()
        .unwrap_or(0)
        .max(1);
    let width = (BAR_WIDTH + BAR_GAP) * u32::try_from(weeks.len()).unwrap_or(0) + BAR_GAP;
    let scale = |count: u64| u32::try_from(count * u64::from(height - 2) / top).unwrap_or(height);
    let bars = weeks
        .iter()
        .zip(labels)
        .enumerate()
        .map(|(index, (week, label))| {
            let posts = scale(week.posts);
            let comments = scale(week.contributions()) - posts;
            Bar {
                x: BAR_GAP + (BAR_WIDTH + BAR_GAP) * u32::try_from(index).unwrap_or(0),
                title: format!("{label}: {} posts, {} comments", week.posts, week.comments),
                posts_top: height - posts,
                posts_height: posts,
                comments_top: height - posts - comments,
                comments_height: comments,
            }
        })
        .collect();
    BarChart {
        width,
        height,
        caption: caption.to_owned(),
        bars,
    }
}

fn role_name(membership: &Membership) -> &'static str {
    use crate::domain::user::Role;
    match membership.role {
        Role::Administrator => "Instructor",
        Role::Editor => "TA",
        Role::Author => "Student",
        Role::Contributor => "Contributor",
        Role::Subscriber => "Reader",
    }
}

pub async fn page(
    state: Scoped,
    Staff(staff): Staff,
    Query(filters): Query<Filters>,
) -> Result<Response, WebError> {
    let site = state.site().clone();
    let zone = site.settings.zone();
    let categories: Vec<(String, String)> = state
        .store
        .categories(site.id)
        .await?
        .into_iter()
        .map(|term| (term.slug, term.name))
        .collect();
    let layout = state
        .dashboard_layout(&site, "Participation", &staff, Section::Participation)
        .await?;
    let (selection, problem) = match select(&state, &site, &filters).await? {
        Ok(selection) => (selection, None),
        Err(problem) => (
            Selection {
                boundaries: Vec::new(),
                from: 0,
                to: 0,
                categories: None,
                from_text: filters.from.clone(),
                to_text: filters.to.clone(),
                category: filters.category.clone(),
            },
            Some(problem),
        ),
    };
    let members = ordered(state.store.members(site.id).await?);
    let report = report(&state, &site, &selection, &members).await?;
    let (grades, assignments) = grades(&state, &site, &selection).await?;
    let weeks: Vec<String> = selection
        .boundaries
        .iter()
        .take(selection.boundaries.len().saturating_sub(1))
        .map(|start| zone.short_date(*start))
        .collect();
    let rows = members
        .iter()
        .zip(&report.rows)
        .map(|(member, row)| RowView {
            name: match &member.user.pseudonym {
                Some(pseudonym) => format!("{} (publishes as {pseudonym})", member.user.name),
                None => member.user.name.clone(),
            },
            email: member.user.email.clone(),
            role: role_name(member),
            weeks: row.weeks.iter().map(Counts::contributions).collect(),
            total: row.total,
            grades: grades_of(&grades, &assignments, member.user.id),
            chart: bar_chart(
                &row.weeks,
                &weeks,
                28,
                &format!(
                    "{}: {} posts and {} comments over {} weeks",
                    member.user.name,
                    row.total.posts,
                    row.total.comments,
                    weeks.len()
                ),
            ),
        })
        .collect();
    let student_weeks = student_totals(&members, &report);
    let class_total = student_weeks
        .iter()
        .fold(Counts::default(), |mut total, week| {
            total.posts += week.posts;
            total.comments += week.comments;
            total.replies_received += week.replies_received;
            total.words += week.words;
            total.citations += week.citations;
            total
        });
    let class_chart = bar_chart(
        &student_weeks,
        &weeks,
        120,
        &format!(
            "The students' posts and comments, week by week: {} posts and {} comments in all",
            class_total.posts, class_total.comments
        ),
    );
    let query = serde_urlencoded::to_string([
        ("from", selection.from_text.as_str()),
        ("to", selection.to_text.as_str()),
        ("category", selection.category.as_str()),
    ])
    .unwrap_or_default();
    let status = if problem.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = ParticipationPage {
        layout,
        term_set: !site.settings.term_start.is_empty(),
        problem,
        categories,
        class_weeks: weeks.iter().cloned().zip(student_weeks).collect(),
        weeks,
        rows,
        class_chart,
        class_total,
        csv_href: site
            .root()
            .join(&format!("/admin/participation.csv?{query}")),
        canvas_href: site
            .root()
            .join(&format!("/admin/participation.csv?{query}&shape=canvas")),
        moodle_href: site
            .root()
            .join(&format!("/admin/participation.csv?{query}&shape=moodle")),
        filters: selection,
    };
    private(render(status, &page))
}

/// The grades given in the selection, and the site's assignments (category id and name, in the order made).
async fn grades(
    state: &Scoped,
    site: &Site,
    selection: &Selection,
) -> Result<(Vec<Grade>, Vec<(i64, String)>), WebError> {
    let grades = if selection.boundaries.is_empty() {
        Vec::new()
    } else {
        state
            .store
            .participation_grades(
                site.id,
                selection.from,
                selection.to,
                selection.categories.as_deref(),
            )
            .await?
    };
    let ids = state.store.assignment_categories(site.id).await?;
    let categories = state.store.categories(site.id).await?;
    let assignments = ids
        .iter()
        .filter_map(|id| {
            categories
                .iter()
                .find(|term| term.id == *id)
                .map(|term| (term.id, term.name.clone()))
        })
        .collect();
    Ok((grades, assignments))
}

/// A member's grades as the report lists them: each assignment's (the last given), then the others.
fn grades_of(grades: &[Grade], assignments: &[(i64, String)], member_id: i64) -> Vec<String> {
    let mut listed: Vec<String> = assignments
        .iter()
        .filter_map(|(id, name)| {
            assignment_grade(grades, member_id, *id).map(|grade| format!("{name}: {grade}"))
        })
        .collect();
    listed.extend(
        grades
            .iter()
            .filter(|grade| {
                grade.member_id == member_id
                    && !grade
                        .assignment
                        .is_some_and(|id| assignments.iter().any(|(known, _)| *known == id))
            })
            .map(|grade| format!("{}: {}", grade.post_title, grade.grade)),
    );
    listed
}

/// The class's weeks: the students' counts added up (staff are listed but not counted in the class).
fn student_totals(members: &[Membership], report: &Report) -> Vec<Counts> {
    let mut weeks = report.class_weeks.clone();
    for week in &mut weeks {
        *week = Counts::default();
    }
    for (member, row) in members.iter().zip(&report.rows) {
        if member.role.is_staff() {
            continue;
        }
        for (class_week, week) in weeks.iter_mut().zip(&row.weeks) {
            class_week.posts += week.posts;
            class_week.comments += week.comments;
            class_week.replies_received += week.replies_received;
            class_week.words += week.words;
            class_week.citations += week.citations;
        }
    }
    weeks
}

/// One row per student: name, email, posts and comments each week, then the totals of every measure.
pub async fn csv(
    state: Scoped,
    Staff(_staff): Staff,
    Query(filters): Query<Filters>,
) -> Result<Response, WebError> {
    let site = state.site().clone();
    let zone = site.settings.zone();
    let selection = match select(&state, &site, &filters).await? {
        Ok(selection) => selection,
        Err((_, message)) => return Err(WebError::BadRequest(message)),
    };
    let students: Vec<Membership> = ordered(state.store.members(site.id).await?)
        .into_iter()
        .filter(|member| !member.role.is_staff())
        .collect();
    let report = report(&state, &site, &selection, &students).await?;
    let shape = match filters.shape.trim() {
        "" => None,
        "canvas" => Some(Gradebook::Canvas),
        "moodle" => Some(Gradebook::Moodle),
        _ => {
            return Err(WebError::BadRequest(
                "The CSV comes as canvas or moodle, or without a shape.".into(),
            ));
        }
    };
    if let Some(shape) = shape {
        let (grades, assignments) = grades(&state, &site, &selection).await?;
        let weeks: Vec<String> = week_headings(&selection, &zone);
        let table = gradebook(
            shape,
            &site.settings.grade_scale(),
            &students,
            &report,
            &grades,
            &assignments,
            &weeks,
        );
        let name = match shape {
            Gradebook::Canvas => "canvas",
            Gradebook::Moodle => "moodle",
        };
        return csv_response(
            &table,
            &format!("participation-{}-{name}.csv", site.slug),
            true,
        );
    }
    let mut header = vec!["Name".to_owned(), "Email".to_owned()];
    for (index, start) in selection
        .boundaries
        .iter()
        .take(selection.boundaries.len().saturating_sub(1))
        .enumerate()
    {
        header.push(format!(
            "Week {} ({}) posts and comments",
            index + 1,
            zone.date_input(*start)
        ));
    }
    header.extend(
        [
            "Posts",
            "Comments",
            "Replies received",
            "Words",
            "Citations",
        ]
        .map(str::to_owned),
    );
    let mut table = vec![header];
    for (student, row) in students.iter().zip(&report.rows) {
        let mut record = vec![
            spreadsheet_safe(&student.user.name),
            spreadsheet_safe(&student.user.email),
        ];
        record.extend(
            row.weeks
                .iter()
                .map(|week| week.contributions().to_string()),
        );
        record.extend(
            [
                row.total.posts,
                row.total.comments,
                row.total.replies_received,
                row.total.words,
                row.total.citations,
            ]
            .map(|count| count.to_string()),
        );
        table.push(record);
    }
    csv_response(&table, &format!("participation-{}.csv", site.slug), false)
}

/// The gradebooks whose import files the CSV can be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Gradebook {
    /// Canvas: `Student, ID, SIS User ID, SIS Login ID, Section`, then a column per assignment, and for
    /// points a second row `Points Possible`. Rows are matched on the SIS User ID (the student id).
    Canvas,
    /// Moodle: `Email address` (the identifier the import maps), then a column per grade item.
    Moodle,
}

/// The headings of the week columns: "Week 1 (2026-09-01) posts and comments".
fn week_headings(selection: &Selection, zone: &SiteZone) -> Vec<String> {
    selection
        .boundaries
        .iter()
        .take(selection.boundaries.len().saturating_sub(1))
        .enumerate()
        .map(|(index, start)| {
            format!(
                "Week {} ({}) posts and comments",
                index + 1,
                zone.date_input(*start)
            )
        })
        .collect()
}

/// A gradebook's import table: its identifying columns, each assignment's grade (the last given), then each
/// week's posts and comments. Every text cell is spreadsheet-safe.
fn gradebook(
    shape: Gradebook,
    scale: &GradeScale,
    students: &[Membership],
    report: &Report,
    grades: &[Grade],
    assignments: &[(i64, String)],
    weeks: &[String],
) -> Vec<Vec<String>> {
    let identity: &[&str] = match shape {
        Gradebook::Canvas => &["Student", "ID", "SIS User ID", "SIS Login ID", "Section"],
        Gradebook::Moodle => &["Email address"],
    };
    let mut header: Vec<String> = identity.iter().map(|name| (*name).to_owned()).collect();
    header.extend(assignments.iter().map(|(_, name)| spreadsheet_safe(name)));
    header.extend(weeks.iter().cloned());
    let mut table = vec![header];
    if let (Gradebook::Canvas, Some(points)) = (shape, scale.points_possible()) {
        let mut possible = vec!["Points Possible".to_owned()];
        possible.extend(std::iter::repeat_n(String::new(), identity.len() - 1));
        possible.extend(assignments.iter().map(|_| points.to_string()));
        possible.extend(weeks.iter().map(|_| String::new()));
        table.push(possible);
    }
    for (student, row) in students.iter().zip(&report.rows) {
        let mut record = match shape {
            Gradebook::Canvas => vec![
                spreadsheet_safe(&student.user.name),
                String::new(),
                spreadsheet_safe(student.student_id.as_deref().unwrap_or_default()),
                String::new(),
                String::new(),
            ],
            Gradebook::Moodle => vec![spreadsheet_safe(&student.user.email)],
        };
        record.extend(assignments.iter().map(|(id, _)| {
            spreadsheet_safe(assignment_grade(grades, student.user.id, *id).unwrap_or_default())
        }));
        record.extend(
            row.weeks
                .iter()
                .map(|week| week.contributions().to_string()),
        );
        table.push(record);
    }
    table
}

/// A table as a CSV download; `bom` starts it with a UTF-8 byte-order mark, which spreadsheet programs need
/// to read accented names as UTF-8.
fn csv_response(table: &[Vec<String>], filename: &str, bom: bool) -> Result<Response, WebError> {
    let failed =
        |error: csv::Error| WebError::BadRequest(format!("the CSV could not be written: {error}"));
    let mut writer = csv::Writer::from_writer(if bom {
        "\u{feff}".as_bytes().to_vec()
    } else {
        Vec::new()
    });
    for record in table {
        writer.write_record(record).map_err(failed)?;
    }
    let body = writer
        .into_inner()
        .map_err(|error| WebError::BadRequest(format!("the CSV could not be written: {error}")))?;
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    private(Ok(response))
}
