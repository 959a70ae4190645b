//! WordPress eXtended RSS: moving a course blog in and out of WordPress (PRODUCT.md §8).

pub mod export;
pub mod import;
pub mod reader;
