//! `/admin/sites`, on the main site only: its administrators manage every course site there. They add one (its
//! first administrator invited by mail), rename, archive and restore one, and copy one for next term. The work
//! is `crate::courses`'s, as `colloquy site …` does it; this door finds the site, keeps what was typed when it
//! must be corrected, and says what was done.

use axum::{
    extract::Query,
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Deserialize;

use crate::{
    courses::{CourseError, Courses, NewCourse},
    domain::{
        calendar,
        site::{Site, SiteField, SiteProblem},
        user::Role,
    },
    store::{GivenAdministrator, StoreError},
};

use crate::web::{
    dashboard::menu::Section,
    error::WebError,
    form::StrictForm,
    respond::{private, render},
    session::{Administrator, SignedIn},
    site_scope::Scoped,
    views::{FieldView, SiteFormView, SiteRow, SitesPage},
};

/// What was done, carried by the address the form redirects to, so that reloading the page does nothing again.
#[derive(Debug, Default, Deserialize)]
pub struct DoneQuery {
    #[serde(default)]
    done: String,
    #[serde(default)]
    site: String,
    #[serde(default)]
    from: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct SitesForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    action: String,
    /// The site renamed, archived or restored.
    #[serde(default)]
    site: String,
    /// The site copied.
    #[serde(default)]
    from: String,
    #[serde(default)]
    slug: String,
    #[serde(default)]
    title: String,
    /// The first administrator's email address.
    #[serde(default)]
    admin: String,
}

/// What the forms held when one of them must be corrected.
#[derive(Default)]
struct Typed {
    create: SiteFormView,
    copy: SiteFormView,
    /// The site whose new title was refused, with it.
    rename: Option<(i64, FieldView)>,
}

/// Sites are managed from the main site; another site's `/admin/sites` is not there.
fn on_the_main_site(state: &Scoped) -> Result<(), WebError> {
    if state.site().is_main() {
        Ok(())
    } else {
        Err(WebError::NotFound)
    }
}

fn courses(state: &Scoped) -> Courses {
    Courses::new(state.store.clone(), state.mailer.clone(), &state.base_url)
}

pub async fn page(
    state: Scoped,
    Administrator(admin): Administrator,
    Query(query): Query<DoneQuery>,
) -> Result<Response, WebError> {
    on_the_main_site(&state)?;
    let notice = notice(&state, &query).await?;
    show(&state, &admin, StatusCode::OK, notice, Typed::default()).await
}

/// The plain words for what was just done.
async fn notice(state: &Scoped, query: &DoneQuery) -> Result<Option<String>, WebError> {
    let Some(site) = found(state, &query.site).await? else {
        return Ok(None);
    };
    let title = &site.settings.title;
    let address = site.root().join("/");
    Ok(Some(match query.done.as_str() {
        "created" | "invited" => {
            let administrator = state
                .store
                .members(site.id)
                .await?
                .into_iter()
                .find(|member| member.role == Role::Administrator)
                .map(|member| member.user.email);
            match (query.done.as_str(), administrator) {
                ("invited", Some(email)) => format!(
                    "{title} was created at {address}. {email} is its administrator, and was invited by mail to \
                     choose a password."
                ),
                (_, Some(email)) => format!(
                    "{title} was created at {address}. {email} is its administrator, and was told so by mail."
                ),
                (_, None) => format!("{title} was created at {address}."),
            }
        }
        "copied" => {
            let from = found(state, &query.from)
                .await?
                .map_or_else(|| "another course".to_owned(), |from| from.settings.title);
            format!(
                "{title} was made from {from} at {address}, with its settings, pages, readings, categories and \
                 a new join link, and you as its administrator; no members, posts or comments came with it."
            )
        }
        "renamed" => format!("The course at {address} is now called “{title}”."),
        "archived" => format!(
            "{title} was archived: it is still served to its readers, and takes no new posts, comments, members \
             or changes until it is restored."
        ),
        "restored" => {
            format!("{title} was restored: it takes posts, comments and members again.")
        }
        _ => return Ok(None),
    }))
}

async fn found(state: &Scoped, slug: &str) -> Result<Option<Site>, WebError> {
    if slug.is_empty() {
        return Ok(None);
    }
    match state.store.site_by_slug(slug).await {
        Ok(site) => Ok(Some(site)),
        Err(StoreError::NotFound) => Ok(None),
        Err(error) => Err(error.into()),
    }
}

async fn show(
    state: &Scoped,
    admin: &SignedIn,
    status: StatusCode,
    notice: Option<String>,
    typed: Typed,
) -> Result<Response, WebError> {
    let site = state.site().clone();
    let rows = state
        .store
        .sites()
        .await?
        .into_iter()
        .map(|other| SiteRow {
            id: other.id,
            href: other.root().join("/"),
            is_main: other.is_main(),
            archived: other.archived_at.map(|archived| {
                format!(
                    "Archived (read-only) since {}",
                    other.settings.zone().long_date(archived)
                )
            }),
            rename: match &typed.rename {
                Some((id, field)) if *id == other.id => field.clone(),
                _ => FieldView {
                    value: other.settings.title.clone(),
                    error: None,
                },
            },
            title: other.settings.title,
        })
        .collect();
    let page = SitesPage {
        layout: state
            .dashboard_layout(&site, "Sites", admin, Section::Sites)
            .await?,
        csrf: admin.csrf.clone(),
        notice,
        problem: (status == StatusCode::UNPROCESSABLE_ENTITY)
            .then(|| "Nothing was changed: please correct what is marked below.".to_owned()),
        rows,
        create: typed.create,
        copy: typed.copy,
    };
    private(render(status, &page))
}

/// The address that shows what was done: `/admin/sites?done=WHAT&site=SLUG`.
fn done(state: &Scoped, what: &str, site: &Site, from: Option<&Site>) -> Response {
    let encode = |slug: &str| utf8_percent_encode(slug, NON_ALPHANUMERIC).to_string();
    let mut path = format!("/admin/sites?done={what}&site={}", encode(&site.slug));
    if let Some(from) = from {
        path.push_str(&format!("&from={}", encode(&from.slug)));
    }
    Redirect::to(&state.site().root().join(&path)).into_response()
}

/// The site a form names by its id.
async fn site_named(state: &Scoped, id: &str) -> Result<Site, WebError> {
    let id = id.trim().parse::<i64>().map_err(|_| WebError::NotFound)?;
    Ok(state.store.site_by_id(id).await?)
}

/// The typed fields of a site's form, each with what is wrong with it.
fn typed_form(form: &SitesForm, from: i64, problems: &[SiteProblem]) -> SiteFormView {
    let error = |field: SiteField| {
        problems
            .iter()
            .filter(|problem| problem.field == field)
            .map(|problem| problem.message.clone())
            .reduce(|first, second| format!("{first} {second}"))
    };
    let field = |value: &str, field: SiteField| FieldView {
        value: value.to_owned(),
        error: error(field),
    };
    SiteFormView {
        from,
        from_error: None,
        slug: field(&form.slug, SiteField::Slug),
        title: field(&form.title, SiteField::Title),
        admin: field(&form.admin, SiteField::Administrator),
    }
}

/// `POST /admin/sites`: add, copy, rename, archive or restore a site.
pub async fn manage(
    state: Scoped,
    Administrator(admin): Administrator,
    StrictForm(form): StrictForm<SitesForm>,
) -> Result<Response, WebError> {
    admin.check_csrf(&form.csrf)?;
    on_the_main_site(&state)?;
    let courses = courses(&state);
    let now = calendar::now();
    let invalid = |typed: Typed| {
        show(
            &state,
            &admin,
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
            typed,
        )
    };
    match form.action.as_str() {
        "create" => {
            let course = NewCourse {
                slug: &form.slug,
                title: &form.title,
                administrator: Some(&form.admin),
            };
            match courses.create(&course, now).await {
                Ok(made) => {
                    tracing::info!(site = made.site.id, by = admin.user.id, "site created");
                    let what = match made.administrator {
                        Some(GivenAdministrator::Invited(_)) => "invited",
                        _ => "created",
                    };
                    Ok(done(&state, what, &made.site, None))
                }
                Err(CourseError::Invalid(problems)) => {
                    let typed = Typed {
                        create: typed_form(&form, 0, &problems),
                        ..Typed::default()
                    };
                    invalid(typed).await
                }
                Err(error) => Err(refused(error)),
            }
        }
        "copy" => {
            let from = site_named(&state, &form.from).await?;
            let course = NewCourse {
                slug: &form.slug,
                title: &form.title,
                administrator: None,
            };
            match courses.copy(&from, &course, Some(&admin.user), now).await {
                Ok(made) => {
                    tracing::info!(
                        site = made.site.id,
                        from = from.id,
                        by = admin.user.id,
                        "site copied"
                    );
                    Ok(done(&state, "copied", &made.site, Some(&from)))
                }
                Err(CourseError::Invalid(problems)) => {
                    let typed = Typed {
                        copy: typed_form(&form, from.id, &problems),
                        ..Typed::default()
                    };
                    invalid(typed).await
                }
                Err(error) => Err(refused(error)),
            }
        }
        "rename" => {
            let site = site_named(&state, &form.site).await?;
            match courses.rename(&site, &form.title).await {
                Ok(renamed) => {
                    tracing::info!(site = site.id, by = admin.user.id, "site renamed");
                    Ok(done(&state, "renamed", &renamed, None))
                }
                Err(CourseError::Invalid(problems)) => {
                    let typed = Typed {
                        rename: Some((
                            site.id,
                            FieldView {
                                value: form.title.clone(),
                                error: problems.into_iter().next().map(|problem| problem.message),
                            },
                        )),
                        ..Typed::default()
                    };
                    invalid(typed).await
                }
                Err(error) => Err(refused(error)),
            }
        }
        "archive" => {
            let site = site_named(&state, &form.site).await?;
            let archived = courses.archive(&site, now).await.map_err(refused)?;
            tracing::info!(site = site.id, by = admin.user.id, "site archived");
            Ok(done(&state, "archived", &archived, None))
        }
        "restore" => {
            let site = site_named(&state, &form.site).await?;
            let restored = courses.restore(&site).await.map_err(refused)?;
            tracing::info!(site = site.id, by = admin.user.id, "site restored");
            Ok(done(&state, "restored", &restored, None))
        }
        _ => Err(WebError::BadRequest(
            "Choose what to do with the sites.".into(),
        )),
    }
}

/// The words for a refusal that is not a field to correct.
fn refused(error: CourseError) -> WebError {
    match error {
        CourseError::MainSite => WebError::Forbidden(
            "The main site cannot be archived: it is where the other sites are managed.",
        ),
        CourseError::Store(error) => WebError::Store(error),
        CourseError::Invalid(problems) => WebError::BadRequest(
            problems
                .into_iter()
                .map(|problem| problem.message)
                .collect::<Vec<_>>()
                .join(" "),
        ),
    }
}
