//! Writing in the browser: the dashboard's post list, the editor with a server-rendered preview, revisions
//! with their differences, and the trash. Who may do what is decided by `domain::post` (`may_create`,
//! `may_edit`, `planned_status`).

use askama::Template;
use axum::{
    Json,
    extract::Query,
    http::StatusCode,
    response::{Html, IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use similar::{ChangeTag, TextDiff};

use crate::{
    address::Target,
    domain::{
        calendar, citation,
        markup::{SafeHtml, markdown_to_html},
        post::{
            Post, PostKind, PostStatus, SourceFormat, Taxonomy, may_create, may_edit,
            planned_status, title_problem,
        },
        user::Role,
    },
    store::{
        AdminFilter, Autosave, Conflict, Drafting, NewPost, PostEdit, Saved, Site, StoreError,
        Writing,
    },
};

use crate::web::{
    dashboard::menu::Section,
    error::WebError,
    form::{self, StrictForm},
    notice::{Done, Notice, Undo},
    path::Param,
    respond::private,
    respond::render,
    session::SignedIn,
    site_scope::Scoped,
    views::{
        AutosaveOffer, AutosavedDraft, CategoryChoice, DiffLine, EditorFields, EditorPage, Link,
        PostListPage, PostListRow, RevisionView, RevisionsPage,
    },
};

const LIST_PAGE_SIZE: u32 = 30;

/// The writer's role, refusing those who cannot write at all.
fn writer_role(signed_in: &SignedIn) -> Result<Role, WebError> {
    signed_in
        .role
        .filter(|role| *role != Role::Subscriber)
        .ok_or(WebError::Forbidden(
            "Only the course's writers can see this.",
        ))
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    author: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    q: String,
    #[serde(default, rename = "type")]
    kind: String,
    #[serde(default)]
    page: Option<u32>,
}

/// `/admin/posts`: staff see every post; other writers see their own.
pub async fn list(
    state: Scoped,
    signed_in: SignedIn,
    Query(query): Query<ListQuery>,
    Query(done): Query<Done>,
) -> Result<Response, WebError> {
    let role = writer_role(&signed_in)?;
    let (author, category) = (
        query.author.parse::<i64>().ok(),
        query.category.parse::<i64>().ok(),
    );
    let site = state.site().clone();
    let status = match query.status.as_str() {
        "" | "all" => None,
        other => Some(
            other
                .parse::<PostStatus>()
                .map_err(|_| WebError::NotFound)?,
        ),
    };
    let kind = match query.kind.as_str() {
        "page" => PostKind::Page,
        _ => PostKind::Post,
    };
    let filter = AdminFilter {
        kind: Some(kind),
        status,
        author_id: if role.is_staff() {
            author
        } else {
            Some(signed_in.user.id)
        },
        category_id: category,
        search: Some(query.q.clone()).filter(|words| !words.trim().is_empty()),
    };
    let page = query.page.unwrap_or(1).max(1);
    let listed = state
        .store
        .admin_posts(site.id, &filter, page, LIST_PAGE_SIZE)
        .await?;
    let zone = site.settings.zone();
    let (autosaved, cards): (Vec<_>, Vec<_>) = listed
        .cards
        .into_iter()
        .partition(|card| card.post.autosaved_only);
    let autosaved = autosaved
        .into_iter()
        .map(|card| AutosavedDraft {
            edit: Link {
                href: site.root().join(&format!("/admin/posts/{}", card.post.id)),
                text: card.post.title.clone(),
            },
            saved: zone.long_date_time(card.post.modified_at),
            action: site.root().join(&format!("/admin/posts/{}", card.post.id)),
        })
        .collect();
    let rows = cards
        .into_iter()
        .map(|card| PostListRow {
            edit: Link {
                href: site.root().join(&format!("/admin/posts/{}", card.post.id)),
                text: card.post.title.clone(),
            },
            author: card.author_name,
            status: card.post.status.as_str(),
            date: if card.post.date_chosen {
                zone.long_date_time(card.post.published_at)
            } else {
                format!(
                    "Last changed {}",
                    zone.long_date_time(card.post.modified_at)
                )
            },
            categories: card
                .terms
                .iter()
                .filter(|term| term.taxonomy == Taxonomy::Category)
                .map(|term| term.name.clone())
                .collect::<Vec<_>>()
                .join(", "),
            comments: card.comment_count,
        })
        .collect();
    let categories = state.store.categories(site.id).await?;
    let pages = u32::try_from((listed.total.max(0) as u64).div_ceil(u64::from(LIST_PAGE_SIZE)))
        .unwrap_or(1)
        .max(1);
    let page_link = |number: u32| {
        site.root().join(&format!(
            "/admin/posts?type={}&status={}&author={}&category={}&q={}&page={number}",
            kind.as_str(),
            encode(&query.status),
            encode(&query.author),
            encode(&query.category),
            encode(&query.q)
        ))
    };
    let mut layout = state
        .dashboard_layout(
            &site,
            if kind == PostKind::Page {
                "Pages"
            } else {
                "Posts"
            },
            &signed_in,
            if kind == PostKind::Page {
                Section::Pages
            } else {
                Section::Posts
            },
        )
        .await?;
    layout.notice = trashed_notice(&state, &site, &signed_in, &done).await?;
    let view = PostListPage {
        layout,
        rows,
        autosaved,
        csrf: signed_in.csrf.clone(),
        kind: kind.as_str(),
        status: query.status.clone(),
        search: query.q.clone(),
        categories: categories
            .iter()
            .map(|term| (term.id, term.name.clone(), category == Some(term.id)))
            .collect(),
        authors: if role.is_staff() {
            state
                .store
                .members(site.id)
                .await?
                .into_iter()
                .filter(|member| member.role != Role::Subscriber)
                .map(|member| {
                    (
                        member.user.id,
                        member.user.name,
                        author == Some(member.user.id),
                    )
                })
                .collect()
        } else {
            Vec::new()
        },
        can_create_pages: may_create(Some(role), PostKind::Page),
        total: listed.total,
        newer: (page > 1).then(|| page_link(page - 1)),
        older: (page < pages).then(|| page_link(page + 1)),
    };
    private(render(StatusCode::OK, &view))
}

fn encode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}

impl EditorFields {
    /// The categories (ticked and new) and tags the form names.
    fn terms(&self) -> (Vec<String>, Vec<String>) {
        (self.all_categories(), split_names(&self.tags))
    }

    /// A new post from the form as typed: a draft dated now, with no parent, password or stickiness, which a
    /// save's plan then overrides.
    fn new_post<'a>(
        &'a self,
        site_id: i64,
        author_id: i64,
        kind: PostKind,
        (categories, tags): &'a (Vec<String>, Vec<String>),
        now: i64,
    ) -> NewPost<'a> {
        NewPost {
            reading_id: None,
            site_id,
            author_id,
            kind,
            status: PostStatus::Draft,
            title: self.title.trim(),
            source: &self.body,
            format: SourceFormat::Markdown,
            excerpt: &self.excerpt,
            slug: None,
            parent_id: None,
            comments_open: self.comments_open,
            published_at: now,
            categories,
            tags,
            sticky: false,
            password: None,
        }
    }

    fn from_form(form: &[(String, String)]) -> Self {
        let field = |name: &str| form::field(form, name).unwrap_or_default().to_owned();
        Self {
            title: field("title"),
            body: field("body"),
            excerpt: field("excerpt"),
            categories: form
                .iter()
                .filter(|(key, _)| key == "category")
                .map(|(_, value)| value.clone())
                .collect(),
            new_categories: field("new_categories"),
            tags: field("tags"),
            status: field("status"),
            date: field("date"),
            sticky: form.iter().any(|(key, _)| key == "sticky"),
            comments_open: form.iter().any(|(key, _)| key == "comments_open"),
            password: field("password"),
            parent: field("parent"),
            reading: field("reading"),
            version: field("version").parse().unwrap_or(0),
            action: field("action"),
            csrf: field("csrf"),
            session: field("session"),
        }
    }

    fn of_post(
        post: &Post,
        zone: &calendar::SiteZone,
        categories: Vec<String>,
        tags: Vec<String>,
    ) -> Self {
        Self {
            title: post.title.clone(),
            body: post.source.clone(),
            excerpt: post.excerpt.clone(),
            categories,
            new_categories: String::new(),
            tags: tags.join(", "),
            status: post.status.as_str().to_owned(),
            date: if post.date_chosen {
                zone.local_input(post.published_at)
            } else {
                String::new()
            },
            sticky: post.sticky,
            comments_open: post.comments_open,
            password: post.password.clone().unwrap_or_default(),
            parent: post.parent_id.map(|id| id.to_string()).unwrap_or_default(),
            reading: post.reading_id.map(|id| id.to_string()).unwrap_or_default(),
            version: post.version,
            action: String::new(),
            csrf: String::new(),
            session: String::new(),
        }
    }

    /// Every category named: the ticked ones and the new ones typed (comma-separated).
    fn all_categories(&self) -> Vec<String> {
        let mut names = self.categories.clone();
        names.extend(split_names(&self.new_categories));
        names
    }
}

