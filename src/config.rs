//! `ctxlint.toml`: discovery (the nearest one above each checked file), parsing, and where
//! each rule's level comes from.

use std::collections::{BTreeMap, HashMap};
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

impl Config {
    /// No file: every rule at its default level, globs relative to the current directory.
    pub fn defaults() -> Config {
        Config {
            root: PathBuf::from("."),
            ..Config::default()
        }
    }

    /// The level of `rule` and what decided it: `ignore` turns it off, a `select` that does
    /// not name it turns it off, then the file's `[rules]`, then the default.
    pub fn rule_level(
        &self,
        rule: &registry::RuleInfo,
        select: &[String],
        ignore: &[String],
    ) -> (Level, LevelOrigin) {
        if ignore.iter().any(|name| name == rule.name) {
            (Level::Off, LevelOrigin::Ignore)
        } else if !select.is_empty() && !select.iter().any(|name| name == rule.name) {
            (Level::Off, LevelOrigin::NotSelected)
        } else if let Some(level) = self.levels.get(rule.name) {
            (*level, LevelOrigin::Config)
        } else {
            (rule.default_level, LevelOrigin::Default)
        }
    }
}

/// What decided the level of a rule (`--show-settings`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LevelOrigin {
    Default,
    Config,
    NotSelected,
    Ignore,
}

/// Which configuration the checked files use.
#[derive(Debug, Clone)]
pub enum Choice {
    /// Each file, the nearest `ctxlint.toml` above it (the defaults when there is none).
    Nearest,
    /// This file for every file (`--config`).
    File(PathBuf),
    /// The defaults for every file (`--no-config`).
    Defaults,
}

/// Finds the configuration file of each checked file, remembering the answer per directory
/// (as named, and each absolute ancestor), so that no directory is looked at twice.
pub struct Resolver {
    choice: Choice,
    by_dir: HashMap<PathBuf, Option<PathBuf>>,
}

impl Resolver {
    pub fn new(choice: Choice) -> Resolver {
        Resolver {
            choice,
            by_dir: HashMap::new(),
        }
    }

    /// The config file that applies to `file` (`None`: the defaults).
    pub fn config_for(&mut self, file: &Path) -> Option<PathBuf> {
        match &self.choice {
            Choice::File(path) => Some(path.clone()),
            Choice::Defaults => None,
            Choice::Nearest => {
                let dir = match file.parent() {
                    Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
                    _ => PathBuf::from("."),
                };
                if let Some(found) = self.by_dir.get(&dir) {
                    return found.clone();
                }
                let found = std::path::absolute(&dir)
                    .ok()
                    .and_then(|absolute| self.nearest_from(&absolute));
                self.by_dir.insert(dir, found.clone());
                found
            }
        }
    }

    /// The config file in the absolute directory `dir` or the nearest one above it. Each
    /// directory is looked at once per run: the files of a tree share their ancestors.
    fn nearest_from(&mut self, dir: &Path) -> Option<PathBuf> {
        if let Some(found) = self.by_dir.get(dir) {
            return found.clone();
        }
        let candidate = dir.join(FILE_NAME);
        let found = if candidate.is_file() {
            Some(candidate)
        } else {
            dir.parent().and_then(|parent| self.nearest_from(parent))
        };
        self.by_dir.insert(dir.to_path_buf(), found.clone());
        found
    }
}

/// Reads the config file, or gives the defaults for `None`.
pub fn load_or_defaults(path: Option<&Path>) -> Result<Config, String> {
    match path {
        Some(path) => load(path),
        None => Ok(Config::defaults()),
    }
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
    #[serde(default)]
    include_examples: bool,
    #[serde(default)]
    include_cli_tools: bool,
}

/// Walks up from `start` to the first directory holding a `ctxlint.toml`.
pub fn discover(start: &Path) -> Option<PathBuf> {
    let start = std::path::absolute(start).ok()?;
    if start.is_dir() {
        discover_from_dir(&start)
    } else {
        discover_from_dir(start.parent()?)
    }
}

/// Walks up from the directory `dir` (relative to the current one, or absolute).
fn discover_from_dir(dir: &Path) -> Option<PathBuf> {
    let start = std::path::absolute(dir).ok()?;
    let mut dir = start.as_path();
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
                &format!(
                    "unknown rule `{}` in [rules]{}",
                    name.get_ref(),
                    registry::did_you_mean(name.get_ref())
                ),
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
                    &format!(
                        "unknown rule `{}` in [per-file-ignores]{}",
                        rule.get_ref(),
                        registry::did_you_mean(rule.get_ref())
                    ),
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
            examples: raw.include_examples,
            cli_tools: raw.include_cli_tools,
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
    fn unknown_rules_get_a_suggestion() {
        let error = parse("[rules]\nmissing-timout = \"off\"\n", Path::new("c.toml")).unwrap_err();
        assert_eq!(
            error,
            "c.toml:2: unknown rule `missing-timout` in [rules]; did you mean `missing-timeout`?"
        );
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
