//! `ctxlint.toml`: discovery (walking up from the checked path) and parsing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::diagnostic::Level;
use crate::registry;

pub const FILE_NAME: &str = "ctxlint.toml";

/// A parsed, validated configuration.
#[derive(Debug, Default)]
pub struct Config {
    /// The file it came from, if any.
    pub path: Option<PathBuf>,
    /// PathGlobs are relative to this directory.
    pub root: PathBuf,
    pub fail_level: Option<Level>,
    pub exclude: Vec<String>,
    pub levels: BTreeMap<String, Level>,
    /// Rules not run on the files a glob matches (relative to `root`), in file order.
    pub per_file_ignores: Vec<(String, Vec<String>)>,
    pub api: Option<toml::Table>,
    /// The classes of code not checked by default that this project checks anyway.
    pub include: crate::skip::Include,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawConfig {
    fail_level: Option<Level>,
    #[serde(default)]
    exclude: Vec<String>,
    #[serde(default)]
    rules: BTreeMap<toml::Spanned<String>, Level>,
    #[serde(default)]
    per_file_ignores: BTreeMap<toml::Spanned<String>, Vec<toml::Spanned<String>>>,
    api: Option<toml::Table>,
    #[serde(default)]
    include_generated: bool,
    #[serde(default)]
    include_vendored: bool,
    #[serde(default)]
    include_test_support: bool,
}

/// Walks up from `start` to the first directory holding a `ctxlint.toml`.
pub fn discover(start: &Path) -> Option<PathBuf> {
    let start = std::path::absolute(start).ok()?;
    let mut dir = if start.is_dir() {
        start.as_path()
    } else {
        start.parent()?
    };
    loop {
        let candidate = dir.join(FILE_NAME);
        if candidate.is_file() {
            return Some(candidate);
        }
        dir = dir.parent()?;
    }
}

/// Reads and validates a config file. Errors name the file, line and key.
pub fn load(path: &Path) -> Result<Config, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("{}: cannot read config: {e}", path.display()))?;
    parse(&text, path)
}

pub fn parse(text: &str, path: &Path) -> Result<Config, String> {
    let located = |span: Option<std::ops::Range<usize>>, message: &str| {
        let line = span
            .map(|span| text[..span.start.min(text.len())].matches('\n').count() + 1)
            .unwrap_or(1);
        format!("{}:{line}: {message}", path.display())
    };
    let raw: RawConfig = toml::from_str(text).map_err(|e| located(e.span(), e.message()))?;
    let mut levels = BTreeMap::new();
    for (name, level) in raw.rules {
        if registry::find(name.get_ref()).is_none() {
            return Err(located(
                Some(name.span()),
                &format!("unknown rule `{}` in [rules]", name.get_ref()),
            ));
        }
        levels.insert(name.into_inner(), level);
    }
    let mut per_file_ignores = Vec::new();
    for (glob, rules) in raw.per_file_ignores {
        crate::walk::PathGlobs::new(std::slice::from_ref(glob.get_ref()))
            .map_err(|e| located(Some(glob.span()), &e))?;
        let mut names = Vec::new();
        for rule in rules {
            if registry::find(rule.get_ref()).is_none() {
                return Err(located(
                    Some(rule.span()),
                    &format!("unknown rule `{}` in [per-file-ignores]", rule.get_ref()),
                ));
            }
            names.push(rule.into_inner());
        }
        per_file_ignores.push((glob.into_inner(), names));
    }
    if let Some(api) = &raw.api {
        crate::knowledge::Knowledge::load(Some(api)).map_err(|e| {
            let line = text
                .lines()
                .position(|line| line.trim_start().starts_with("[api"))
                .map(|i| i + 1)
                .unwrap_or(1);
            format!("{}:{line}: {e}", path.display())
        })?;
    }
    let root = path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    crate::walk::PathGlobs::new(&raw.exclude).map_err(|e| located(None, &e))?;
    Ok(Config {
        path: Some(path.to_path_buf()),
        root,
        fail_level: raw.fail_level,
        exclude: raw.exclude,
        levels,
        per_file_ignores,
        api: raw.api,
        include: crate::skip::Include {
            generated: raw.include_generated,
            vendored: raw.include_vendored,
            test_support: raw.include_test_support,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_file_line_and_key() {
        let path = Path::new("ctxlint.toml");
        let error = parse("exclude = []\n[rules]\nno-such-rule = \"off\"\n", path).unwrap_err();
        assert_eq!(
            error,
            "ctxlint.toml:3: unknown rule `no-such-rule` in [rules]"
        );
        let error = parse("\nfail-levle = \"error\"\n", path).unwrap_err();
        assert!(
            error.starts_with("ctxlint.toml:2: unknown field `fail-levle`"),
            "{error}"
        );
        let error = parse("[rules]\nblocking-in-async = \"loud\"\n", path).unwrap_err();
        assert!(error.starts_with("ctxlint.toml:2:"), "{error}");
        let error = parse(
            "[per-file-ignores]\n\"examples/**\" = [\"missing-timeout\",\n  \"no-such-rule\"]\n",
            path,
        )
        .unwrap_err();
        assert_eq!(
            error,
            "ctxlint.toml:3: unknown rule `no-such-rule` in [per-file-ignores]"
        );
        let error = parse("[per-file-ignores]\n\"a/[\" = []\n", path).unwrap_err();
        assert!(error.starts_with("ctxlint.toml:2: invalid"), "{error}");
    }

    #[test]
    fn accepts_levels_excludes_and_api_additions() {
        let config = parse(
            "exclude = [\"gen/**\"]\n[rules]\nloop-without-cancel = \"off\"\n",
            Path::new("ctxlint.toml"),
        )
        .unwrap();
        assert_eq!(config.levels["loop-without-cancel"], Level::Off);
        assert_eq!(config.exclude, vec!["gen/**".to_string()]);
        assert_eq!(config.include, crate::skip::Include::default());
        let config = parse(
            "include-generated = true\ninclude-test-support = true\n",
            Path::new("ctxlint.toml"),
        )
        .unwrap();
        assert!(config.include.generated && config.include.test_support);
        assert!(!config.include.vendored);
    }
}
