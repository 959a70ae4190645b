//! What the participation report counts, read as the site shows it.

use crate::domain::{
    markup::html_to_text,
    participation::{Activity, Event, Grade, word_count},
};

use super::{Store, StoreResult, with_pool};

/// Which posts the report looks at: all, or those in some categories.
fn category_condition(categories: Option<&[i64]>, first_parameter: usize) -> String {
    match categories {
        Some(ids) if !ids.is_empty() => {
            let placeholders: Vec<String> = (0..ids.len())
                .map(|index| format!("${}", first_parameter + index))
                .collect();
            format!(
                " AND EXISTS (SELECT 1 FROM post_terms pt WHERE pt.post_id = p.id AND pt.term_id IN ({}))",
                placeholders.join(", ")
            )
        }
        _ => String::new(),
    }
}

#[derive(sqlx::FromRow)]
struct CommentFact {
    user_id: Option<i64>,
    created_at: i64,
    content: String,
    /// `None` on a reading's discussion, whose post is nobody's writing.
    post_author_id: Option<i64>,
    has_parent: bool,
    parent_user_id: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct CitationFact {
    post_author_id: i64,
    comment_user_id: Option<i64>,
    is_comment: bool,
    at: i64,
}

/// Posts (author, published at, HTML), comments and citations.
type Facts = (Vec<(i64, i64, String)>, Vec<CommentFact>, Vec<CitationFact>);

impl Store {
    /// Every counted event of the site's members between `from` and `to` (Unix seconds, half-open): their
    /// published posts, approved comments on published posts written signed in (a comment that only gives their
    /// email may be anyone's),
    /// others' approved comments on their posts or replying to them, and their citations of readings.
    /// `categories` limits everything to posts in those categories.
    pub async fn participation_events(
        &self,
        site_id: i64,
        from: i64,
        to: i64,
        categories: Option<&[i64]>,
    ) -> StoreResult<Vec<Event>> {
        let ids: Vec<i64> = categories.map(<[i64]>::to_vec).unwrap_or_default();
        let in_categories = category_condition(categories, 4);
        let posts_sql = format!(
            "SELECT p.author_id, p.published_at, p.content_html FROM posts p
             WHERE p.site_id = $1 AND p.kind = 'post' AND p.status = 'publish'
               AND p.published_at >= $2 AND p.published_at < $3{in_categories}"
        );
        let comments_sql = format!(
            "SELECT c.user_id, c.created_at, c.content,
                    CASE WHEN p.discusses_reading THEN NULL ELSE p.author_id END AS post_author_id,
                    (c.parent_id IS NOT NULL) AS has_parent, parent.user_id AS parent_user_id
             FROM comments c JOIN posts p ON p.id = c.post_id
             LEFT JOIN comments parent ON parent.id = c.parent_id
             WHERE c.site_id = $1 AND c.status = 'approved' AND c.is_private = FALSE
               AND (p.status = 'publish' OR p.discusses_reading)
               AND c.created_at >= $2 AND c.created_at < $3{in_categories}"
        );
        let citations_sql = format!(
            "SELECT p.author_id AS post_author_id, m.user_id AS comment_user_id,
                    (c.comment_id IS NOT NULL) AS is_comment,
                    COALESCE(m.created_at, p.published_at) AS at
             FROM citations c JOIN posts p ON p.id = c.post_id
             LEFT JOIN comments m ON m.id = c.comment_id
             WHERE c.site_id = $1 AND (p.status = 'publish' OR p.discusses_reading)
               AND (c.comment_id IS NULL OR (m.status = 'approved' AND m.is_private = FALSE))
               AND COALESCE(m.created_at, p.published_at) >= $2
               AND COALESCE(m.created_at, p.published_at) < $3{in_categories}"
        );
        let (posts, comments, citations): Facts = with_pool!(self, reader, |pool| {
            let mut posts = sqlx::query_as(&posts_sql).bind(site_id).bind(from).bind(to);
            let mut comments = sqlx::query_as(&comments_sql)
                .bind(site_id)
                .bind(from)
                .bind(to);
            let mut citations = sqlx::query_as(&citations_sql)
                .bind(site_id)
                .bind(from)
                .bind(to);
            for id in &ids {
                posts = posts.bind(*id);
                comments = comments.bind(*id);
                citations = citations.bind(*id);
            }
            (
                posts.fetch_all(pool).await?,
                comments.fetch_all(pool).await?,
                citations.fetch_all(pool).await?,
            )
        });
        let mut events = Vec::with_capacity(posts.len() + comments.len() * 2 + citations.len());
        for (author_id, at, html) in posts {
            events.push(Event {
                member_id: author_id,
                at,
                activity: Activity::Post {
                    words: word_count(&html_to_text(&html)),
                },
            });
        }
        for fact in comments {
            let writer = fact.user_id;
            if let Some(writer) = writer {
                events.push(Event {
                    member_id: writer,
                    at: fact.created_at,
                    activity: Activity::Comment {
                        words: word_count(&fact.content),
                    },
                });
            }
            let replied_to = if fact.has_parent {
                fact.parent_user_id
            } else {
                fact.post_author_id
            };
            if let Some(recipient) = replied_to
                && Some(recipient) != writer
            {
                events.push(Event {
                    member_id: recipient,
                    at: fact.created_at,
                    activity: Activity::ReplyReceived,
                });
            }
        }
        for fact in citations {
            let citer = if fact.is_comment {
                fact.comment_user_id
            } else {
                Some(fact.post_author_id)
            };
            if let Some(citer) = citer {
                events.push(Event {
                    member_id: citer,
                    at: fact.at,
                    activity: Activity::Citation,
                });
            }
        }
        Ok(events)
    }

    /// The grades given with private feedback on the site's published posts published between `from` and
    /// `to` (a grade counts in its post's week), each for the post's author, oldest given first; with the
    /// assignment category the post is in. `categories` limits them to posts in those categories.
    pub async fn participation_grades(
        &self,
        site_id: i64,
        from: i64,
        to: i64,
        categories: Option<&[i64]>,
    ) -> StoreResult<Vec<Grade>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            member_id: i64,
            at: i64,
            grade: String,
            post_title: String,
            assignment: Option<i64>,
        }
        let ids: Vec<i64> = categories.map(<[i64]>::to_vec).unwrap_or_default();
        let in_categories = category_condition(categories, 4);
        let sql = format!(
            "SELECT p.author_id AS member_id, c.created_at AS at, c.grade, p.title AS post_title,
                    (SELECT MIN(t.id) FROM post_terms a JOIN terms t ON t.id = a.term_id
                     WHERE a.post_id = p.id AND t.is_assignment = TRUE) AS assignment
             FROM comments c JOIN posts p ON p.id = c.post_id
             WHERE c.site_id = $1 AND c.grade IS NOT NULL AND c.status = 'approved'
               AND p.kind = 'post' AND p.status = 'publish' AND p.discusses_reading = FALSE
               AND p.published_at >= $2 AND p.published_at < $3{in_categories}
             ORDER BY c.created_at, c.id"
        );
        let rows: Vec<Row> = with_pool!(self, reader, |pool| {
            let mut query = sqlx::query_as(&sql).bind(site_id).bind(from).bind(to);
            for id in &ids {
                query = query.bind(*id);
            }
            query.fetch_all(pool).await
        })?;
        Ok(rows
            .into_iter()
            .map(|row| Grade {
                member_id: row.member_id,
                at: row.at,
                grade: row.grade,
                post_title: row.post_title,
                assignment: row.assignment,
            })
            .collect())
    }
}
