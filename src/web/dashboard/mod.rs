//! The dashboard, for a site's staff and writers: the moderation queue, posts and the editor, readings,
//! members, categories, settings, the outbox and participation; on the main site, every course site.

pub mod admin;
pub mod editor;
pub mod menu;
pub mod participation;
pub mod sites;

use axum::{
    Router,
    routing::{get, post},
};

use crate::web::{accounts::enrolment, public::readings, state::AppState};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin", get(admin::dashboard))
        .route("/admin/", get(admin::dashboard))
        .route(
            "/admin/comments",
            get(admin::comments).post(admin::moderate),
        )
        .route(
            "/admin/comments/{id}",
            get(admin::comment_page).post(admin::save_comment),
        )
        .route("/admin/outbox", get(admin::outbox))
        .route("/admin/sites", get(sites::page).post(sites::manage))
        .route(
            "/admin/categories",
            get(admin::categories).post(admin::save_category),
        )
        .route(
            "/admin/settings",
            get(admin::settings).post(admin::save_settings),
        )
        .route(
            "/admin/members",
            get(enrolment::members).post(enrolment::manage_members),
        )
        .route("/admin/posts", get(editor::list))
        .route(
            "/admin/posts/new",
            get(editor::new_post).post(editor::create_post),
        )
        .route(
            "/admin/posts/{id}",
            get(editor::edit_post).post(editor::save_post),
        )
        .route("/admin/posts/new/autosave", post(editor::autosave_new))
        .route("/admin/posts/{id}/autosave", post(editor::autosave))
        .route("/admin/preview", post(editor::preview))
        .route("/admin/posts/{id}/revisions", get(editor::revisions))
        .route(
            "/admin/posts/{id}/revisions/{revision}",
            post(editor::restore_revision),
        )
        .route("/admin/readings", get(readings::admin_list))
        .route(
            "/admin/readings/new",
            get(readings::new_form).post(readings::create),
        )
        .route(
            "/admin/readings/{id}",
            get(readings::edit_form).post(readings::update),
        )
        .route("/admin/participation", get(participation::page))
        .route("/admin/participation.csv", get(participation::csv))
}
