//! Readings: `/readings/` lists them, `/readings/SLUG/` shows one with its pages in the margin and what cites
//! them, `/readings/SLUG/page/N/` lists the posts and comments citing page N; staff add and edit them in the
//! dashboard (`/admin/readings`).

use std::collections::{BTreeMap, BTreeSet};

use askama::Template;
use axum::{
    extract::{Path, Query},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;

use crate::{
    address::{CommentReader, Target},
    discussion::{reading_passages, reading_text},
    domain::{
        calendar,
        markup::{SafeHtml, excerpt, html_to_text},
        permalink,
        post::Post,
        reading::{self, Reading, ReadingDetails, ReadingProblem},
    },
    store::{CitationRecord, Site, StoreError},
};

use crate::web::{
    dashboard::menu::Section,
    error::WebError,
    form::StrictForm,
    notice::{Done, Notice},
    public::posts::{DiscussionSetup, discussion, fresh_form},
    respond::private,
    respond::render,
    session::{SignedIn, Staff},
    site_scope::Scoped,
    views::{CommentFormView, DiscussionView, Layout},
    visitor::Visitor,
};

#[derive(Template)]
#[template(path = "readings.html")]
struct ReadingsPage {
    layout: Layout,
    readings: Vec<ReadingCard>,
}

struct ReadingCard {
    href: String,
    title: String,
    byline: String,
    label: String,
    members_only: bool,
}

#[derive(Template)]
#[template(path = "reading.html")]
struct ReadingPage {
    layout: Layout,
    title: String,
    byline: String,
    label: String,
    members_only: bool,
    pages: Vec<PageView>,
    edit_href: Option<String>,
    discussion: Option<DiscussionView>,
}

struct PageView {
    number: u32,
    /// "discussed in 2 posts, 3 comments", linking to the page's listing.
    discussion: Option<(String, String)>,
    paragraphs: Vec<ParagraphView>,
}

struct ParagraphView {
    number: usize,
    signature: String,
    html: SafeHtml,
    /// Its comments and the link to comment on it.
    aside: SafeHtml,
}

#[derive(Template)]
#[template(path = "reading_page.html")]
struct CitingPage {
    layout: Layout,
    reading_title: String,
    reading_href: String,
    number: u32,
    entries: Vec<CitingEntry>,
}

struct CitingEntry {
    href: String,
    /// "Post: TITLE" or "Comment by NAME on TITLE".
    what: String,
    pages: String,
    quote: String,
}

fn byline(reading: &Reading) -> String {
    match (reading.author.is_empty(), reading.year) {
        (false, Some(year)) => format!("{} ({year})", reading.author),
        (false, None) => reading.author.clone(),
        (true, Some(year)) => year.to_string(),
        (true, None) => String::new(),
    }
}

/// The address of a reading on its site.
fn reading_href(site: &Site, reading: &Reading) -> String {
    site.root().join(&format!(
        "/readings/{}/",
        permalink::encode_segment(&reading.slug)
    ))
}

/// A members-only reading is shown to the site's members and staff; others are asked to sign in, or told.
fn may_read(
    site: &Site,
    reading: &Reading,
    viewer: Option<&SignedIn>,
    back_to: &str,
) -> Result<(), WebError> {
    if !reading.members_only {
        return Ok(());
    }
    match viewer {
        Some(viewer) if viewer.role.is_some() => Ok(()),
        Some(_) => Err(WebError::Forbidden(
            "This reading is for the course's members only.",
        )),
        None => Err(WebError::SignInRequired {
            root: site.root(),
            back_to: back_to.to_owned(),
        }),
    }
}

pub async fn list(state: Scoped, viewer: Option<SignedIn>) -> Result<Response, WebError> {
    let site = state.site().clone();
    let readings = state.store.readings(site.id).await?;
    let page = ReadingsPage {
        layout: state
            .layout(&site, Some("Readings"), viewer.as_ref())
            .await?,
        readings: readings
            .iter()
            .map(|reading| ReadingCard {
                href: reading_href(&site, reading),
                title: reading.title.clone(),
                byline: byline(reading),
                label: reading.label.clone(),
                members_only: reading.members_only,
            })
            .collect(),
    };
    let response = render(StatusCode::OK, &page);
    if viewer.is_some() {
        private(response)
    } else {
        response
    }
}

async fn found(state: &Scoped, slug: &str) -> Result<Reading, WebError> {
    state
        .store
        .reading_by_slug(state.site().id, slug)
        .await?
        .ok_or(WebError::NotFound)
}

/// How a count of posts and comments reads: "2 posts, 1 comment".
fn discussed(posts: usize, comments: usize) -> String {
    let plural = |count: usize, one: &str, many: &str| {
        format!("{count} {}", if count == 1 { one } else { many })
    };
    match (posts, comments) {
        (0, comments) => format!("discussed in {}", plural(comments, "comment", "comments")),
        (posts, 0) => format!("discussed in {}", plural(posts, "post", "posts")),
        (posts, comments) => format!(
            "discussed in {}, {}",
            plural(posts, "post", "posts"),
            plural(comments, "comment", "comments")
        ),
    }
}

/// For each page, the posts and comments citing it (a range counts on each of its pages).
fn counts_by_page(records: &[CitationRecord]) -> BTreeMap<i64, (BTreeSet<i64>, BTreeSet<i64>)> {
    let mut counts: BTreeMap<i64, (BTreeSet<i64>, BTreeSet<i64>)> = BTreeMap::new();
    for record in records {
        for page in record.first_page..=record.last_page.min(record.first_page + 100) {
            let entry = counts.entry(page).or_default();
            match record.comment_id {
                Some(comment_id) => entry.1.insert(comment_id),
                None => entry.0.insert(record.post_id),
            };
        }
    }
    counts
}

/// What `/readings/SLUG/` may ask for: the comment to reply to, or the paragraph to comment on.
#[derive(Debug, Default, Deserialize)]
pub struct ReadingQuery {
    replytocom: Option<String>,
    passage: Option<String>,
}

pub async fn show(
    state: Scoped,
    viewer: Option<SignedIn>,
    visitor: Visitor,
    Path(slug): Path<String>,
    Query(query): Query<ReadingQuery>,
) -> Result<Response, WebError> {
    let reading = found(&state, &slug).await?;
    may_read(
        state.site(),
        &reading,
        viewer.as_ref(),
        &reading_href(state.site(), &reading),
    )?;
    let form = fresh_form(
        &visitor,
        query.replytocom.as_deref(),
        query.passage.as_deref(),
    );
    render_reading(
        &state,
        &reading,
        DiscussionState {
            form,
            held: &visitor.held,
            status: StatusCode::OK,
            viewer: viewer.as_ref(),
        },
    )
    .await
}

/// The reader's side of a reading's discussion: their form, their held comments, and how the page answers.
pub struct DiscussionState<'a> {
    pub form: CommentFormView,
    pub held: &'a [i64],
    pub status: StatusCode,
    pub viewer: Option<&'a SignedIn>,
}

