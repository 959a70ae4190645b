//! Enrolment: join codes, requests to join with a new account, the members of a site, account details and
//! email confirmation.

use crate::domain::user::{Role, User};

use super::{
    Store, StoreError, StoreResult,
    records::{USER_COLUMNS, UserRow},
    with_pool,
};

/// A member of a site with their role.
#[derive(Clone, Debug)]
pub struct Membership {
    pub user: User,
    pub role: Role,
    /// The member's student id on this site (a university's number), set by staff.
    pub student_id: Option<String>,
}

/// Ends, inside a transaction, the follows of a site's discussions by a member's address (they left or were
/// removed: its discussions are no longer theirs to be mailed).
macro_rules! end_follows {
    ($tx:expr, $site_id:expr, $user_id:expr) => {
        let email: String = sqlx::query_scalar("SELECT email FROM users WHERE id = $1")
            .bind($user_id)
            .fetch_one($tx)
            .await?;
        sqlx::query("DELETE FROM follows WHERE site_id = $1 AND email_key = $2")
            .bind($site_id)
            .bind(super::follows::email_key(&email))
            .execute($tx)
            .await?;
    };
}
pub(super) use end_follows;

/// A membership that was ended: enough to give it back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormerMember {
    pub user_id: i64,
    pub role: Role,
    pub joined_at: i64,
    pub student_id: Option<String>,
}

/// A request to join a site with a new account, as the join form gave it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct JoinRequest {
    pub site_id: i64,
    pub email: String,
    pub name: String,
}

/// A request to join to keep until its link is used.
#[derive(Clone, Copy, Debug)]
pub struct NewJoinRequest<'a> {
    pub token_hash: &'a str,
    pub site_id: i64,
    pub email: &'a str,
    pub name: &'a str,
}

