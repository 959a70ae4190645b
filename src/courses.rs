//! Courses: making a course site, renaming, archiving and restoring it, and copying it for next term (PRODUCT.md
//! §7), against the store and the mailer. It knows no HTTP: the dashboard's `/admin/sites` and `colloquy site …`
//! call it, and each gets the same checks, the same single transaction (nothing is ever half-made) and the same
//! mails; its refusals are a closed enum each door words.

use std::sync::Arc;

use crate::{
    domain::site::{
        MAIN_SITE, Site, SiteField, SiteProblem, check_new_site, check_title, new_join_code,
    },
    domain::user::{User, hash_token, new_token},
    mail::Mailer,
    store::{
        Conflict, FirstAdministrator, GivenAdministrator, MadeSite, NewSite, Store, StoreError,
    },
};

/// How long the link that lets a new course's administrator set their password works.
const INVITE_SECONDS: i64 = 7 * 86_400;

/// What courses are managed with: the store, the mailer and the public origin that mails link to.
#[derive(Clone)]
pub struct Courses {
    store: Store,
    mailer: Mailer,
    base_url: Arc<str>,
}

/// Why a course was not made or changed; each door words it for its reader.
#[derive(Debug, thiserror::Error)]
pub enum CourseError {
    /// Fields to correct; nothing was made.
    #[error("{}", sentences(.0))]
    Invalid(Vec<SiteProblem>),
    /// The main site is where the others are managed: it is never archived.
    #[error("the main site cannot be archived: the other sites are managed from it")]
    MainSite,
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn sentences(problems: &[SiteProblem]) -> String {
    problems
        .iter()
        .map(|problem| problem.message.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A course to make: its slug and title, and the email address of its first administrator. An address with
/// an account makes that account administrator and tells it by mail; an address without one is mailed an
/// invitation with a link to set a password.
#[derive(Clone, Copy, Debug)]
pub struct NewCourse<'a> {
    pub slug: &'a str,
    pub title: &'a str,
    pub administrator: Option<&'a str>,
}

/// Whose mails a course's first administrator gets: none for the administrator who copies a course (they know).
enum Administrator<'a> {
    Email(&'a str),
    Account(i64),
}

impl Courses {
    pub fn new(store: Store, mailer: Mailer, base_url: &str) -> Self {
        Self {
            store,
            mailer,
            base_url: base_url.trim_end_matches('/').into(),
        }
    }

    /// Makes a new course site at `/SLUG/` with its title and first administrator.
    pub async fn create(&self, course: &NewCourse<'_>, now: i64) -> Result<MadeSite, CourseError> {
        self.make(
            course,
            None,
            course.administrator.map(Administrator::Email),
            now,
        )
        .await
    }

    /// Copies `from` for next term: a new site with its settings, pages, readings and categories, links into
    /// it moved to the new root, and a new join code; no members, posts, comments, follows or mail. Its first
    /// administrator is the one `course` names, or else `by` (the administrator who copies it), or no one.
    pub async fn copy(
        &self,
        from: &Site,
        course: &NewCourse<'_>,
        by: Option<&User>,
        now: i64,
    ) -> Result<MadeSite, CourseError> {
        let administrator = match (course.administrator, by) {
            (Some(email), _) => Some(Administrator::Email(email)),
            (None, Some(user)) => Some(Administrator::Account(user.id)),
            (None, None) => None,
        };
        self.make(course, Some(from), administrator, now).await
    }

    /// Gives a site a new title.
    pub async fn rename(&self, site: &Site, title: &str) -> Result<Site, CourseError> {
        let title = check_title(title).map_err(|problem| CourseError::Invalid(vec![problem]))?;
        self.store.save_setting(site.id, "title", title).await?;
        Ok(self.store.site_by_id(site.id).await?)
    }

    /// Archives a course: still served to its readers, it takes no new posts, comments, members or edits.
    pub async fn archive(&self, site: &Site, now: i64) -> Result<Site, CourseError> {
        if site.is_main() {
            return Err(CourseError::MainSite);
        }
        if site.is_archived() {
            return Ok(site.clone());
        }
        Ok(self.store.set_archived(site.id, Some(now)).await?)
    }

    /// Opens an archived course again.
    pub async fn restore(&self, site: &Site) -> Result<Site, CourseError> {
        if !site.is_archived() {
            return Ok(site.clone());
        }
        Ok(self.store.set_archived(site.id, None).await?)
    }

    async fn make(
        &self,
        course: &NewCourse<'_>,
        from: Option<&Site>,
        administrator: Option<Administrator<'_>>,
        now: i64,
    ) -> Result<MadeSite, CourseError> {
        let (slug, title) = (course.slug.trim(), course.title.trim());
        let email = match administrator {
            Some(Administrator::Email(email)) => Some(email.trim()),
            _ => None,
        };
        let mut problems = check_new_site(slug, title, email);
        if !problems
            .iter()
            .any(|problem| problem.field == SiteField::Slug)
            && let Some(problem) = self.slug_problem(slug).await?
        {
            problems.push(problem);
        }
        if !problems.is_empty() {
            return Err(CourseError::Invalid(problems));
        }
        let token = new_token();
        let token_hash = hash_token(&token);
        let name = email
            .and_then(|email| email.split('@').next())
            .unwrap_or_default();
        let join_code = from.map(|_| new_join_code());
        let new = NewSite {
            slug,
            title,
            join_code: join_code.as_deref(),
            administrator: match administrator {
                None => None,
                Some(Administrator::Account(id)) => Some(FirstAdministrator::Account(id)),
                Some(Administrator::Email(_)) => Some(FirstAdministrator::Email {
                    email: email.unwrap_or_default(),
                    name,
                    token_hash: &token_hash,
                    expires_at: now + INVITE_SECONDS,
                }),
            },
        };
        let made = match from {
            Some(from) => self.store.copy_site(from, &new, now).await,
            None => self.store.make_site(&new, now).await,
        };
        let made = match made {
            Err(StoreError::Conflict(Conflict::Duplicate))
                if self.store.site_by_slug(slug).await.is_ok() =>
            {
                return Err(CourseError::Invalid(vec![taken(slug)]));
            }
            other => other?,
        };
        if email.is_some() {
            self.tell(&made, &token).await?;
        }
        Ok(made)
    }

    /// Why no site may have `slug` now: another site has it, or a post or page of the main site (which the
    /// new site would hide).
    async fn slug_problem(&self, slug: &str) -> Result<Option<SiteProblem>, CourseError> {
        match self.store.site_by_slug(slug).await {
            Ok(_) => return Ok(Some(taken(slug))),
            Err(StoreError::NotFound) => {}
            Err(error) => return Err(error.into()),
        }
        let main = match self.store.site_by_slug(MAIN_SITE).await {
            Ok(main) => main,
            Err(StoreError::NotFound) => return Ok(None),
            Err(error) => return Err(error.into()),
        };
        Ok(self.store.slug_in_use(main.id, slug).await?.then(|| {
            SiteProblem::new(
                SiteField::Slug,
                format!("The main site has a post or page at /{slug}/: choose another slug."),
            )
        }))
    }

    /// Mails the first administrator named by address: an account that existed is told, a new one invited.
    async fn tell(&self, made: &MadeSite, token: &str) -> Result<(), CourseError> {
        let site = &made.site;
        let title = &site.settings.title;
        let url = format!("{}{}", self.base_url, site.root());
        match &made.administrator {
            Some(GivenAdministrator::Existing(user)) => {
                let body = format!(
                    "Hello {name},\n\nYou are now an administrator of {title}, a course site at {url}/.\n\
                     Its dashboard is at {url}/admin/ (sign in as {email}).\n",
                    name = user.name,
                    email = user.email,
                );
                self.mailer
                    .send(
                        Some(site.id),
                        &user.email,
                        &format!("You are an administrator of {title}"),
                        &body,
                    )
                    .await?;
            }
            Some(GivenAdministrator::Invited(user)) => {
                let body = format!(
                    "Hello,\n\nYou are the administrator of {title}, a new course site at {url}/. Choose your \
                     password with this link (it works once, for 7 days):\n\n{url}/login/reset/{token}\n\n\
                     Then sign in at {url}/login with this address, {email}; the course's dashboard is at \
                     {url}/admin/.\n",
                    email = user.email,
                );
                self.mailer
                    .send_secret(
                        Some(site.id),
                        &user.email,
                        &format!("You are invited to run {title}"),
                        &body,
                    )
                    .await?;
            }
            None => {}
        }
        Ok(())
    }
}

fn taken(slug: &str) -> SiteProblem {
    SiteProblem::new(
        SiteField::Slug,
        format!("There is already a site “{slug}”: choose another slug."),
    )
}