/// The reading whose discussion a post holds, when the reader may read it.
pub async fn discussion_readable(
    state: &Scoped,
    post: &Post,
    viewer: Option<&SignedIn>,
) -> Result<Reading, WebError> {
    let reading_id = post.reading_id.ok_or(WebError::NotFound)?;
    let reading = state
        .store
        .reading_by_id(post.site_id, reading_id)
        .await?
        .ok_or(WebError::NotFound)?;
    may_read(
        state.site(),
        &reading,
        viewer,
        &reading_href(state.site(), &reading),
    )?;
    Ok(reading)
}

/// The reading's page again after a comment on it was refused, with the form as typed.
pub async fn redisplay(
    state: &Scoped,
    post: &Post,
    discussion_state: DiscussionState<'_>,
) -> Result<Response, WebError> {
    let reading = discussion_readable(state, post, discussion_state.viewer).await?;
    render_reading(state, &reading, discussion_state).await
}

async fn render_reading(
    state: &Scoped,
    reading: &Reading,
    discussion_state: DiscussionState<'_>,
) -> Result<Response, WebError> {
    let DiscussionState {
        form,
        held,
        status,
        viewer,
    } = discussion_state;
    let site = state.site().clone();
    let href = reading_href(&site, reading);
    let text = reading_text(reading).await?;
    let counts = counts_by_page(&state.store.citations_of(reading.id, None).await?);
    let holder = match state
        .store
        .reading_discussion(reading, calendar::now())
        .await
    {
        Ok(post) => Some(post),
        Err(StoreError::NotFound) => None,
        Err(other) => return Err(other.into()),
    };
    let passages = reading_passages(&text);
    let drawn = match &holder {
        Some(post) => Some(
            discussion(
                state,
                DiscussionSetup {
                    site: &site,
                    post,
                    address: href.clone(),
                    comment_page: None,
                    paged: false,
                    form,
                    held,
                    viewer,
                    title: &reading.title,
                    passages: &passages,
                    say_closed: false,
                },
            )
            .await?,
        ),
        None => None,
    };
    let (discussion_view, mut asides) = match drawn {
        Some(drawn) => (Some(drawn.view), drawn.asides.into_iter()),
        None => (None, Vec::new().into_iter()),
    };
    let pages = text
        .pages
        .iter()
        .map(|page| PageView {
            number: page.number,
            discussion: counts
                .get(&i64::from(page.number))
                .map(|(posts, comments)| {
                    (
                        format!("{href}page/{}/", page.number),
                        discussed(posts.len(), comments.len()),
                    )
                }),
            paragraphs: page
                .paragraphs
                .iter()
                .map(|paragraph| ParagraphView {
                    number: paragraph.number,
                    signature: paragraph.signature.clone(),
                    html: paragraph.html.clone(),
                    aside: asides.next().unwrap_or_default(),
                })
                .collect(),
        })
        .collect();
    let is_staff = viewer.is_some_and(SignedIn::is_staff);
    let personal = viewer.is_some()
        || reading.members_only
        || !held.is_empty()
        || status != StatusCode::OK
        || discussion_view
            .as_ref()
            .is_some_and(|view| !view.form.author.value.is_empty());
    let page = ReadingPage {
        layout: state.layout(&site, Some(&reading.title), viewer).await?,
        title: reading.title.clone(),
        byline: byline(reading),
        label: reading.label.clone(),
        members_only: reading.members_only,
        pages,
        edit_href: is_staff.then(|| site.root().join(&format!("/admin/readings/{}", reading.id))),
        discussion: discussion_view,
    };
    let response = render(status, &page);
    if personal {
        private(response)
    } else {
        response
    }
}

