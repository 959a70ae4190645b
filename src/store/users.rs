//! Accounts and site memberships.

use crate::domain::{
    slug,
    user::{Role, User},
};

use super::{
    Conflict, Store, StoreError, StoreResult,
    records::{USER_COLUMNS, UserRow},
    with_pool,
};

/// The first author-archive name made from `base` that no account has, inside a transaction.
macro_rules! free_nicename {
    ($tx:expr, $base:expr) => {{
        let base: &str = $base;
        let stem = slug::stem(base, "member");
        let taken: Vec<String> = sqlx::query_scalar(
            "SELECT nicename FROM users WHERE nicename = $1 OR nicename LIKE $2",
        )
        .bind(stem)
        .bind(format!("{stem}-%"))
        .fetch_all($tx)
        .await?;
        slug::first_free(slug::Namespace::Archive, base, "member", &taken)
    }};
}
pub(super) use free_nicename;

/// An account to create.
pub struct NewUser<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub password_hash: Option<&'a str>,
    /// Whether the address is known to be the person's (an account the instructor made); others are confirmed
    /// by a mailed link before any notification goes to them.
    pub email_confirmed: bool,
}

impl Store {
    /// Creates an account with a unique author-archive name; `Conflict` when the email has an account.
    pub async fn create_user(&self, new: &NewUser<'_>, now: i64) -> StoreResult<User> {
        let base = slug::slugify(new.name);
        let row: UserRow = with_pool!(self, writer, |pool, dialect| {
            let mut tx = pool.begin_with(dialect.begin).await?;
            let taken: Option<i64> =
                sqlx::query_scalar("SELECT id FROM users WHERE lower(email) = lower($1)")
                    .bind(new.email)
                    .fetch_optional(&mut *tx)
                    .await?;
            if taken.is_some() {
                return Err(StoreError::Conflict(Conflict::EmailTaken));
            }
            let nicename = free_nicename!(&mut *tx, &base);
            let row: UserRow = sqlx::query_as(&format!(
                "INSERT INTO users (email, name, nicename, password_hash, created_at, email_confirmed_at)
                 VALUES ($1, $2, $3, $4, $5, $6)
                 RETURNING {USER_COLUMNS}"
            ))
            .bind(new.email)
            .bind(new.name)
            .bind(&nicename)
            .bind(new.password_hash)
            .bind(now)
            .bind(new.email_confirmed.then_some(now))
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            row
        });
        Ok(row.into())
    }

    pub async fn user_by_email(&self, email: &str) -> StoreResult<Option<User>> {
        let row: Option<UserRow> = with_pool!(self, reader, |pool| {
            sqlx::query_as(&format!(
                "SELECT {USER_COLUMNS} FROM users WHERE lower(email) = lower($1)"
            ))
            .bind(email.trim())
            .fetch_optional(pool)
            .await
        })?;
        Ok(row.map(User::from))
    }

    /// Which of these emails (in lower case) belong to an account.
    pub async fn emails_with_accounts(
        &self,
        emails: &[&str],
    ) -> StoreResult<std::collections::HashSet<String>> {
        let mut asked: Vec<String> = emails
            .iter()
            .map(|email| email.trim().to_lowercase())
            .collect();
        asked.sort_unstable();
        asked.dedup();
        let mut found = std::collections::HashSet::new();
        for chunk in asked.chunks(500) {
            let placeholders: Vec<String> =
                (1..=chunk.len()).map(|index| format!("${index}")).collect();
            let sql = format!(
                "SELECT lower(email) FROM users WHERE lower(email) IN ({})",
                placeholders.join(", ")
            );
            let rows: Vec<String> = with_pool!(self, reader, |pool| {
                let mut query = sqlx::query_scalar(&sql);
                for email in chunk {
                    query = query.bind(email);
                }
                query.fetch_all(pool).await
            })?;
            found.extend(rows);
        }
        Ok(found)
    }

