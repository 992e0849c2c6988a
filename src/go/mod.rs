//! Go front end (tree-sitter): not yet implemented; Go files are checked for suppressions only.

pub mod knowledge;
pub mod rules;

use crate::engine::{FrontEndOutput, Settings};
use crate::source::SourceText;

pub fn check(_source: &SourceText, _settings: &Settings) -> Result<FrontEndOutput, String> {
    Ok(FrontEndOutput::default())
}