pub async fn cited_page(
    state: Scoped,
    viewer: Option<SignedIn>,
    Path((slug, number)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let site = state.site().clone();
    let number: u32 = number.parse().map_err(|_| WebError::NotFound)?;
    let reading = found(&state, &slug).await?;
    let href = reading_href(&site, &reading);
    may_read(
        &site,
        &reading,
        viewer.as_ref(),
        &format!("{href}page/{number}/"),
    )?;
    let text = reading_text(&reading).await?;
    if !text.has_page(number) {
        return Err(WebError::NotFound);
    }
    let records = state.store.citations_of(reading.id, Some(number)).await?;
    let post_ids: Vec<i64> = records.iter().map(|record| record.post_id).collect();
    let posts = state.store.listed_posts_by_ids(site.id, &post_ids).await?;
    let mut entries = Vec::with_capacity(records.len());
    for record in &records {
        let Some(post) = posts.iter().find(|post| post.id == record.post_id) else {
            continue;
        };
        let (href, what) = match record.comment_id {
            None => (
                state.address_of(&site, Target::Post(post)).await?,
                format!("Post: {}", post.title),
            ),
            Some(comment_id) => {
                let Some(comment) = state.store.comment_by_id(site.id, comment_id).await? else {
                    continue;
                };
                (
                    state
                        .address_of(
                            &site,
                            Target::Comment {
                                post,
                                comment_id,
                                reader: CommentReader::default(),
                            },
                        )
                        .await?,
                    format!(
                        "Comment by {} on {}",
                        comment.author_name,
                        if post.discusses_reading {
                            &reading.title
                        } else {
                            &post.title
                        }
                    ),
                )
            }
        };
        entries.push(CitingEntry {
            href,
            what,
            pages: if record.first_page == record.last_page {
                format!("p. {}", record.first_page)
            } else {
                format!("pp. {}–{}", record.first_page, record.last_page)
            },
            quote: excerpt(&html_to_text(&record.quote), 40),
        });
    }
    let heading = format!("Page {number} of {}", reading.title);
    let page = CitingPage {
        layout: state.layout(&site, Some(&heading), viewer.as_ref()).await?,
        reading_title: reading.title.clone(),
        reading_href: href,
        number,
        entries,
    };
    let response = render(StatusCode::OK, &page);
    if viewer.is_some() || reading.members_only {
        private(response)
    } else {
        response
    }
}

#[derive(Template)]
#[template(path = "admin/readings.html")]
struct AdminReadingsPage {
    layout: Layout,
    readings: Vec<(i64, String, String, String, bool)>,
}

#[derive(Template)]
#[template(path = "admin/reading.html")]
struct ReadingForm {
    layout: Layout,
    heading: String,
    action: String,
    csrf: String,
    fields: ReadingFields,
    problems: Vec<ReadingProblem>,
    view_href: Option<String>,
}

impl ReadingForm {
    fn problem(&self, field: &str) -> Option<&str> {
        self.problems
            .iter()
            .find(|problem| problem.field == field)
            .map(|problem| problem.message.as_str())
    }
}

/// The reading form as typed.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ReadingFields {
    #[serde(default)]
    title: String,
    #[serde(default)]
    author: String,
    #[serde(default)]
    year: String,
    #[serde(default)]
    label: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    members_only: Option<String>,
    #[serde(default)]
    csrf: String,
}