fn split_names(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(str::to_owned)
        .collect()
}

/// What goes wrong with a save, shown beside the form.
#[derive(Default)]
struct Problems {
    title: Option<String>,
    date: Option<String>,
    notice: Option<Notice>,
    offer_publish_now: bool,
    conflict: Option<Post>,
    autosave: Option<AutosaveOffer>,
}

#[derive(Debug, Default, Deserialize)]
pub struct NewQuery {
    #[serde(default, rename = "type")]
    kind: String,
}

impl NewQuery {
    /// The kind of the new post (`?type=page` for a page), refused when the role may not write it.
    fn kind_for(&self, role: Role) -> Result<PostKind, WebError> {
        let kind = if self.kind == "page" {
            PostKind::Page
        } else {
            PostKind::Post
        };
        if may_create(Some(role), kind) {
            Ok(kind)
        } else {
            Err(WebError::Forbidden(
                "Only editors and administrators write pages.",
            ))
        }
    }
}

pub async fn new_post(
    state: Scoped,
    signed_in: SignedIn,
    Query(query): Query<NewQuery>,
) -> Result<Response, WebError> {
    let role = writer_role(&signed_in)?;
    let kind = query.kind_for(role)?;
    let site = state.site().clone();
    let fields = EditorFields {
        status: "draft".into(),
        comments_open: kind == PostKind::Post,
        date: String::new(),
        session: crate::domain::user::new_token(),
        ..EditorFields::default()
    };
    show_editor(
        &state,
        &site,
        &signed_in,
        EditorTarget::New(kind),
        fields,
        Problems::default(),
        StatusCode::OK,
    )
    .await
}

/// The post an editor page is for.
enum EditorTarget {
    New(PostKind),
    Existing(Box<Post>),
}

impl EditorTarget {
    fn kind(&self) -> PostKind {
        match self {
            Self::New(kind) => *kind,
            Self::Existing(post) => post.kind,
        }
    }
}

