//! People's own doors: signing in and out, mailed sign-in and reset links, joining a course by its link, one's
//! own account and the confirmation of its email address, one's own writing on a site (its zip) and leaving it.

pub mod auth;
pub mod enrolment;
pub mod writing;

use axum::{
    Router,
    middleware::map_response,
    routing::{get, post},
};

use crate::web::{respond::every_answer_private, state::AppState};

pub fn routes() -> Router<AppState> {
    // Pages reached by a secret link: never kept by the page cache, whatever they answer.
    let by_secret_link = Router::new()
        .route(
            "/login/reset/{token}",
            get(auth::reset_page).post(auth::reset_password),
        )
        .route(
            "/login/link/{token}",
            get(auth::sign_in_link_page).post(auth::use_sign_in_link),
        )
        .route(
            "/join/{code}",
            get(enrolment::join_page).post(enrolment::join),
        )
        .route(
            "/join/finish/{token}",
            get(enrolment::finish_join_page).post(enrolment::finish_join),
        )
        .route(
            "/account/confirm/{token}",
            get(enrolment::confirm_page).post(enrolment::confirm),
        )
        .route_layer(map_response(every_answer_private));
    Router::new()
        .route("/login", get(auth::login_page).post(auth::log_in))
        .route("/logout", post(auth::log_out))
        .route(
            "/login/forgot",
            get(auth::forgot_page).post(auth::mail_reset_link),
        )
        .route("/login/link", post(auth::mail_sign_in_link))
        .route(
            "/account",
            get(enrolment::account_page).post(enrolment::save_account),
        )
        .route("/account/writing.zip", get(writing::download))
        .route(
            "/account/leave",
            get(writing::leave_page).post(writing::leave),
        )
        .merge(by_secret_link)
}
