//! The editor's autosaves: what a writer typed and has not saved yet, one per post and writer.

use super::{Store, StoreResult, with_pool};

/// An autosave: the text as it stood when the editor last sent it.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Autosave {
    pub title: String,
    pub source: String,
    pub excerpt: String,
    pub saved_at: i64,
}

impl Store {
    /// Keeps `autosave` as `user_id`'s unsaved text of the post, replacing the one kept before.
    pub async fn put_autosave(
        &self,
        post_id: i64,
        user_id: i64,
        autosave: &Autosave,
    ) -> StoreResult<()> {
        with_pool!(self, writer, |pool| {
            sqlx::query(
                "INSERT INTO autosaves (post_id, user_id, title, source, excerpt, saved_at)
                 VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (post_id, user_id) DO UPDATE SET title = excluded.title,
                     source = excluded.source, excerpt = excluded.excerpt, saved_at = excluded.saved_at",
            )
            .bind(post_id)
            .bind(user_id)
            .bind(&autosave.title)
            .bind(&autosave.source)
            .bind(&autosave.excerpt)
            .bind(autosave.saved_at)
            .execute(pool)
            .await
            .map(|_| ())
        })?;
        Ok(())
    }

    /// `user_id`'s autosave of the post, if one is kept.
    pub async fn autosave_of(&self, post_id: i64, user_id: i64) -> StoreResult<Option<Autosave>> {
        let autosave = with_pool!(self, reader, |pool| {
            sqlx::query_as(
                "SELECT title, source, excerpt, saved_at FROM autosaves WHERE post_id = $1 AND user_id = $2",
            )
            .bind(post_id)
            .bind(user_id)
            .fetch_optional(pool)
            .await
        })?;
        Ok(autosave)
    }

    /// Forgets `user_id`'s autosave of the post (they saved it, or chose the saved version).
    pub async fn discard_autosave(&self, post_id: i64, user_id: i64) -> StoreResult<()> {
        with_pool!(self, writer, |pool| {
            sqlx::query("DELETE FROM autosaves WHERE post_id = $1 AND user_id = $2")
                .bind(post_id)
                .bind(user_id)
                .execute(pool)
                .await
                .map(|_| ())
        })?;
        Ok(())
    }
}