pub async fn create_post(
    state: Scoped,
    signed_in: SignedIn,
    Query(query): Query<NewQuery>,
    StrictForm(form): StrictForm<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let mut fields = EditorFields::from_form(&form);
    signed_in.check_csrf(&fields.csrf)?;
    let role = writer_role(&signed_in)?;
    let kind = query.kind_for(role)?;
    let site = state.site().clone();
    // The session's post exists already (an autosave made it, or the form was sent twice): this save is of it.
    if let Some(made) = post_of_session(&state, &site, &signed_in, &fields).await? {
        if fields.version == 0 {
            fields.version = made.version;
        }
        return save_to(&state, &site, &signed_in, role, made, fields).await;
    }
    let plan = match plan_or_page(&state, &site, role, EditorTarget::New(kind), &fields).await? {
        Step::Save(plan) => plan,
        Step::Show(target, problems, status) => {
            return show_editor(&state, &site, &signed_in, target, fields, *problems, status).await;
        }
    };
    let terms = fields.terms();
    let now = state.clock.now();
    let post = state
        .store
        .create_draft(
            &NewPost {
                reading_id: plan.reading_id.filter(|_| kind == PostKind::Post),
                status: plan.status,
                parent_id: plan.parent_id,
                published_at: plan.published_at,
                sticky: fields.sticky && role.is_staff(),
                password: plan.password.as_deref(),
                ..fields.new_post(site.id, signed_in.user.id, kind, &terms, now)
            },
            Drafting {
                editing_session: Some(fields.session.as_str())
                    .filter(|session| !session.is_empty()),
                autosaved_only: false,
                date_chosen: plan.date_chosen,
            },
            now,
        )
        .await?;
    tracing::info!(post = post.id, by = signed_in.user.id, status = %post.status, "post created");
    Ok(Redirect::to(
        &site
            .root()
            .join(&format!("/admin/posts/{}?saved=1", post.id)),
    )
    .into_response())
}

/// The post the form's editing session already made, if any.
async fn post_of_session(
    state: &Scoped,
    site: &Site,
    signed_in: &SignedIn,
    fields: &EditorFields,
) -> Result<Option<Post>, WebError> {
    if fields.session.is_empty() {
        return Ok(None);
    }
    Ok(state
        .store
        .post_of_editing_session(site.id, signed_in.user.id, &fields.session)
        .await?)
}

/// The next step of a save: write it, or show the editor again (with the problems, or as a preview).
enum Step {
    Save(Plan),
    Show(EditorTarget, Box<Problems>, StatusCode),
}

/// Checks the typed fields, and turns a preview request into a page to show.
async fn plan_or_page(
    state: &Scoped,
    site: &Site,
    role: Role,
    target: EditorTarget,
    fields: &EditorFields,
) -> Result<Step, WebError> {
    Ok(match plan_save(state, site, role, fields).await? {
        Err(problems) => Step::Show(target, Box::new(problems), StatusCode::UNPROCESSABLE_ENTITY),
        Ok(_) if fields.action == "preview" => Step::Show(target, Box::default(), StatusCode::OK),
        Ok(plan) => Step::Save(plan),
    })
}

/// What a valid save writes.
struct Plan {
    status: PostStatus,
    published_at: i64,
    /// The writer gave the date, or the post is published or scheduled: its date no longer floats.
    date_chosen: bool,
    parent_id: Option<i64>,
    password: Option<String>,
    reading_id: Option<i64>,
}

/// Checks the typed fields: title, date, status (with the role's limits), parent page.
async fn plan_save(
    state: &Scoped,
    site: &Site,
    role: Role,
    fields: &EditorFields,
) -> Result<Result<Plan, Problems>, WebError> {
    let zone = site.settings.zone();
    let now = state.clock.now();
    let mut problems = Problems {
        title: title_problem(&fields.title).map(str::to_owned),
        ..Problems::default()
    };
    let published_at = if fields.date.trim().is_empty() {
        Some(now)
    } else {
        zone.parse_local(&fields.date)
    };
    if published_at.is_none() {
        problems.date =
            Some("Give the date and time as the field asks, for example 2026-09-01 09:00.".into());
    }
    let publish_now = fields.action == "publish_now";
    let requested = if publish_now {
        PostStatus::Publish
    } else {
        fields
            .status
            .parse::<PostStatus>()
            .unwrap_or(PostStatus::Draft)
    };
    let published_at = if publish_now {
        now
    } else {
        published_at.unwrap_or(now)
    };
    let status = match planned_status(role, requested, published_at, now) {
        Ok(status) => status,
        Err(_) => {
            problems.date = Some(
                "That date and time have already passed, so the post cannot be scheduled for them."
                    .into(),
            );
            problems.offer_publish_now = true;
            PostStatus::Draft
        }
    };
    let parent_id = chosen_parent(state, site, &fields.parent).await?;
    let reading_id = chosen_reading(state, site, &fields.reading).await?;
    if problems.title.is_some() || problems.date.is_some() {
        problems.notice = Some(Notice::problem(
            "Nothing was saved: please correct the marked fields.",
        ));
        return Ok(Err(problems));
    }
    let password = Some(fields.password.trim().to_owned()).filter(|password| !password.is_empty());
    Ok(Ok(Plan {
        date_chosen: !fields.date.trim().is_empty()
            || matches!(status, PostStatus::Publish | PostStatus::Future),
        status,
        published_at,
        parent_id,
        password,
        reading_id,
    }))
}

