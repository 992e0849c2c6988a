//! Loading of embedded TOML tables and a config's additions to them, for any front end's
//! knowledge type.

use serde::de::DeserializeOwned;

/// One embedded table: its name (the file stem, also its key under `[api.<language>]`) and text.
pub type EmbeddedTable = (&'static str, &'static str);

/// Builds one language's knowledge: `{stem: table}` for every embedded file, then the
/// additions merged in (arrays are extended, tables merged key by key, values replaced).
pub fn load_language<T: DeserializeOwned>(
    language: &str,
    tables: &[EmbeddedTable],
    additions: Option<&toml::Value>,
) -> Result<T, String> {
    let mut merged = toml::Table::new();
    for (stem, text) in tables {
        let table: toml::Table =
            toml::from_str(text).map_err(|e| format!("rules/{language}/{stem}.toml: {e}"))?;
        merged.insert((*stem).to_string(), toml::Value::Table(table));
    }
    if let Some(additions) = additions {
        let toml::Value::Table(additions) = additions else {
            return Err(format!("`api.{language}` must be a table"));
        };
        for key in additions.keys() {
            if !merged.contains_key(key) {
                let known: Vec<&str> = tables.iter().map(|(stem, _)| *stem).collect();
                return Err(format!(
                    "unknown key `api.{language}.{key}` (expected one of: {})",
                    known.join(", ")
                ));
            }
        }
        merge(&mut merged, additions, &format!("api.{language}"))?;
    }
    toml::Value::Table(merged)
        .try_into()
        .map_err(|e: toml::de::Error| format!("in `api.{language}`: {}", e.message()))
}

fn merge(base: &mut toml::Table, additions: &toml::Table, at: &str) -> Result<(), String> {
    for (key, value) in additions {
        match (base.get_mut(key), value) {
            (Some(toml::Value::Array(items)), toml::Value::Array(more)) => {
                items.extend(more.iter().cloned())
            }
            (Some(toml::Value::Table(table)), toml::Value::Table(more)) => {
                merge(table, more, &format!("{at}.{key}"))?
            }
            (Some(old), new) if old.type_str() != new.type_str() => {
                return Err(format!(
                    "`{at}.{key}` must be {}, found {}",
                    old.type_str(),
                    new.type_str()
                ));
            }
            _ => {
                base.insert(key.clone(), value.clone());
            }
        }
    }
    Ok(())
}
