use serde::Deserialize;

use crate::knowledge::EmbeddedTable;

pub const TABLES: &[EmbeddedTable] = &[];

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RustKnowledge {}