/// The page a form names as the parent, when it is a page of the site.
async fn chosen_parent(state: &Scoped, site: &Site, typed: &str) -> Result<Option<i64>, WebError> {
    Ok(match typed.trim().parse::<i64>() {
        Ok(id) => state
            .store
            .post_by_id(site.id, id)
            .await?
            .filter(|parent| parent.kind == PostKind::Page)
            .map(|parent| parent.id),
        Err(_) => None,
    })
}

/// The title an autosaved draft is stored under: the one typed, or a placeholder while it has none that reads.
fn draft_title(fields: &EditorFields) -> &str {
    match fields.title.trim() {
        "" => UNTITLED,
        title if title_problem(title).is_some() => UNTITLED,
        title => title,
    }
}

/// The reading a form names, when it is one of the site's (pages discuss none).
async fn chosen_reading(state: &Scoped, site: &Site, typed: &str) -> Result<Option<i64>, WebError> {
    Ok(match typed.trim().parse::<i64>() {
        Ok(id) => state
            .store
            .reading_by_id(site.id, id)
            .await?
            .map(|reading| reading.id),
        Err(_) => None,
    })
}

/// What the list says after a post went to the trash (with the Undo that brings it back), or to a new member.
async fn trashed_notice(
    state: &Scoped,
    site: &Site,
    signed_in: &SignedIn,
    done: &Done,
) -> Result<Option<Notice>, WebError> {
    match done.what() {
        Some("trash") => {}
        Some("joined") => {
            return Ok(Some(Notice::success(format!(
                "Welcome to {}: you are a member now, as {}. Write your first post here, or go back to the course's pages.",
                site.settings.title,
                signed_in.role.map_or("a reader", Role::with_article)
            ))));
        }
        _ => return Ok(None),
    }
    let Some(id) = done.undo().and_then(|id| id.parse::<i64>().ok()) else {
        return Ok(None);
    };
    let Some(post) = state.store.post_by_id(site.id, id).await? else {
        return Ok(None);
    };
    if !may_edit(signed_in.role, signed_in.user.id, &post) {
        return Ok(None);
    }
    let notice = Notice::success(format!("“{}” moved to the trash.", post.title));
    Ok(Some(if post.status == PostStatus::Trash {
        notice.with_undo(Undo {
            action: site.root().join(&format!("/admin/posts/{}", post.id)),
            fields: vec![("action", "restore".to_owned())],
            what: format!("(bring “{}” back from the trash)", post.title),
        })
    } else {
        notice
    }))
}

/// What the editor says after a save, by what the save made of the post.
fn saved_notice(post: &Post, site: &Site) -> Notice {
    Notice::success(match post.status {
        PostStatus::Draft => "Draft saved.".to_owned(),
        PostStatus::Pending => {
            "Submitted for review: an editor will read it before it is published.".to_owned()
        }
        PostStatus::Publish => "Published: readers can see it now.".to_owned(),
        PostStatus::Future => format!(
            "Scheduled: it will be published on {}.",
            site.settings.zone().long_date_time(post.published_at)
        ),
        PostStatus::Private => {
            "Saved as private: only the site's staff and you can read it.".to_owned()
        }
        PostStatus::Trash => "Saved, in the trash.".to_owned(),
    })
}

