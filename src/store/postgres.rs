//! The PostgreSQL backend: one pool; PostgreSQL serialises conflicting writes itself.

use std::{str::FromStr, time::Duration};

use sqlx::{
    PgPool,
    postgres::{PgConnectOptions, PgPoolOptions},
};

use super::{Dialect, StoreError, StoreResult};

pub(crate) static DIALECT: Dialect = Dialect {
    advisory_lock: Some("SELECT pg_advisory_xact_lock(hashtext($1))"),
};

#[derive(Clone)]
pub struct PostgresBackend {
    pub(crate) reader: PgPool,
    pub(crate) writer: PgPool,
}

impl PostgresBackend {
    pub async fn connect(url: &str) -> StoreResult<Self> {
        let options = PgConnectOptions::from_str(url)
            .map_err(|error| StoreError::BadUrl(format!("{error}")))?;
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options)
            .await
            .map_err(StoreError::Unavailable)?;
        Ok(Self {
            reader: pool.clone(),
            writer: pool,
        })
    }
}