impl Store {
    /// Keeps a request to join a site with a new account until `expires_at`; its link carries the token.
    pub async fn create_join_request(
        &self,
        request: &NewJoinRequest<'_>,
        now: i64,
        expires_at: i64,
    ) -> StoreResult<()> {
        with_pool!(self, writer, |pool| {
            sqlx::query(
                "INSERT INTO join_requests (token_hash, site_id, email, name, password_hash, created_at, expires_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(request.token_hash)
            .bind(request.site_id)
            .bind(request.email)
            .bind(request.name)
            // The column is kept from when the join form asked for a password; none is chosen there now.
            .bind("")
            .bind(now)
            .bind(expires_at)
            .execute(pool)
            .await
            .map(|_| ())
        })?;
        Ok(())
    }

    /// A request to join this site that is still good, without using it (to show its form).
    pub async fn live_join_request(
        &self,
        site_id: i64,
        token_hash: &str,
        now: i64,
    ) -> StoreResult<Option<JoinRequest>> {
        let found = with_pool!(self, reader, |pool| {
            sqlx::query_as(
                "SELECT site_id, email, name FROM join_requests
                 WHERE token_hash = $1 AND site_id = $2 AND used_at IS NULL AND expires_at > $3",
            )
            .bind(token_hash)
            .bind(site_id)
            .bind(now)
            .fetch_optional(pool)
            .await
        })?;
        Ok(found)
    }

    /// Uses a request to join this site: returns it once, and never again (nor after it expires).
    pub async fn take_join_request(
        &self,
        site_id: i64,
        token_hash: &str,
        now: i64,
    ) -> StoreResult<Option<JoinRequest>> {
        let request = with_pool!(self, writer, |pool| {
            sqlx::query_as(
                "UPDATE join_requests SET used_at = $3
                 WHERE token_hash = $1 AND site_id = $2 AND used_at IS NULL AND expires_at > $3
                 RETURNING site_id, email, name",
            )
            .bind(token_hash)
            .bind(site_id)
            .bind(now)
            .fetch_optional(pool)
            .await
        })?;
        Ok(request)
    }

    /// The site's join code, made on first use.
    pub async fn join_code(
        &self,
        site_id: i64,
        make: impl FnOnce() -> String,
    ) -> StoreResult<String> {
        let candidate = make();
        let code: String = with_pool!(self, writer, |pool| {
            sqlx::query("UPDATE sites SET join_code = $1 WHERE id = $2 AND join_code IS NULL")
                .bind(&candidate)
                .bind(site_id)
                .execute(pool)
                .await?;
            sqlx::query_scalar("SELECT join_code FROM sites WHERE id = $1")
                .bind(site_id)
                .fetch_one(pool)
                .await?
        });
        Ok(code)
    }

    /// Replaces the join code; the old one stops working.
    pub async fn set_join_code(&self, site_id: i64, code: &str) -> StoreResult<()> {
        with_pool!(self, writer, |pool| {
            sqlx::query("UPDATE sites SET join_code = $1 WHERE id = $2")
                .bind(code)
                .bind(site_id)
                .execute(pool)
                .await
                .map(|_| ())
        })?;
        Ok(())
    }

    /// The site a join code opens.
    pub async fn site_id_by_join_code(&self, code: &str) -> StoreResult<Option<i64>> {
        let id = with_pool!(self, reader, |pool| {
            sqlx::query_scalar("SELECT id FROM sites WHERE join_code = $1")
                .bind(code)
                .fetch_optional(pool)
                .await
        })?;
        Ok(id)
    }

    /// The members of a site, by name.
    pub async fn members(&self, site_id: i64) -> StoreResult<Vec<Membership>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            user: UserRow,
            role: String,
            student_id: Option<String>,
        }
        let rows: Vec<Row> = with_pool!(self, reader, |pool| {
            sqlx::query_as(&format!(
                "SELECT {USER_COLUMNS}, m.role, m.student_id FROM users u JOIN memberships m ON m.user_id = u.id
                 WHERE m.site_id = $1 ORDER BY lower(u.name), u.id"
            ))
            .bind(site_id)
            .fetch_all(pool)
            .await
        })?;
        rows.into_iter()
            .map(|row| {
                let role = row
                    .role
                    .parse::<Role>()
                    .map_err(|error| StoreError::Corrupt(error.to_string()))?;
                Ok(Membership {
                    user: row.user.into(),
                    role,
                    student_id: row.student_id,
                })
            })
            .collect()
    }

    /// Sets (or, with `None`, clears) a member's student id on a site; `NotFound` when they are no member.
    pub async fn set_student_id(
        &self,
        site_id: i64,
        user_id: i64,
        student_id: Option<&str>,
    ) -> StoreResult<()> {
        let done = with_pool!(self, writer, |pool| {
            sqlx::query(
                "UPDATE memberships SET student_id = $1 WHERE site_id = $2 AND user_id = $3",
            )
            .bind(student_id)
            .bind(site_id)
            .bind(user_id)
            .execute(pool)
            .await
            .map(|done| done.rows_affected())
        })?;
        if done == 0 {
            Err(StoreError::NotFound)
        } else {
            Ok(())
        }
    }

    /// Takes someone off a site; their posts and comments stay.
    /// Ends a membership; what it was, so that it can be given back (`return_member`), or `None` when there
    /// was none. Their follows of the site's discussions end with it, as when a member leaves (#18 review: a
    /// removed member of a members-only course was still mailed its comments); an Undo does not restore them.
    pub async fn remove_member(
        &self,
        site_id: i64,
        user_id: i64,
    ) -> StoreResult<Option<FormerMember>> {
        let removed: Option<(String, i64, Option<String>)> =
            with_pool!(self, writer, |pool, dialect| {
                let mut tx = pool.begin_with(dialect.begin).await?;
                let removed: Option<(String, i64, Option<String>)> = sqlx::query_as(
                    "DELETE FROM memberships WHERE site_id = $1 AND user_id = $2
                     RETURNING role, created_at, student_id",
                )
                .bind(site_id)
                .bind(user_id)
                .fetch_optional(&mut *tx)
                .await?;
                if removed.is_some() {
                    end_follows!(&mut *tx, site_id, user_id);
                }
                tx.commit().await?;
                Ok::<_, sqlx::Error>(removed)
            })?;
        removed
            .map(|(role, joined_at, student_id)| {
                Ok(FormerMember {
                    user_id,
                    role: role
                        .parse()
                        .map_err(|_| StoreError::Corrupt(format!("role {role}")))?,
                    joined_at,
                    student_id,
                })
            })
            .transpose()
    }

    /// Gives a removed membership back as it was (an Undo); nothing when the person is a member again already.
    pub async fn return_member(&self, site_id: i64, former: &FormerMember) -> StoreResult<bool> {
        let returned = with_pool!(self, writer, |pool| {
            sqlx::query(
                "INSERT INTO memberships (site_id, user_id, role, created_at, student_id)
                 SELECT $1, id, $3, $4, $5 FROM users WHERE id = $2
                 ON CONFLICT (site_id, user_id) DO NOTHING",
            )
            .bind(site_id)
            .bind(former.user_id)
            .bind(former.role.as_str())
            .bind(former.joined_at)
            .bind(&former.student_id)
            .execute(pool)
            .await
            .map(|done| done.rows_affected())
        })?;
        Ok(returned == 1)
    }

    pub async fn set_user_name(&self, user_id: i64, name: &str) -> StoreResult<()> {
        with_pool!(self, writer, |pool| {
            sqlx::query("UPDATE users SET name = $1 WHERE id = $2")
                .bind(name)
                .bind(user_id)
                .execute(pool)
                .await
                .map(|_| ())
        })?;
        Ok(())
    }

    /// Marks an account's current address as proven (by a mailed link that was used).
    pub async fn confirm_current_email(&self, user_id: i64, now: i64) -> StoreResult<()> {
        with_pool!(self, writer, |pool| {
            sqlx::query("UPDATE users SET email_confirmed_at = $1 WHERE id = $2 AND email_confirmed_at IS NULL")
                .bind(now)
                .bind(user_id)
                .execute(pool)
                .await
                .map(|_| ())
        })?;
        Ok(())
    }

    /// Keeps a pending confirmation of `email` for an account.
    pub async fn create_email_confirmation(
        &self,
        token_hash: &str,
        user_id: i64,
        email: &str,
        now: i64,
        expires_at: i64,
    ) -> StoreResult<()> {
        with_pool!(self, writer, |pool| {
            sqlx::query(
                "INSERT INTO email_confirmations (token_hash, user_id, email, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(token_hash)
            .bind(user_id)
            .bind(email)
            .bind(now)
            .bind(expires_at)
            .execute(pool)
            .await
            .map(|_| ())
        })?;
        Ok(())
    }

    /// Uses a confirmation link once: the account's email becomes the confirmed address. `Conflict` when
    /// another account took that address meanwhile; `None` when the link is unknown, used or expired.
    pub async fn confirm_email(&self, token_hash: &str, now: i64) -> StoreResult<Option<User>> {
        let user_id: Option<i64> = with_pool!(self, writer, |pool, dialect| {
            let mut tx = pool.begin_with(dialect.begin).await?;
            let found: Option<(i64, String)> = sqlx::query_as(
                "UPDATE email_confirmations SET used_at = $2
                 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2
                 RETURNING user_id, email",
            )
            .bind(token_hash)
            .bind(now)
            .fetch_optional(&mut *tx)
            .await?;
            match found {
                Some((user_id, email)) => {
                    sqlx::query(
                        "UPDATE users SET email = $1, email_confirmed_at = $2 WHERE id = $3",
                    )
                    .bind(&email)
                    .bind(now)
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?;
                    tx.commit().await?;
                    Some(user_id)
                }
                None => None,
            }
        });
        match user_id {
            Some(id) => Ok(Some(self.user_by_id(id).await?)),
            None => Ok(None),
        }
    }
}