/// A status as the notices say it: "the post is a draft again".
fn status_words(status: PostStatus) -> &'static str {
    match status {
        PostStatus::Draft => "a draft",
        PostStatus::Pending => "waiting for review",
        PostStatus::Publish => "published",
        PostStatus::Future => "scheduled",
        PostStatus::Private => "private",
        PostStatus::Trash => "in the trash",
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct EditQuery {
    #[serde(default)]
    saved: Option<String>,
    /// `restore`: it was just taken out of the trash.
    #[serde(default)]
    done: Option<String>,
    /// `restore`: fill the form with the writer's autosave.
    #[serde(default)]
    autosave: Option<String>,
}

async fn editable(
    state: &Scoped,
    site: &Site,
    signed_in: &SignedIn,
    id: i64,
) -> Result<Post, WebError> {
    let post = state
        .store
        .post_by_id(site.id, id)
        .await?
        .filter(|post| !post.discusses_reading)
        .ok_or(WebError::NotFound)?;
    if !may_edit(signed_in.role, signed_in.user.id, &post) {
        return Err(WebError::Forbidden(
            "You can edit only your own posts (and a contributor only until it is published).",
        ));
    }
    Ok(post)
}

async fn fields_of(state: &Scoped, site: &Site, post: &Post) -> Result<EditorFields, WebError> {
    let terms = state.store.terms_of_posts(&[post.id]).await?;
    let names = |taxonomy: Taxonomy| -> Vec<String> {
        terms
            .iter()
            .filter(|(_, term)| term.taxonomy == taxonomy)
            .map(|(_, term)| term.name.clone())
            .collect()
    };
    Ok(EditorFields::of_post(
        post,
        &site.settings.zone(),
        names(Taxonomy::Category),
        names(Taxonomy::Tag),
    ))
}

pub async fn edit_post(
    state: Scoped,
    signed_in: SignedIn,
    Param(id): Param<i64>,
    Query(query): Query<EditQuery>,
) -> Result<Response, WebError> {
    let site = state.site().clone();
    let post = editable(&state, &site, &signed_in, id).await?;
    let mut fields = fields_of(&state, &site, &post).await?;
    let mut problems = Problems {
        notice: if query.done.as_deref() == Some("restore") {
            Some(Notice::success(format!(
                "Restored from the trash: the {} is {} again.",
                post.kind.as_str(),
                status_words(post.status)
            )))
        } else {
            query.saved.is_some().then(|| saved_notice(&post, &site))
        },
        ..Problems::default()
    };
    let autosave = state
        .store
        .autosave_of(post.id, signed_in.user.id)
        .await?
        .filter(|autosave| {
            autosave.saved_at >= post.modified_at
                && (autosave.title != post.title
                    || autosave.source != post.source
                    || autosave.excerpt != post.excerpt)
        });
    if let Some(autosave) = autosave {
        let when = site.settings.zone().long_date_time(autosave.saved_at);
        if query.autosave.as_deref() == Some("restore") {
            fields.title = autosave.title;
            fields.body = autosave.source;
            fields.excerpt = autosave.excerpt;
            problems.notice = Some(Notice::success(format!(
                "The autosave of {when} is in the form below. Save to keep it; leave to keep the saved version."
            )));
        } else {
            problems.autosave = Some(AutosaveOffer {
                when,
                href: site
                    .root()
                    .join(&format!("/admin/posts/{}?autosave=restore", post.id)),
            });
        }
    }
    show_editor(
        &state,
        &site,
        &signed_in,
        EditorTarget::Existing(Box::new(post)),
        fields,
        problems,
        StatusCode::OK,
    )
    .await
}

pub async fn save_post(
    state: Scoped,
    signed_in: SignedIn,
    Param(id): Param<i64>,
    StrictForm(form): StrictForm<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let fields = EditorFields::from_form(&form);
    signed_in.check_csrf(&fields.csrf)?;
    let role = writer_role(&signed_in)?;
    let site = state.site().clone();
    let post = editable(&state, &site, &signed_in, id).await?;
    save_to(&state, &site, &signed_in, role, post, fields).await
}

/// A save (or trash, restore, preview) of `post` from the editor's form.
async fn save_to(
    state: &Scoped,
    site: &Site,
    signed_in: &SignedIn,
    role: Role,
    post: Post,
    mut fields: EditorFields,
) -> Result<Response, WebError> {
    let now = state.clock.now();
    match fields.action.as_str() {
        "trash" | "restore" => {
            let trashed = state
                .store
                .set_trashed(site.id, post.id, fields.action == "trash", now)
                .await?;
            tracing::info!(post = post.id, by = signed_in.user.id, status = %trashed.status, "post trashed or restored");
            let back = if fields.action == "trash" {
                format!(
                    "/admin/posts?type={}&{}",
                    post.kind.as_str(),
                    Done::query("trash", 1, Some(&post.id.to_string()))
                )
            } else {
                format!(
                    "/admin/posts/{}?{}",
                    post.id,
                    Done::query("restore", 1, None)
                )
            };
            return Ok(Redirect::to(&site.root().join(&back)).into_response());
        }
        _ => {}
    }
    let target = EditorTarget::Existing(Box::new(post.clone()));
    let plan = match plan_or_page(state, site, role, target, &fields).await? {
        Step::Save(plan) => plan,
        Step::Show(target, problems, status) => {
            return show_editor(state, site, signed_in, target, fields, *problems, status).await;
        }
    };
    let categories = fields.all_categories();
    let tags = split_names(&fields.tags);
    let edit = PostEdit {
        reading_id: plan.reading_id.filter(|_| post.kind == PostKind::Post),
        title: fields.title.trim(),
        source: &fields.body,
        excerpt: &fields.excerpt,
        status: plan.status,
        published_at: plan.published_at,
        comments_open: fields.comments_open,
        sticky: if role.is_staff() {
            fields.sticky
        } else {
            post.sticky
        },
        password: plan.password.as_deref(),
        parent_id: if post.kind == PostKind::Page {
            plan.parent_id.filter(|parent| *parent != post.id)
        } else {
            None
        },
        categories: &categories,
        tags: &tags,
        date_chosen: plan.date_chosen,
    };
    match state
        .store
        .update_post(
            site.id,
            post.id,
            fields.version,
            signed_in.user.id,
            &edit,
            now,
            Writing::Save,
        )
        .await?
    {
        Saved::Saved(saved) => {
            state
                .store
                .discard_autosave(saved.id, signed_in.user.id)
                .await?;
            tracing::info!(
                post = saved.id,
                by = signed_in.user.id,
                version = saved.version,
                "post saved"
            );
            Ok(Redirect::to(
                &site
                    .root()
                    .join(&format!("/admin/posts/{}?saved=1", saved.id)),
            )
            .into_response())
        }
        Saved::Conflict(current) => {
            let current = *current;
            fields.version = current.version;
            let problems = Problems {
                notice: Some(Notice::problem(
                    "Someone else saved this post while you were editing. Their version is shown below and yours is \
                     still in the form: nothing was saved. Merge what you need, then save again to replace theirs.",
                )),
                conflict: Some(current.clone()),
                ..Problems::default()
            };
            show_editor(
                state,
                site,
                signed_in,
                EditorTarget::Existing(Box::new(current)),
                fields,
                problems,
                StatusCode::CONFLICT,
            )
            .await
        }
    }
}

async fn show_editor(
    state: &Scoped,
    site: &Site,
    signed_in: &SignedIn,
    target: EditorTarget,
    fields: EditorFields,
    problems: Problems,
    status: StatusCode,
) -> Result<Response, WebError> {
    let kind = target.kind();
    let role = signed_in.role.unwrap_or(Role::Subscriber);
    let categories = if kind == PostKind::Post {
        state.store.categories(site.id).await?
    } else {
        Vec::new()
    };
    let choices = nest_categories(&categories, &fields.categories);
    let pages = if kind == PostKind::Page {
        state
            .store
            .admin_posts(
                site.id,
                &AdminFilter {
                    kind: Some(PostKind::Page),
                    ..AdminFilter::default()
                },
                1,
                500,
            )
            .await?
            .cards
    } else {
        Vec::new()
    };
    let (id, title, view_link) = match &target {
        EditorTarget::New(_) => (None, format!("New {}", kind.as_str()), None),
        EditorTarget::Existing(post) => (
            Some(post.id),
            format!("Edit {}", kind.as_str()),
            match post.is_public() {
                true => Some(state.address_of(site, Target::Post(post)).await?),
                false => None,
            },
        ),
    };
    let trashed =
        matches!(&target, EditorTarget::Existing(post) if post.status == PostStatus::Trash);
    let preview = if fields.action == "preview" {
        Some(preview_html(state, site, &fields.body, &fields.reading).await?)
    } else {
        None
    };
    let statuses: Vec<(&'static str, &'static str)> = [
        ("draft", "Draft"),
        ("pending", "Pending review"),
        ("publish", "Published"),
        ("private", "Private"),
        ("future", "Scheduled"),
    ]
    .into_iter()
    .filter(|(value, _)| role.can_publish() || matches!(*value, "draft" | "pending"))
    .chain(trashed.then_some(("trash", "In the trash")))
    .collect();
    let mut layout = state
        .dashboard_layout(
            site,
            &title,
            signed_in,
            if kind == PostKind::Page {
                Section::Pages
            } else {
                Section::Posts
            },
        )
        .await?;
    layout.notice = problems.notice.or_else(|| {
        trashed.then(|| {
            Notice::problem(format!(
                "This {} is in the trash: readers cannot see it. Restore it to bring it back.",
                kind.as_str()
            ))
        })
    });
    let view = EditorPage {
        layout,
        heading: title,
        action: match id {
            Some(id) => site.root().join(&format!("/admin/posts/{id}")),
            None => site
                .root()
                .join(&format!("/admin/posts/new?type={}", kind.as_str())),
        },
        id,
        is_page: kind == PostKind::Page,
        csrf: signed_in.csrf.clone(),
        can_sticky: role.is_staff() && kind == PostKind::Post,
        statuses,
        categories: choices,
        parents: pages
            .into_iter()
            .filter(|card| Some(card.post.id) != id)
            .map(|card| {
                (
                    card.post.id.to_string(),
                    card.post.title,
                    fields.parent == card.post.id.to_string(),
                )
            })
            .collect(),
        readings: state
            .store
            .readings(site.id)
            .await?
            .into_iter()
            .map(|reading| {
                let value = reading.id.to_string();
                let selected = fields.reading == value;
                (
                    value,
                    format!("{} ({})", reading.title, reading.label),
                    selected,
                )
            })
            .collect(),
        title_error: problems.title,
        date_error: problems.date,
        offer_publish_now: problems.offer_publish_now,
        conflict: problems.conflict.map(|post| (post.title, post.source)),
        autosave: problems.autosave,
        preview,
        view_link,
        trashed,
        fields,
    };
    private(render(status, &view))
}

/// Categories in tree order, with their depth and whether they are ticked.
fn nest_categories(
    categories: &[crate::domain::post::Term],
    ticked: &[String],
) -> Vec<CategoryChoice> {
    fn walk(
        parent: Option<i64>,
        depth: usize,
        all: &[crate::domain::post::Term],
        ticked: &[String],
        out: &mut Vec<CategoryChoice>,
    ) {
        for term in all.iter().filter(|term| term.parent_id == parent) {
            if out.iter().any(|choice| choice.name == term.name) {
                continue;
            }
            out.push(CategoryChoice {
                name: term.name.clone(),
                depth,
                checked: ticked
                    .iter()
                    .any(|name| name.eq_ignore_ascii_case(&term.name)),
            });
            walk(Some(term.id), depth + 1, all, ticked, out);
        }
    }
    let mut out = Vec::new();
    walk(None, 0, categories, ticked, &mut out);
    out
}

/// `/admin/posts/ID/revisions`: every saved state, newest first, each with its changes from the one before.
pub async fn revisions(
    state: Scoped,
    signed_in: SignedIn,
    Param(id): Param<i64>,
) -> Result<Response, WebError> {
    let site = state.site().clone();
    let post = editable(&state, &site, &signed_in, id).await?;
    let zone = site.settings.zone();
    let revisions = state.store.revisions(site.id, post.id).await?;
    let views = revisions
        .iter()
        .enumerate()
        .map(|(index, revision)| {
            let older = revisions.get(index + 1);
            let before = older.map_or(String::new(), |older| {
                format!("{}\n\n{}", older.title, older.source)
            });
            let after = format!("{}\n\n{}", revision.title, revision.source);
            RevisionView {
                id: revision.id,
                editor: revision
                    .editor_name
                    .clone()
                    .unwrap_or_else(|| "colloquy (an upgrade)".into()),
                date: zone.long_date_time(revision.created_at),
                title: revision.title.clone(),
                is_current: index == 0,
                diff: TextDiff::from_lines(&before, &after)
                    .iter_all_changes()
                    .filter(|change| change.tag() != ChangeTag::Equal || older.is_none())
                    .map(|change| DiffLine {
                        sign: match change.tag() {
                            ChangeTag::Delete => "-",
                            ChangeTag::Insert => "+",
                            ChangeTag::Equal => " ",
                        },
                        text: change.value().trim_end_matches('\n').to_owned(),
                    })
                    .collect(),
            }
        })
        .collect();
    let view = RevisionsPage {
        layout: state
            .dashboard_layout(&site, "Revisions", &signed_in, Section::Posts)
            .await?,
        post: Link {
            href: site.root().join(&format!("/admin/posts/{}", post.id)),
            text: post.title.clone(),
        },
        post_id: post.id,
        version: post.version,
        csrf: signed_in.csrf.clone(),
        revisions: views,
    };
    private(render(StatusCode::OK, &view))
}

#[derive(Debug, Deserialize)]
pub struct RestoreForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    version: i64,
}

