//! `--show-files` and `--show-settings`: what a run would check, and with what.

use std::path::Path;

use super::{CheckArgs, EXIT_CLEAN, Group, print_stdout};
use crate::baseline;
use crate::config::{self, Config};
use crate::diagnostic::Level;
use crate::engine;
use crate::registry;
use crate::walk::Language;

/// The files a run would check, one per line, each with the config file it uses.
pub(super) fn show_files(groups: &[Group]) -> Result<i32, String> {
    let mut listed: Vec<(String, String)> = groups
        .iter()
        .flat_map(|group| {
            let origin = config_origin(&group.config);
            group
                .files
                .iter()
                .filter(|(path, language)| {
                    !engine::is_test_file(*language, &group.settings, &path.display().to_string())
                })
                .map(move |(path, _)| (path.display().to_string(), origin.clone()))
        })
        .collect();
    listed.sort();
    let mut out = String::new();
    for (path, origin) in listed {
        out.push_str(&format!("{path}  ({origin})\n"));
    }
    print_stdout(&out);
    Ok(EXIT_CLEAN)
}

/// Where a config came from, for people: its path relative to the current directory.
fn config_origin(config: &Config) -> String {
    match &config.path {
        Some(path) => shown_path(path),
        None => "defaults".to_string(),
    }
}

fn shown_path(path: &Path) -> String {
    let cwd = std::env::current_dir().unwrap_or_default();
    let relative = path.strip_prefix(&cwd).unwrap_or(path);
    baseline::normalize_path(&relative.display().to_string())
}

/// `--show-settings FILE`: what FILE is checked with, and where each setting comes from.
pub(super) fn show_settings(
    args: &CheckArgs,
    resolver: &mut config::Resolver,
    file: &Path,
) -> Result<i32, String> {
    let found = resolver.config_for(file);
    let group = Group::load(found.as_deref(), args)?;
    let config = &group.config;
    let origin = config_origin(config);
    let display = file.display().to_string();
    let language = Language::from_path(file);
    let mut out = format!("file: {display}\n");
    out.push_str(&format!(
        "language: {}\n",
        language.map_or("none (not checked: ctxlint reads .rs and .go files)", |l| l
            .name())
    ));
    let config_line = match (&config.path, &args.config) {
        (Some(_), Some(_)) => format!("{origin} (--config)"),
        (Some(_), None) => format!("{origin} (the nearest above the file)"),
        (None, _) if args.no_config => "none: the defaults (--no-config)".to_string(),
        (None, _) => "none: the defaults (no ctxlint.toml above the file)".to_string(),
    };
    out.push_str(&format!("config: {config_line}\n"));
    let checked = if group.excludes(file) {
        format!("no: excluded by `exclude` in {origin}")
    } else if language.is_some_and(|l| engine::is_test_file(l, &group.settings, &display)) {
        "no: test code".to_string()
    } else {
        "yes".to_string()
    };
    out.push_str(&format!("checked: {checked}\n"));
    let (fail_level, fail_origin) = match (args.fail_level, config.fail_level) {
        (Some(level), _) => (level.level(), "--fail-level".to_string()),
        (None, Some(level)) => (level, origin.clone()),
        (None, None) => (Level::Warning, "default".to_string()),
    };
    out.push_str(&format!(
        "fail-level: {} ({fail_origin})\n",
        fail_level.as_str()
    ));
    let ignored = group.settings.ignored_for(&display);
    out.push_str("rules:\n");
    for rule in registry::RULES {
        let (level, level_origin) = config.rule_level(rule, &args.select, &args.ignore);
        let (level, why) = if level != Level::Off && ignored.contains(&rule.name) {
            (Level::Off, format!("[per-file-ignores] in {origin}"))
        } else {
            let why = match level_origin {
                config::LevelOrigin::Default => "default".to_string(),
                config::LevelOrigin::Config => format!("[rules] in {origin}"),
                config::LevelOrigin::NotSelected => "not in --select".to_string(),
                config::LevelOrigin::Ignore => "--ignore".to_string(),
            };
            (level, why)
        };
        let applies = language.is_none_or(|l| registry::implemented_for(rule.name, l));
        let note = if applies {
            ""
        } else {
            " (not implemented for this language)"
        };
        out.push_str(&format!(
            "  {:<26} {:<8} {why}{note}\n",
            rule.name,
            level.as_str()
        ));
    }
    let api = match &config.api {
        Some(_) => format!("[api] in {origin}, added to the built-in tables"),
        None => "the built-in tables".to_string(),
    };
    out.push_str(&format!("api knowledge: {api}\n"));
    print_stdout(&out);
    Ok(EXIT_CLEAN)
}
