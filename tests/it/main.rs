//! colloquy's integration suite: the real server on a random port over a fresh database, spoken to over HTTP,
//! and the real binary for the command line. SQLite always; PostgreSQL when `COLLOQUY_TEST_DATABASE_URL` is set.

#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking, with the reason"
)]

mod accounts;
mod backup;
mod browser;
mod browser_charts;
mod browser_comments;
mod browser_dashboard;
mod browser_editor;
mod cache;
mod cli;
mod comments;
mod courses;
mod crash;
mod dashboard;
mod durability;
mod enrolment;
mod feedback;
mod feeds;
mod follows;
mod fuzzing;
mod helpers;
mod hostile;
mod leaving;
mod mail;
mod pages;
mod participation;
mod passages;
mod privacy;
mod properties;
mod pseudonyms;
mod readings;
mod search;
mod sites;
mod store;
mod subsites;
mod writing;
mod wxr;
mod wxr_import;
mod xss;
