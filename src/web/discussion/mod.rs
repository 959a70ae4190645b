//! Taking part in a discussion: the "Leave a Reply" form (colloquy's address and WordPress's), and the links of
//! follow-up mails. Both are doors to `crate::discussion`.

pub mod comments;
pub mod follows;

use axum::{
    Router,
    routing::{get, post},
};

use crate::web::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/comments", post(comments::leave_reply))
        .route("/wp-comments-post.php", post(comments::leave_reply))
        .route("/follow/confirm/{token}", get(follows::confirm))
        .route(
            "/follow/stop/{token}",
            get(follows::stop_page).post(follows::stop),
        )
}
