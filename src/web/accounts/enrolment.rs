//! Joining a course and managing who is in it: the join link, the members page (roles, removal, a pasted
//! roster that invites many at once), one's own account, and email confirmation.

use axum::{
    extract::{Path, Query},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;

use crate::{
    domain::{
        calendar,
        client::ClientGroup,
        grade, roster,
        site::new_join_code,
        user::{
            NAME_NOT_ONE_LINE, Role, User, check_pseudonym, email_key, is_one_line, is_valid_email,
        },
    },
    store::{
        FormerMember, JoinRequest, MailLimits, MailRequestKind, NewJoinRequest, NewUser,
        SignInTurn, Site, StoreError, TokenPurpose,
    },
};

use crate::web::{
    accounts::auth::{SIGN_IN_LIMITS, THROTTLE_WINDOW, may_mail},
    client_ip::ClientIp,
    dashboard::menu::Section,
    error::WebError,
    form::{self, StrictForm},
    notice::{Done, Notice, Undo, counted},
    respond::capitalized,
    respond::private,
    respond::render,
    session::{self, Administrator, SignedIn, hash_token, new_token},
    site_scope::Scoped,
    views::{
        AccountPage, ConfirmPage, FinishJoinPage, JoinPage, Link, MemberRow, MembersPage,
        MessagePage,
    },
};

/// How long an invitation's sign-in link works.
const INVITE_SECONDS: i64 = 7 * 86_400;
const CONFIRM_SECONDS: i64 = 2 * 86_400;

async fn site_of_code(state: &Scoped, code: &str) -> Result<Site, WebError> {
    let site = state.site().clone();
    match state.store.site_id_by_join_code(code.trim()).await? {
        Some(id) if id == site.id => Ok(site),
        _ => Err(WebError::NotFound),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct JoinForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    csrf: String,
}

/// `/join/CODE`: a form that makes an account and enrols it as an author (or, signed in, one button).
pub async fn join_page(
    state: Scoped,
    Path(code): Path<String>,
    signed_in: Option<SignedIn>,
) -> Result<Response, WebError> {
    let site = site_of_code(&state, &code).await?;
    show_join(
        &state,
        &site,
        &code,
        signed_in.as_ref(),
        &JoinForm::default(),
        &[],
        StatusCode::OK,
    )
    .await
}

async fn show_join(
    state: &Scoped,
    site: &Site,
    code: &str,
    signed_in: Option<&SignedIn>,
    form: &JoinForm,
    errors: &[(&'static str, String)],
    status: StatusCode,
) -> Result<Response, WebError> {
    let error = |field: &str| {
        errors
            .iter()
            .find(|(name, _)| *name == field)
            .map(|(_, message)| message.clone())
    };
    let page = JoinPage {
        layout: state
            .layout(site, Some("Join the course"), signed_in)
            .await?,
        course: site.settings.title.clone(),
        code: code.to_owned(),
        already_member: signed_in.is_some_and(|viewer| viewer.role.is_some()),
        signed_in_as: signed_in.map(|viewer| viewer.user.name.clone()),
        csrf: signed_in
            .map(|viewer| viewer.csrf.clone())
            .unwrap_or_default(),
        name: form.name.clone(),
        email: form.email.clone(),
        name_error: error("name"),
        email_error: error("email"),
    };
    private(render(status, &page))
}

/// Mails asked for through a join form within an hour: 3 to one address (counted with reset and sign-in links),
/// 100 at the request of one client, an IPv4 address or an IPv6 /64 (a lecture hall joining on the first day
/// shares one address; past it, no one client can have the form mail strangers).
const JOIN_MAIL_LIMITS: MailLimits = MailLimits {
    per_recipient: 3,
    per_client: 100,
};

/// Where a new member lands: their posts, which greet them.
const JOINED: &str = "/admin/posts?done=joined";

/// `POST /join/CODE`. Signed in, one button enrols. Signed out, the form answers the same whether the address
/// has an account or not (a stranger learns nothing from it): a new address is mailed a link that makes the
/// account and enrols it (nothing is made before), an address with an account is told how to sign in.
pub async fn join(
    state: Scoped,
    Path(code): Path<String>,
    signed_in: Option<SignedIn>,
    ClientIp(ip): ClientIp,
    StrictForm(form): StrictForm<JoinForm>,
) -> Result<Response, WebError> {
    let site = site_of_code(&state, &code).await?;
    let now = calendar::now();
    if let Some(viewer) = &signed_in {
        viewer.check_csrf(&form.csrf)?;
        if viewer.role.is_none() {
            state
                .store
                .set_role(site.id, viewer.user.id, Role::Author, now)
                .await?;
            tracing::info!(user = viewer.user.id, site = site.id, "joined");
        }
        let landing = if viewer.role == Some(Role::Subscriber) {
            "/"
        } else {
            JOINED
        };
        return Ok(Redirect::to(&state.site().root().join(landing)).into_response());
    }
    let (name, email) = (form.name.trim(), form.email.trim());
    let mut errors = Vec::new();
    if name.is_empty() || name.chars().count() > 100 {
        errors.push((
            "name",
            "Please give your name (at most 100 characters).".to_owned(),
        ));
    } else if !is_one_line(name) {
        errors.push(("name", NAME_NOT_ONE_LINE.to_owned()));
    }
    if !is_valid_email(email) || email.chars().count() > 100 {
        errors.push((
            "email",
            "Please give a valid email address, such as name@example.edu.".to_owned(),
        ));
    }
    // No password here: whoever asks may not be the address's owner. The person who opens the mailed link
    // chooses it on the page that finishes joining.
    if !errors.is_empty() {
        return show_join(
            &state,
            &site,
            &code,
            None,
            &form,
            &errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    if may_mail(
        &state,
        MailRequestKind::Join,
        ClientGroup::of(ip),
        email,
        JOIN_MAIL_LIMITS,
    )
    .await?
    {
        match state.store.user_by_email(email).await? {
            Some(holder) => mail_account_holder(&state, &site, &holder).await?,
            None => mail_join_link(&state, &site, name, email).await?,
        }
    }
    let page = MessagePage {
        layout: state.layout(&site, Some("Check your mail"), None).await?,
        heading: "Check your mail".into(),
        message: format!(
            "A mail with the next step is on its way to {email}. If none arrives within a few minutes, check \
             the address and your spam folder, then try again."
        ),
    };
    private(render(StatusCode::OK, &page))
}

/// Mails a new address the link that makes its account and enrols it.
async fn mail_join_link(
    state: &Scoped,
    site: &Site,
    name: &str,
    email: &str,
) -> Result<(), WebError> {
    let token = new_token();
    let now = calendar::now();
    state
        .store
        .create_join_request(
            &NewJoinRequest {
                token_hash: &hash_token(&token),
                site_id: site.id,
                email,
                name,
            },
            now,
            now + CONFIRM_SECONDS,
        )
        .await?;
    let body = format!(
        "Hello {name},\n\nTo finish joining {title}, open this link within two days and choose your \
         password there:\n\n{base}/join/finish/{token}\n\nIt makes your account. If you did not ask to join, \
         ignore this mail: nothing is made without it.\n",
        title = site.settings.title,
        base = state.site_url(site),
    );
    state
        .mailer
        .send_secret(
            Some(site.id),
            email,
            &format!("Finish joining {}", site.settings.title),
            &body,
        )
        .await?;
    Ok(())
}

/// Tells the holder of an account that someone tried to join with its address, and how to get in.
async fn mail_account_holder(state: &Scoped, site: &Site, holder: &User) -> Result<(), WebError> {
    let base = state.site_url(site);
    let body = format!(
        "Hello {name},\n\nSomeone asked to join {title} with this address, which has an account already. If it \
         was you, sign in, then open the course's join link again:\n\n{base}/login\n\nForgot your password? Ask \
         for a new one here: {base}/login/forgot\n\nIf it was not you, ignore this mail: nothing has changed.\n",
        name = holder.name,
        title = site.settings.title,
    );
    state
        .mailer
        .send(
            Some(site.id),
            &holder.email,
            &format!("Joining {}", site.settings.title),
            &body,
        )
        .await?;
    Ok(())
}

/// `GET /join/finish/TOKEN`: the name and address asked for, and the password to choose (mail scanners open
/// links; only the POST acts). The password is chosen here, by whoever holds the mailed link, never on the join
/// form: anyone with the join code may type an address there.
pub async fn finish_join_page(
    state: Scoped,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    let site = state.site().clone();
    let Some(request) = state
        .store
        .live_join_request(site.id, &hash_token(&token), calendar::now())
        .await?
    else {
        return Err(WebError::LinkExpired);
    };
    show_finish_join(&state, &site, &token, &request, None, StatusCode::OK).await
}

async fn show_finish_join(
    state: &Scoped,
    site: &Site,
    token: &str,
    request: &JoinRequest,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let page = FinishJoinPage {
        layout: state.layout(site, Some("Join the course"), None).await?,
        course: site.settings.title.clone(),
        token: token.to_owned(),
        name: request.name.clone(),
        email: request.email.clone(),
        error,
    };
    private(render(status, &page))
}

/// `POST /join/finish/TOKEN`: makes the account with the password chosen here (its address confirmed by the
/// link), enrols it as an author and signs it in.
pub async fn finish_join(
    state: Scoped,
    Path(token): Path<String>,
    jar: CookieJar,
    StrictForm(form): StrictForm<FinishJoinForm>,
) -> Result<Response, WebError> {
    let site = state.site().clone();
    let token_hash = hash_token(&token);
    // The link is checked before any password work: a guessed token costs no hashing.
    let Some(request) = state
        .store
        .live_join_request(site.id, &token_hash, calendar::now())
        .await?
    else {
        return Err(WebError::LinkExpired);
    };
    if form.password != form.confirm {
        let error = Some("The two passwords differ.".to_owned());
        return show_finish_join(
            &state,
            &site,
            &token,
            &request,
            error,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let hash = match state.passwords.hash(form.password.clone()).await? {
        Ok(hash) => hash,
        Err(error) => {
            let error = Some(format!("{}.", capitalized(&error.to_string())));
            return show_finish_join(
                &state,
                &site,
                &token,
                &request,
                error,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let now = calendar::now();
    let Some(request) = state
        .store
        .take_join_request(site.id, &token_hash, now)
        .await?
    else {
        return Err(WebError::LinkExpired);
    };
    let new = NewUser {
        email: &request.email,
        name: &request.name,
        password_hash: Some(&hash),
        email_confirmed: true,
    };
    let user = match state.store.create_user(&new, now).await {
        Ok(user) => user,
        Err(StoreError::Conflict(_)) => {
            return Err(WebError::Conflict(
                "This email has an account already: sign in with it, then open the join link again.",
            ));
        }
        Err(error) => return Err(error.into()),
    };
    state
        .store
        .set_role(request.site_id, user.id, Role::Author, now)
        .await?;
    tracing::info!(user = user.id, site = site.id, "joined with a new account");
    let cookie = session::start(&state, &user).await?;
    Ok((
        jar.add(cookie),
        Redirect::to(&state.site().root().join(JOINED)),
    )
        .into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct FinishJoinForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

/// Mails a link that proves `email` is the person's.
async fn send_confirmation(
    state: &Scoped,
    site: &Site,
    user: &User,
    email: &str,
) -> Result<(), WebError> {
    let token = new_token();
    let now = calendar::now();
    state
        .store
        .create_email_confirmation(
            &hash_token(&token),
            user.id,
            email,
            now,
            now + CONFIRM_SECONDS,
        )
        .await?;
    let body = format!(
        "Hello {name},\n\nPlease confirm that this is your address for {title} by opening this link within two days:\n\n\
         {base}/account/confirm/{token}\n\nUntil then, no notifications are mailed to it.\n",
        name = user.name,
        title = site.settings.title,
        base = state.site_url(site),
    );
    state
        .mailer
        .send_secret(
            Some(site.id),
            email,
            &format!("Confirm your email – {}", site.settings.title),
            &body,
        )
        .await?;
    Ok(())
}

pub async fn confirm_page(
    state: Scoped,
    Path(token): Path<String>,
    signed_in: Option<SignedIn>,
) -> Result<Response, WebError> {
    let site = state.site().clone();
    let page = ConfirmPage {
        layout: state
            .layout(&site, Some("Confirm your email"), signed_in.as_ref())
            .await?,
        token,
    };
    private(render(StatusCode::OK, &page))
}

pub async fn confirm(state: Scoped, Path(token): Path<String>) -> Result<Response, WebError> {
    match state
        .store
        .confirm_email(&hash_token(&token), calendar::now())
        .await
    {
        Ok(Some(user)) => {
            tracing::info!(user = user.id, "email confirmed");
            Ok(Redirect::to(&state.site().root().join("/account?confirmed=1")).into_response())
        }
        Ok(None) => Err(WebError::LinkExpired),
        Err(StoreError::Conflict(_)) => Err(WebError::Conflict(
            "Another account uses that address now; it cannot be confirmed for this one.",
        )),
        Err(error) => Err(error.into()),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct AccountQuery {
    #[serde(default)]
    confirmed: Option<String>,
    #[serde(default)]
    saved: Option<String>,
}

pub async fn account_page(
    state: Scoped,
    signed_in: SignedIn,
    axum::extract::Query(query): axum::extract::Query<AccountQuery>,
) -> Result<Response, WebError> {
    let notice = match (query.confirmed, query.saved) {
        (Some(_), _) => Some("Your email address is confirmed.".to_owned()),
        (None, Some(saved)) if saved == "password" => Some(
            "Your new password is set. You stay signed in here; every other session of your account and \
             every sign-in or reset link mailed to it have ended."
                .to_owned(),
        ),
        (None, Some(_)) => Some("Saved.".to_owned()),
        _ => None,
    };
    show_account(
        &state,
        &signed_in,
        &AccountForm {
            name: signed_in.user.name.clone(),
            pseudonym: signed_in.user.pseudonym.clone().unwrap_or_default(),
            email: signed_in.user.email.clone(),
            ..AccountForm::default()
        },
        &[],
        notice,
        StatusCode::OK,
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
pub struct AccountForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    pseudonym: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    csrf: String,
}

async fn show_account(
    state: &Scoped,
    signed_in: &SignedIn,
    form: &AccountForm,
    errors: &[(&'static str, String)],
    notice: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let site = state.site().clone();
    let error = |field: &str| {
        errors
            .iter()
            .find(|(name, _)| *name == field)
            .map(|(_, message)| message.clone())
    };
    let other_courses = state
        .store
        .sites_of_user(signed_in.user.id)
        .await?
        .into_iter()
        .filter(|(other, _)| other.id != site.id)
        .map(|(other, _)| Link {
            href: other.root().join("/account"),
            text: other.settings.title,
        })
        .collect();
    let page = AccountPage {
        layout: state
            .layout(&site, Some("Your account"), Some(signed_in))
            .await?,
        csrf: signed_in.csrf.clone(),
        name: form.name.clone(),
        pseudonym: form.pseudonym.clone(),
        email: form.email.clone(),
        confirmed: signed_in.user.email_confirmed,
        notice,
        name_error: error("name"),
        pseudonym_error: error("pseudonym"),
        email_error: error("email"),
        password_error: error("current_password"),
        new_password_error: error("new_password"),
        course: site.settings.title.clone(),
        member: signed_in.role.is_some(),
        other_courses,
    };
    private(render(status, &page))
}

/// `POST /account`: the name changes at once; a new email only once its link is used; a new password needs the
/// current one.
pub async fn save_account(
    state: Scoped,
    signed_in: SignedIn,
    ClientIp(ip): ClientIp,
    StrictForm(form): StrictForm<AccountForm>,
) -> Result<Response, WebError> {
    signed_in.check_csrf(&form.csrf)?;
    let site = state.site().clone();
    let user = &signed_in.user;
    let (name, email) = (form.name.trim(), form.email.trim());
    let email_changes = !email.eq_ignore_ascii_case(&user.email);
    let password_changes = !form.new_password.is_empty();
    let mut errors = Vec::new();
    if name.is_empty() || name.chars().count() > 100 {
        errors.push((
            "name",
            "Please give your name (at most 100 characters).".to_owned(),
        ));
    } else if !is_one_line(name) {
        errors.push(("name", NAME_NOT_ONE_LINE.to_owned()));
    }
    if email_changes && !is_valid_email(email) {
        errors.push(("email", "Please give a valid email address.".to_owned()));
    }
    let pseudonym = match check_pseudonym(&form.pseudonym, name) {
        Ok(pseudonym) => pseudonym,
        Err(message) => {
            errors.push(("pseudonym", message.to_owned()));
            None
        }
    };
    if email_changes || password_changes {
        // The current password is checked as a sign-in is, under the same throttle (the account's address,
        // this client): else anyone holding a session could try passwords here as fast as Argon2 allows.
        let now = calendar::now();
        let turn = state
            .store
            .take_sign_in_turn(
                ClientGroup::of(ip),
                &email_key(&user.email),
                now,
                now - THROTTLE_WINDOW,
                SIGN_IN_LIMITS,
            )
            .await?;
        let attempt = match turn {
            SignInTurn::Go { attempt } => attempt,
            SignInTurn::Wait { oldest, .. } => {
                let minutes = ((oldest + THROTTLE_WINDOW - now).max(1) + 59) / 60;
                let form = AccountForm {
                    current_password: String::new(),
                    new_password: String::new(),
                    ..form
                };
                let errors = [(
                    "current_password",
                    format!(
                        "There have been too many wrong passwords for this account: nothing was changed. \
                         Please try again in {minutes} minutes."
                    ),
                )];
                return show_account(
                    &state,
                    &signed_in,
                    &form,
                    &errors,
                    None,
                    StatusCode::TOO_MANY_REQUESTS,
                )
                .await;
            }
        };
        let stored = state.store.password_hash(user.id).await?;
        let matches = match stored {
            Some(hash) => {
                state
                    .passwords
                    .verify(form.current_password.clone(), hash)
                    .await?
            }
            None => false,
        };
        if matches {
            state.store.forget_sign_in_attempt(attempt).await?;
        } else {
            errors.push((
                "current_password",
                "To change your email or password, give your current password.".to_owned(),
            ));
        }
    }
    let new_hash = if password_changes {
        match state.passwords.hash(form.new_password.clone()).await? {
            Ok(hash) => Some(hash),
            _ => {
                errors.push((
                    "new_password",
                    "The new password must be at least 8 characters.".to_owned(),
                ));
                None
            }
        }
    } else {
        None
    };
    if !errors.is_empty() {
        let form = AccountForm {
            current_password: String::new(),
            new_password: String::new(),
            ..form
        };
        return show_account(
            &state,
            &signed_in,
            &form,
            &errors,
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    if pseudonym != user.pseudonym {
        match state
            .store
            .set_pseudonym(user.id, pseudonym.as_deref())
            .await
        {
            Err(StoreError::Conflict(_)) => {
                let form = AccountForm {
                    current_password: String::new(),
                    new_password: String::new(),
                    ..form
                };
                let errors = [(
                    "pseudonym",
                    "Someone else goes by that name here; choose another.".to_owned(),
                )];
                return show_account(
                    &state,
                    &signed_in,
                    &form,
                    &errors,
                    None,
                    StatusCode::CONFLICT,
                )
                .await;
            }
            other => {
                other?;
            }
        }
    }
    if name != user.name {
        state.store.set_user_name(user.id, name).await?;
    }
    if let Some(hash) = &new_hash {
        // One change ends them all: every reset and sign-in link of the account, and its other sessions.
        state
            .store
            .change_password(user.id, hash, Some(&signed_in.token_hash), calendar::now())
            .await?;
        tracing::info!(user = user.id, "password changed");
    }
    if email_changes {
        send_confirmation(&state, &site, user, email).await?;
        let notice = Some(format!(
            "A link is on its way to {email}: your address changes when you open it."
        ));
        let form = AccountForm {
            name: name.to_owned(),
            pseudonym: pseudonym.unwrap_or_default(),
            email: user.email.clone(),
            ..AccountForm::default()
        };
        return show_account(&state, &signed_in, &form, &[], notice, StatusCode::OK).await;
    }
    let saved = if new_hash.is_some() {
        "/account?saved=password"
    } else {
        "/account?saved=1"
    };
    Ok(Redirect::to(&state.site().root().join(saved)).into_response())
}

/// `/admin/members`: who is in the course, their roles, the join link, and the roster form.
pub async fn members(
    state: Scoped,
    Administrator(admin): Administrator,
    Query(done): Query<Done>,
) -> Result<Response, WebError> {
    let notice = members_notice(&state, &done, &admin.csrf).await?;
    show_members(&state, &admin, notice, Vec::new()).await
}

/// What the members page says after an action.
async fn members_notice(
    state: &Scoped,
    done: &Done,
    secret: &str,
) -> Result<Option<Notice>, WebError> {
    let site = state.site();
    let Some(what) = done.what() else {
        return Ok(None);
    };
    if what == "new_code" {
        return Ok(Some(Notice::success(
            "A new join link is ready below; the old one no longer works.",
        )));
    }
    if what == "remove" {
        let Some((undo, tag)) = done.undo_for(secret) else {
            return Ok(None);
        };
        let Some(former) = read_former_member(undo) else {
            return Ok(None);
        };
        let Some(user) = account(state, former.user_id).await? else {
            return Ok(None);
        };
        let notice = Notice::success(format!(
            "{} was removed from the course: they can no longer write here. What they wrote stays.",
            user.name
        ));
        let member = state.store.role_on(site.id, user.id).await?;
        return Ok(Some(if member.is_none() {
            notice.with_undo(Undo {
                action: site.root().join("/admin/members"),
                fields: vec![
                    ("action", "return".to_owned()),
                    ("former", undo.to_owned()),
                    ("tag", tag.to_owned()),
                ],
                what: format!("(make {} a member again)", user.name),
            })
        } else {
            notice
        }));
    }
    let Some(id) = done.id() else {
        return Ok(None);
    };
    let (Some(user), Some(role)) = (
        account(state, id).await?,
        state.store.role_on(site.id, id).await?,
    ) else {
        return Ok(None);
    };
    Ok(match what {
        "role" => Some(Notice::success(format!(
            "{} is now {}.",
            user.name,
            role.with_article()
        ))),
        "return" => Some(Notice::success(format!(
            "Undone: {} is a member again, as {}.",
            user.name,
            role.with_article()
        ))),
        "student_id" => Some(Notice::success(format!(
            "{}'s student id is saved.",
            user.name
        ))),
        _ => None,
    })
}

/// The account with this id, if there is one.
async fn account(state: &Scoped, id: i64) -> Result<Option<User>, WebError> {
    match state.store.user_by_id(id).await {
        Ok(user) => Ok(Some(user)),
        Err(StoreError::NotFound) => Ok(None),
        Err(error) => Err(error.into()),
    }
}

/// A removed membership as an Undo carries it: `USER:ROLE:JOINED_AT:STUDENT_ID`.
fn write_former_member(former: &FormerMember) -> String {
    format!(
        "{}:{}:{}:{}",
        former.user_id,
        former.role.as_str(),
        former.joined_at,
        former.student_id.as_deref().unwrap_or_default()
    )
}

fn read_former_member(text: &str) -> Option<FormerMember> {
    let mut parts = text.splitn(4, ':');
    let user_id = parts.next()?.parse().ok()?;
    let role = parts.next()?.parse().ok()?;
    let joined_at = parts.next()?.parse().ok()?;
    let student_id = grade::student_id(parts.next()?).ok()?;
    Some(FormerMember {
        user_id,
        role,
        joined_at,
        student_id,
    })
}

async fn show_members(
    state: &Scoped,
    admin: &SignedIn,
    notice: Option<Notice>,
    problems: Vec<String>,
) -> Result<Response, WebError> {
    show_members_with(state, admin, notice, problems, None).await
}

/// A student id typed for a member that could not be kept: (member, what was typed, why).
type RefusedStudentId = (i64, String, String);

async fn show_members_with(
    state: &Scoped,
    admin: &SignedIn,
    notice: Option<Notice>,
    problems: Vec<String>,
    refused: Option<RefusedStudentId>,
) -> Result<Response, WebError> {
    let site = state.site().clone();
    let code = state.store.join_code(site.id, new_join_code).await?;
    let rows = state
        .store
        .members(site.id)
        .await?
        .into_iter()
        .map(|member| {
            let (student_id, student_id_error) = match &refused {
                Some((id, typed, why)) if *id == member.user.id => {
                    (typed.clone(), Some(why.clone()))
                }
                _ => (member.student_id.unwrap_or_default(), None),
            };
            MemberRow {
                student_id,
                student_id_error,
                id: member.user.id,
                pseudonym: member.user.pseudonym,
                name: member.user.name,
                email: member.user.email,
                role: member.role.as_str(),
                confirmed: member.user.email_confirmed,
                is_self: member.user.id == admin.user.id,
            }
        })
        .collect();
    let mut layout = state
        .dashboard_layout(&site, "Members", admin, Section::Members)
        .await?;
    layout.notice = notice;
    let page = MembersPage {
        layout,
        csrf: admin.csrf.clone(),
        join_link: format!("{}/join/{code}", state.site_url(&site)),
        rows,
        problems,
    };
    let status = if refused.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    private(render(status, &page))
}

/// `POST /admin/members`: change a role, remove a member, make a new join code, or invite a roster.
pub async fn manage_members(
    state: Scoped,
    Administrator(admin): Administrator,
    StrictForm(form): StrictForm<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let field = |name: &str| form::field(&form, name).unwrap_or_default().to_owned();
    admin.check_csrf(&field("csrf"))?;
    let site = state.site().clone();
    let now = calendar::now();
    let member_id = || {
        field("member")
            .parse::<i64>()
            .map_err(|_| WebError::BadRequest("Choose a member.".into()))
    };
    let done = match field("action").as_str() {
        "role" => {
            let id = member_id()?;
            let role: Role = field("role")
                .parse()
                .map_err(|_| WebError::BadRequest("Choose a role.".into()))?;
            if id == admin.user.id && role != Role::Administrator {
                return show_members(
                    &state,
                    &admin,
                    None,
                    vec!["You cannot take away your own administrator role.".into()],
                )
                .await;
            }
            if state.store.role_on(site.id, id).await?.is_none() {
                return Err(WebError::NotFound);
            }
            state.store.set_role(site.id, id, role, now).await?;
            tracing::info!(member = id, by = admin.user.id, %role, "role changed");
            Done::about("role", id)
        }
        "remove" => {
            let id = member_id()?;
            if id == admin.user.id {
                return show_members(
                    &state,
                    &admin,
                    None,
                    vec!["You cannot remove yourself.".into()],
                )
                .await;
            }
            let Some(former) = state.store.remove_member(site.id, id).await? else {
                return Err(WebError::NotFound);
            };
            tracing::info!(member = id, by = admin.user.id, "member removed");
            Done::signed_query("remove", 1, &write_former_member(&former), &admin.csrf)
        }
        "return" => {
            if !crate::web::notice::is_ours(&admin.csrf, &field("former"), &field("tag")) {
                return Err(WebError::BadRequest(
                    "This Undo was not made on this page for you; nothing was changed.".into(),
                ));
            }
            let former = read_former_member(&field("former")).ok_or_else(|| {
                WebError::BadRequest("This Undo cannot be read; nothing was changed.".into())
            })?;
            state.store.return_member(site.id, &former).await?;
            tracing::info!(
                member = former.user_id,
                by = admin.user.id,
                "member removal undone"
            );
            Done::about("return", former.user_id)
        }
        "new_code" => {
            state.store.set_join_code(site.id, &new_join_code()).await?;
            Done::query("new_code", 1, None)
        }
        "student_id" => {
            let id = member_id()?;
            let typed = field("student_id");
            match grade::student_id(&typed) {
                Ok(student_id) => {
                    state
                        .store
                        .set_student_id(site.id, id, student_id.as_deref())
                        .await?;
                    tracing::info!(member = id, by = admin.user.id, "student id set");
                    Done::about("student_id", id)
                }
                Err(why) => {
                    let message = format!("The student id was not changed: {why}.");
                    return show_members_with(
                        &state,
                        &admin,
                        None,
                        vec![message.clone()],
                        Some((id, typed, message)),
                    )
                    .await;
                }
            }
        }
        "invite" => {
            let (students, bad) = roster::parse(&field("roster"));
            let mut invited = 0;
            for student in &students {
                let user_id = invite(&state, &site, &student.name, &student.email, now).await?;
                if let Some(student_id) = &student.student_id {
                    state
                        .store
                        .set_student_id(site.id, user_id, Some(student_id))
                        .await?;
                }
                invited += 1;
            }
            let problems = bad
                .iter()
                .map(|line| format!("Line {}: {} ({})", line.number, line.reason, line.text))
                .collect();
            let notice = Some(Notice::success(format!(
                "Invited {}. Each was mailed a sign-in link that works for 7 days.",
                counted(invited, "person", "people")
            )));
            return show_members(&state, &admin, notice, problems).await;
        }
        _ => return Err(WebError::BadRequest("Choose what to do.".into())),
    };
    Ok(Redirect::to(&state.site().root().join(&format!("/admin/members?{done}"))).into_response())
}

/// Makes (or finds) the account, makes it an author of the site unless it has a role, and mails a sign-in link;
/// the account's id.
async fn invite(
    state: &Scoped,
    site: &Site,
    name: &str,
    email: &str,
    now: i64,
) -> Result<i64, WebError> {
    let user = match state.store.user_by_email(email).await? {
        Some(user) => user,
        None => {
            state
                .store
                .create_user(
                    &NewUser {
                        email,
                        name,
                        password_hash: None,
                        email_confirmed: false,
                    },
                    now,
                )
                .await?
        }
    };
    if state.store.role_on(site.id, user.id).await?.is_none() {
        state
            .store
            .set_role(site.id, user.id, Role::Author, now)
            .await?;
    }
    let token = new_token();
    state
        .store
        .create_token(
            TokenPurpose::SignIn,
            &hash_token(&token),
            user.id,
            now,
            now + INVITE_SECONDS,
        )
        .await?;
    let body = format!(
        "Hello {name},\n\nYou are invited to {title}, the course blog. Sign in with this link (it works once, for 7 \
         days), then set a password from your account page:\n\n{base}/login/link/{token}\n",
        title = site.settings.title,
        base = state.site_url(site),
    );
    state
        .mailer
        .send_secret(
            Some(site.id),
            email,
            &format!("You are invited to {}", site.settings.title),
            &body,
        )
        .await?;
    Ok(user.id)
}