impl ReadingFields {
    fn from_reading(reading: &Reading) -> Self {
        Self {
            title: reading.title.clone(),
            author: reading.author.clone(),
            year: reading
                .year
                .map(|year| year.to_string())
                .unwrap_or_default(),
            label: reading.label.clone(),
            text: reading.source.clone(),
            members_only: reading.members_only.then(|| "on".to_owned()),
            csrf: String::new(),
        }
    }

    /// The details, or what is wrong with them.
    fn details(&self) -> Result<ReadingDetails, Vec<ReadingProblem>> {
        let year = match self.year.trim() {
            "" => Ok(None),
            typed => typed.parse::<i32>().map(Some).map_err(|_| ReadingProblem {
                field: "year",
                message: format!("“{typed}” is not a year; write it in digits, such as 1956."),
            }),
        };
        let details = ReadingDetails {
            title: self.title.clone(),
            author: self.author.clone(),
            year: year.clone().unwrap_or(None),
            label: self.label.clone(),
            source: self.text.replace("\r\n", "\n"),
            members_only: self.members_only.is_some(),
        };
        let mut problems = reading::check(&details);
        if let Err(problem) = year {
            problems.push(problem);
        }
        if problems.is_empty() {
            Ok(details)
        } else {
            Err(problems)
        }
    }
}

pub async fn admin_list(
    state: Scoped,
    Staff(staff): Staff,
    Query(done): Query<Done>,
) -> Result<Response, WebError> {
    let site = state.site().clone();
    let readings = state.store.readings(site.id).await?;
    let mut layout = state
        .dashboard_layout(&site, "Readings", &staff, Section::Readings)
        .await?;
    layout.notice = readings
        .iter()
        .find(|reading| done.what() == Some("saved") && done.id() == Some(reading.id))
        .map(|reading| {
            Notice::success(format!(
                "“{}” is saved; readers find it at {}.",
                reading.title,
                reading_href(&site, reading)
            ))
        });
    let page = AdminReadingsPage {
        layout,
        readings: readings
            .iter()
            .map(|reading| {
                (
                    reading.id,
                    reading.title.clone(),
                    reading.label.clone(),
                    reading_href(&site, reading),
                    reading.members_only,
                )
            })
            .collect(),
    };
    private(render(StatusCode::OK, &page))
}

