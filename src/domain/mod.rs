//! The domain: plain types and the rules of a course blog. Nothing here knows about SQL or HTTP.

pub mod avatar;
pub mod calendar;
pub mod citation;
pub mod client;
pub mod comment;
pub mod grade;
pub mod leaving;
pub mod markup;
pub mod own_writing;
pub mod participation;
pub mod passage;
pub mod permalink;
pub mod post;
pub mod reading;
pub mod roster;
pub mod search;
pub mod settings;
pub mod site;
pub mod slug;
pub mod thread;
pub mod user;