/// Restores a revision's text as a new save (which is itself kept as a revision).
pub async fn restore_revision(
    state: Scoped,
    signed_in: SignedIn,
    Param((id, revision_id)): Param<(i64, i64)>,
    StrictForm(form): StrictForm<RestoreForm>,
) -> Result<Response, WebError> {
    signed_in.check_csrf(&form.csrf)?;
    let site = state.site().clone();
    let post = editable(&state, &site, &signed_in, id).await?;
    let revision = state
        .store
        .revisions(site.id, post.id)
        .await?
        .into_iter()
        .find(|revision| revision.id == revision_id)
        .ok_or(WebError::NotFound)?;
    let current = fields_of(&state, &site, &post).await?;
    let categories = current.all_categories();
    let tags = split_names(&current.tags);
    let edit = PostEdit {
        reading_id: post.reading_id,
        date_chosen: post.date_chosen,
        title: &revision.title,
        source: &revision.source,
        excerpt: &revision.excerpt,
        status: post.status,
        published_at: post.published_at,
        comments_open: post.comments_open,
        sticky: post.sticky,
        password: post.password.as_deref(),
        parent_id: post.parent_id,
        categories: &categories,
        tags: &tags,
    };
    match state
        .store
        .update_post(
            site.id,
            post.id,
            form.version,
            signed_in.user.id,
            &edit,
            state.clock.now(),
            Writing::Save,
        )
        .await?
    {
        Saved::Saved(_) => Ok(Redirect::to(
            &site
                .root()
                .join(&format!("/admin/posts/{}?saved=1", post.id)),
        )
        .into_response()),
        Saved::Conflict(_) => Err(WebError::Conflict(
            "The post changed while you were looking at its revisions. Reload and try again.",
        )),
    }
}

