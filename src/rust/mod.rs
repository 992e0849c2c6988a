//! Rust front end (syn).

pub mod knowledge;
pub mod rules;

use crate::engine::{FrontEndOutput, Settings};
use crate::source::SourceText;

pub fn check(_source: &SourceText, _settings: &Settings) -> Result<FrontEndOutput, String> {
    Ok(FrontEndOutput::default())
}
