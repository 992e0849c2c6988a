//! ## What it does
//! Reports a file that ctxlint could not check: Rust that does not parse, Go code in a `.rs`
//! file, a Go file with a syntax error (the rest of it is checked), a file that is not UTF-8
//! or is binary, one nested too deep to parse safely, or one that cannot be read. The finding
//! is at the place that stopped the parser, or at the start of the file. Applies to Rust and
//! Go files; its default level is `error`.
//!
//! ## Why is this bad
//! Nothing in an unchecked file was looked at, so a clean report would be a false one: CI
//! would pass on code no rule has read. This is the one finding that says so.
//!
//! ## Example
//! ```rust,ignore
//! async fn serve() {
//!     loop {
//! ```
//!
//! ## Use instead
//! Fix the file, or say that it is not to be checked: `exclude` it in `ctxlint.toml`, list
//! `syntax-error` for it in `[per-file-ignores]`, or lower the rule's level. Even then the
//! summary counts the files that could not be checked.
//!
//! ## Known problems
//! A Rust file that holds none of the words any enabled rule looks for is not parsed, so a
//! syntax error in it is not reported (Go code in it still is); nor is a Go file of a
//! package that imports nothing the rules know. A suppression comment cannot
//! silence this rule: the comments of a file that was not read are not read either. Baselines
//! never record it, so a baseline cannot hide an unchecked file. Valid Go in syntax the Go
//! parser does not read yet (Go 1.26's `new(expr)`) is not reported: the file counts as
//! checked in part, and its other functions are checked.

use crate::diagnostic::{FileError, Finding, Span};

pub const NAME: &str = "syntax-error";

/// The finding of a file that could not be checked, whole or in part; `None` when ctxlint
/// itself, not the file, is to blame (such an error fails the run anyway).
pub fn finding(error: &FileError) -> Option<Finding> {
    if error.parser_gap {
        return None;
    }
    let (line, column) = error.at?;
    let span = Span::new(line, column, line, column + 1);
    let help = "fix the file, or `exclude` it in ctxlint.toml: until then no rule checks it";
    Some(Finding::new(NAME, span, error.message.clone()).help(help))
}