async fn show_form(
    state: &Scoped,
    staff: &SignedIn,
    existing: Option<&Reading>,
    fields: ReadingFields,
    problems: Vec<ReadingProblem>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let site = state.site().clone();
    let heading = match existing {
        Some(reading) => format!("Edit “{}”", reading.title),
        None => "Add a reading".to_owned(),
    };
    let page = ReadingForm {
        layout: state
            .dashboard_layout(&site, &heading, staff, Section::Readings)
            .await?,
        heading,
        action: existing.map_or_else(
            || site.root().join("/admin/readings/new"),
            |reading| site.root().join(&format!("/admin/readings/{}", reading.id)),
        ),
        csrf: staff.csrf.clone(),
        fields,
        problems,
        view_href: existing.map(|reading| reading_href(&site, reading)),
    };
    private(render(status, &page))
}

pub async fn new_form(state: Scoped, Staff(staff): Staff) -> Result<Response, WebError> {
    show_form(
        &state,
        &staff,
        None,
        ReadingFields::default(),
        Vec::new(),
        StatusCode::OK,
    )
    .await
}

pub async fn edit_form(
    state: Scoped,
    Staff(staff): Staff,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let reading = by_id(&state, &id).await?;
    show_form(
        &state,
        &staff,
        Some(&reading),
        ReadingFields::from_reading(&reading),
        Vec::new(),
        StatusCode::OK,
    )
    .await
}

async fn by_id(state: &Scoped, id: &str) -> Result<Reading, WebError> {
    let id: i64 = id.parse().map_err(|_| WebError::NotFound)?;
    state
        .store
        .reading_by_id(state.site().id, id)
        .await?
        .ok_or(WebError::NotFound)
}

pub async fn create(
    state: Scoped,
    Staff(staff): Staff,
    StrictForm(fields): StrictForm<ReadingFields>,
) -> Result<Response, WebError> {
    staff.check_csrf(&fields.csrf)?;
    save(&state, &staff, None, fields).await
}

pub async fn update(
    state: Scoped,
    Staff(staff): Staff,
    Path(id): Path<String>,
    StrictForm(fields): StrictForm<ReadingFields>,
) -> Result<Response, WebError> {
    staff.check_csrf(&fields.csrf)?;
    let reading = by_id(&state, &id).await?;
    save(&state, &staff, Some(&reading), fields).await
}

async fn save(
    state: &Scoped,
    staff: &SignedIn,
    existing: Option<&Reading>,
    fields: ReadingFields,
) -> Result<Response, WebError> {
    let details = match fields.details() {
        Ok(details) => details,
        Err(problems) => {
            return show_form(
                state,
                staff,
                existing,
                fields,
                problems,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let site_id = state.site().id;
    let now = calendar::now();
    let saved = match existing {
        Some(reading) => {
            state
                .store
                .update_reading(site_id, reading.id, &details, now)
                .await
        }
        None => state.store.create_reading(site_id, &details, now).await,
    };
    match saved {
        Ok(reading) => Ok(Redirect::to(&state.site().root().join(&format!(
            "/admin/readings?{}",
            Done::about("saved", reading.id)
        )))
        .into_response()),
        Err(StoreError::Conflict(_)) => {
            let problems = vec![ReadingProblem {
                field: "label",
                message: format!(
                    "Another reading of this site has the label “{}”.",
                    details.label.trim()
                ),
            }];
            show_form(
                state,
                staff,
                existing,
                fields,
                problems,
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(error) => Err(error.into()),
    }
}
