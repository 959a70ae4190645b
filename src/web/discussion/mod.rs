//! Taking part in a discussion: the "Leave a Reply" form (colloquy's address and WordPress's), and the links of
//! follow-up mails. Both are doors to `crate::discussion`.

pub mod comments;
pub mod follows;

use axum::{
    Router,
    middleware::map_response,
    routing::{get, post},
};

use crate::web::{respond::every_answer_private, state::AppState};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/comments", post(comments::leave_reply))
        .route("/wp-comments-post.php", post(comments::leave_reply))
        .merge(
            // Pages reached by a secret link: never kept by the page cache, whatever they answer.
            Router::new()
                .route(
                    "/follow/confirm/{token}",
                    get(follows::confirm_page).post(follows::confirm),
                )
                .route(
                    "/follow/stop/{token}",
                    get(follows::stop_page).post(follows::stop),
                )
                .route_layer(map_response(every_answer_private)),
        )
}
