//! ctxlint: a static linter for async cancellation bugs in Rust and Go.
//!
//! Data flows one way: paths -> [`walk`] -> [`engine`] (read, parse, one model per file,
//! rules, [`suppress`]) -> sorted [`diagnostic::Finding`]s -> [`report`].

pub mod baseline;
pub mod cli;
pub mod config;
pub mod diagnostic;
pub mod engine;
pub mod fix;
pub mod frontend;
pub mod go;
pub mod guard;
pub mod index;
pub mod knowledge;
pub mod lsp;
pub mod registry;
pub mod report;
pub mod rust;
pub mod same_defect;
pub mod skip;
pub mod source;
pub mod suppress;
pub mod syntax_error;
pub mod tables;
pub mod walk;
pub mod words;