/// `POST /admin/posts/ID/autosave` (the editor's script, every 30 seconds of typing and when the page is
/// left): keeps the typed title and text as the writer's autosave, without changing the post.
pub async fn autosave(
    state: Scoped,
    signed_in: SignedIn,
    Param(id): Param<i64>,
    StrictForm(form): StrictForm<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let fields = EditorFields::from_form(&form);
    signed_in.check_csrf(&fields.csrf)?;
    writer_role(&signed_in)?;
    let site = state.site().clone();
    let post = editable(&state, &site, &signed_in, id).await?;
    let now = state.clock.now();
    let version = match autosave_into_draft(&state, &site, &signed_in, &post, &fields, now).await? {
        Some(draft) => draft.version,
        None => {
            state
                .store
                .put_autosave(
                    post.id,
                    signed_in.user.id,
                    &Autosave {
                        title: fields.title,
                        source: fields.body,
                        excerpt: fields.excerpt,
                        saved_at: now,
                    },
                )
                .await?;
            post.version
        }
    };
    private(Ok(Json(serde_json::json!({
        "saved": site.settings.zone().long_date_time(now),
        "version": version,
    }))
    .into_response()))
}

/// While nobody has saved a draft that autosave made, its writer's autosaves write the draft itself, with the
/// categories, tags, reading and discussion as last typed (WordPress does the same for a draft's own author);
/// `None` when the post is past that (saved, published, someone else's, or moved on since the form's version).
async fn autosave_into_draft(
    state: &Scoped,
    site: &Site,
    signed_in: &SignedIn,
    post: &Post,
    fields: &EditorFields,
    now: i64,
) -> Result<Option<Post>, WebError> {
    if !post.autosaved_only
        || post.status != PostStatus::Draft
        || post.author_id != signed_in.user.id
    {
        return Ok(None);
    }
    let title = draft_title(fields);
    let (categories, tags) = fields.terms();
    let reading_id = chosen_reading(state, site, &fields.reading)
        .await?
        .filter(|_| post.kind == PostKind::Post);
    let parent_id = chosen_parent(state, site, &fields.parent)
        .await?
        .filter(|parent| *parent != post.id);
    let password = Some(fields.password.trim()).filter(|password| !password.is_empty());
    let edit = PostEdit {
        reading_id,
        title,
        source: &fields.body,
        excerpt: &fields.excerpt,
        status: PostStatus::Draft,
        published_at: post.published_at,
        comments_open: fields.comments_open,
        sticky: post.sticky,
        password,
        parent_id: parent_id.filter(|_| post.kind == PostKind::Page),
        categories: &categories,
        tags: &tags,
        date_chosen: post.date_chosen,
    };
    match state
        .store
        .update_post(
            site.id,
            post.id,
            fields.version,
            signed_in.user.id,
            &edit,
            now,
            Writing::AutosaveOfDraft,
        )
        .await?
    {
        Saved::Saved(draft) => Ok(Some(*draft)),
        Saved::Conflict(_) => Ok(None),
    }
}

/// The title a draft autosaved before it had one is stored under.
const UNTITLED: &str = "Untitled draft";

