//! colloquy: a course blog server.
//!
//! The parts, from the outside in:
//! - `web` answers HTTP: routes, thin handlers, askama templates, one error type mapped to responses once.
//! - `domain` holds the plain types and rules (permalinks, slugs, the comment pipeline, roles, markup); it knows
//!   nothing of SQL or HTTP, so every rule is tested on its own.
//! - `store` holds all SQL, behind one `Store` whose backend (SQLite or PostgreSQL) the database URL picks.
//! - `cpu` moves long rendering off the async workers.
//! - `discussion` (the comment pipeline) and `courses` (sites made, copied, archived) carry out what more than
//!   one door does (the web, the command line), knowing no HTTP.
//! - `startup` builds the application from a `Config`; `cli` carries out the instructor's commands; `demo`
//!   fills an empty database with a small course.

pub mod address;
pub mod cli;
pub mod config;
pub mod courses;
pub mod cpu;
pub mod demo;
pub mod discussion;
pub mod domain;
pub mod mail;
pub mod startup;
pub mod store;
pub mod web;
pub mod wxr;
