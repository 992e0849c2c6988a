//! The API knowledge of every front end: the TOML tables under `rules/`, embedded at build
//! time, with the additions a project makes in the `[api.<language>]` tables of its
//! `ctxlint.toml` (loaded by [`crate::tables`]).

use crate::tables::load_language;

/// The knowledge of every front end, ready for the rules.
pub struct Knowledge {
    pub rust: crate::rust::knowledge::RustKnowledge,
    pub go: crate::go::knowledge::GoKnowledge,
}

impl Knowledge {
    /// Loads the embedded tables, extended by a config's `[api]` table.
    pub fn load(additions: Option<&toml::Table>) -> Result<Knowledge, String> {
        let for_language = |language: &str| additions.and_then(|api| api.get(language));
        Ok(Knowledge {
            rust: load_language("rust", crate::rust::knowledge::TABLES, for_language("rust"))?,
            go: load_language("go", crate::go::knowledge::TABLES, for_language("go"))?,
        })
    }

    pub fn builtin() -> Knowledge {
        Knowledge::load(None).expect("the embedded API tables are valid")
    }
}