    pub async fn user_by_id(&self, id: i64) -> StoreResult<User> {
        let row: UserRow = with_pool!(self, reader, |pool| {
            sqlx::query_as(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"))
                .bind(id)
                .fetch_one(pool)
                .await
        })?;
        Ok(row.into())
    }

    /// The member of a site with this author-archive name.
    pub async fn member_by_nicename(
        &self,
        site_id: i64,
        nicename: &str,
    ) -> StoreResult<Option<User>> {
        let row: Option<UserRow> = with_pool!(self, reader, |pool| {
            sqlx::query_as(&format!(
                "SELECT {USER_COLUMNS} FROM users
                 WHERE nicename = $2 AND id IN (SELECT user_id FROM memberships WHERE site_id = $1)"
            ))
            .bind(site_id)
            .bind(nicename)
            .fetch_optional(pool)
            .await
        })?;
        Ok(row.map(User::from))
    }

    /// Gives an account a role on a site, replacing any role it had there.
    pub async fn set_role(
        &self,
        site_id: i64,
        user_id: i64,
        role: Role,
        now: i64,
    ) -> StoreResult<()> {
        with_pool!(self, writer, |pool| {
            sqlx::query(
                "INSERT INTO memberships (site_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (site_id, user_id) DO UPDATE SET role = excluded.role",
            )
            .bind(site_id)
            .bind(user_id)
            .bind(role.as_str())
            .bind(now)
            .execute(pool)
            .await
            .map(|_| ())
        })?;
        Ok(())
    }

    pub async fn role_on(&self, site_id: i64, user_id: i64) -> StoreResult<Option<Role>> {
        let role: Option<String> = with_pool!(self, reader, |pool| {
            sqlx::query_scalar("SELECT role FROM memberships WHERE site_id = $1 AND user_id = $2")
                .bind(site_id)
                .bind(user_id)
                .fetch_optional(pool)
                .await
        })?;
        role.map(|role| {
            role.parse()
                .map_err(|error: crate::domain::user::UnknownRole| {
                    StoreError::Corrupt(error.to_string())
                })
        })
        .transpose()
    }

    /// The stored password hash of an account, if it has a password.
    pub async fn password_hash(&self, user_id: i64) -> StoreResult<Option<String>> {
        let hash: Option<Option<String>> = with_pool!(self, reader, |pool| {
            sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
                .bind(user_id)
                .fetch_optional(pool)
                .await
        })?;
        Ok(hash.flatten())
    }
}

impl Store {
    /// Sets (or, with `None`, drops) the name an account publishes under. Its author-archive name is made
    /// anew from the public name, with no redirect from the old one (a redirect would tie the two names
    /// together), and its comments everywhere show the public name. `Conflict` when a member of one of the
    /// account's sites already publishes under that name (their pseudonym, or their name if they have none).
    pub async fn set_pseudonym(&self, user_id: i64, pseudonym: Option<&str>) -> StoreResult<User> {
        let row: UserRow = with_pool!(self, writer, |pool, dialect| {
            let mut tx = pool.begin_with(dialect.begin).await?;
            let real_name: String = sqlx::query_scalar("SELECT name FROM users WHERE id = $1")
                .bind(user_id)
                .fetch_one(&mut *tx)
                .await?;
            if let Some(pseudonym) = pseudonym {
                // Only the names the person's readers see: those of the members of their sites, each by the
                // name they publish under. A real name kept behind a pseudonym, or known only on another site,
                // is never compared, so the answer tells no one that it exists.
                let clash: Option<i64> = sqlx::query_scalar(
                    "SELECT u.id FROM users u
                     WHERE u.id <> $1 AND lower(COALESCE(u.pseudonym, u.name)) = lower($2)
                       AND EXISTS (SELECT 1 FROM memberships theirs
                                   JOIN memberships mine ON mine.site_id = theirs.site_id AND mine.user_id = $1
                                   WHERE theirs.user_id = u.id)
                     LIMIT 1",
                )
                .bind(user_id)
                .bind(pseudonym)
                .fetch_optional(&mut *tx)
                .await?;
                if clash.is_some() {
                    return Err(StoreError::Conflict(Conflict::NameTaken));
                }
            }
            let public_name = pseudonym.unwrap_or(&real_name);
            let base = slug::slugify(public_name);
            let stem = slug::stem(&base, "member");
            let taken: Vec<String> = sqlx::query_scalar(
                "SELECT nicename FROM users WHERE id <> $1 AND (nicename = $2 OR nicename LIKE $3)",
            )
            .bind(user_id)
            .bind(stem)
            .bind(format!("{stem}-%"))
            .fetch_all(&mut *tx)
            .await?;
            let nicename = slug::first_free(slug::Namespace::Archive, &base, "member", &taken);
            let row: UserRow = sqlx::query_as(&format!(
                "UPDATE users SET pseudonym = $1, nicename = $2 WHERE id = $3 RETURNING {USER_COLUMNS}"
            ))
            .bind(pseudonym)
            .bind(&nicename)
            .bind(user_id)
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query("UPDATE comments SET author_name = $1 WHERE user_id = $2")
                .bind(public_name)
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            row
        });
        Ok(row.into())
    }
}