/// `POST /admin/posts/new/autosave`: the first autosave of a new post stores it as a draft, so that nothing
/// typed is lost; the editor's script then goes on editing that draft.
pub async fn autosave_new(
    state: Scoped,
    signed_in: SignedIn,
    Query(query): Query<NewQuery>,
    StrictForm(form): StrictForm<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let fields = EditorFields::from_form(&form);
    signed_in.check_csrf(&fields.csrf)?;
    let role = writer_role(&signed_in)?;
    let kind = query.kind_for(role)?;
    if fields.title.trim().is_empty() && fields.body.trim().is_empty() {
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    let site = state.site().clone();
    let now = state.clock.now();
    // Left and opened again, the editor goes on with its session's draft rather than making another.
    let post = match post_of_session(&state, &site, &signed_in, &fields).await? {
        Some(made) => {
            let fields = EditorFields {
                version: made.version,
                ..fields.clone()
            };
            match autosave_into_draft(&state, &site, &signed_in, &made, &fields, now).await? {
                Some(draft) => draft,
                None => {
                    state
                        .store
                        .put_autosave(
                            made.id,
                            signed_in.user.id,
                            &Autosave {
                                title: fields.title.clone(),
                                source: fields.body.clone(),
                                excerpt: fields.excerpt.clone(),
                                saved_at: now,
                            },
                        )
                        .await?;
                    made
                }
            }
        }
        None => {
            let title = draft_title(&fields);
            let terms = fields.terms();
            let reading_id = chosen_reading(&state, &site, &fields.reading)
                .await?
                .filter(|_| kind == PostKind::Post);
            let created = state
                .store
                .create_draft(
                    &NewPost {
                        reading_id,
                        status: PostStatus::Draft,
                        title,
                        ..fields.new_post(site.id, signed_in.user.id, kind, &terms, now)
                    },
                    Drafting {
                        editing_session: Some(fields.session.as_str())
                            .filter(|session| !session.is_empty()),
                        autosaved_only: true,
                        date_chosen: false,
                    },
                    now,
                )
                .await;
            match created {
                Ok(post) => post,
                // Two autosaves of one session at once: the other made the draft.
                Err(StoreError::Conflict(Conflict::Duplicate)) => {
                    post_of_session(&state, &site, &signed_in, &fields)
                        .await?
                        .ok_or(WebError::NotFound)?
                }
                Err(error) => return Err(error.into()),
            }
        }
    };
    tracing::info!(post = post.id, by = signed_in.user.id, "draft autosaved");
    private(Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({
            "id": post.id,
            "version": post.version,
            "title": post.title,
            "action": site.root().join(&format!("/admin/posts/{}", post.id)),
            "saved": site.settings.zone().long_date_time(now),
        })),
    )
        .into_response()))
}

/// `POST /admin/preview`: the editor's live preview, rendered by the same pipeline as a saved post.
pub async fn preview(
    state: Scoped,
    signed_in: SignedIn,
    StrictForm(form): StrictForm<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    signed_in.check_csrf(form::field(&form, "csrf").unwrap_or_default())?;
    writer_role(&signed_in)?;
    let body = form::field(&form, "body").unwrap_or_default();
    let reading = form::field(&form, "reading").unwrap_or_default();
    let html = preview_html(&state, state.site(), body, reading).await?;
    private(Ok(Html(html.into_string()).into_response()))
}

/// The citation check the preview shows its writer above the text.
#[derive(Template)]
#[template(
    ext = "html",
    source = r#"<div class="citation-review" role="status">
<p>{% if findings.len() == 1 %}One citation{% else %}{{ findings.len() }} citations{% endif %} of a reading; {% if problems == 0 %}each quotation is on the page it cites.{% else if problems == 1 %}one needs a look (only you and the course's staff see this):{% else %}{{ problems }} need a look (only you and the course's staff see this):{% endif %}</p>
{% if problems > 0 %}<ul>{% for finding in findings %}{% if let Some(problem) = finding.problem %}<li><q>{{ finding.quote }}</q> ({{ finding.cites }}): {{ problem }}</li>{% endif %}{% endfor %}</ul>{% endif %}
</div>
"#
)]
struct CitationReview {
    findings: Vec<citation::Finding>,
    problems: usize,
}

/// A body as the saved post will show it (citations linked), with the check of its citations above it.
async fn preview_html(
    state: &Scoped,
    site: &Site,
    body: &str,
    reading: &str,
) -> Result<SafeHtml, WebError> {
    let body = body.to_owned();
    let (rendered, citations) = crate::cpu::off_the_async_workers(move || {
        let rendered = markdown_to_html(&body);
        let (_, citations) = citation::link_in_html(rendered.as_str(), |_| None);
        (rendered, citations)
    })
    .await;
    if citations.is_empty() {
        return Ok(rendered);
    }
    let reading_id = chosen_reading(state, site, reading).await?;
    let citable = state.store.citable(site.id, reading_id).await?;
    let (linked, cited) = citation::link_citations(&rendered, &citable);
    let mut texts = std::collections::HashMap::new();
    for cited in &cited {
        if texts.contains_key(&cited.reading_id) {
            continue;
        }
        if let Some(reading) = state.store.reading_by_id(site.id, cited.reading_id).await?
            && let Ok(text) = crate::discussion::reading_text(&reading).await
        {
            texts.insert(reading.id, (reading.label.clone(), text.comparable_pages()));
        }
    }
    let findings = citation::review(&citations, &citable, &|id| texts.get(&id).cloned());
    let review = CitationReview {
        problems: findings
            .iter()
            .filter(|finding| finding.problem.is_some())
            .count(),
        findings,
    };
    Ok(SafeHtml::from_template(&review)?.followed_by(&linked))
}
