//! What a run re-checked, for pruning a baseline without losing what was not re-checked.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::{CheckArgs, Group};
use crate::baseline;
use crate::config::{self, Config};
use crate::engine::{self, Settings};
use crate::registry;
use crate::walk::Language;

/// What a run re-checked, so that pruning a baseline removes only entries of files that were
/// checked with the entry's rule: nothing recorded for another directory, or for a rule left
/// out by `--select`, `--ignore` or the config, is lost.
pub(super) struct Rechecked<'a> {
    /// Each checked file (absolute) with the settings it was checked with.
    files: BTreeMap<PathBuf, (&'a Settings, Language, String)>,
    /// The paths given to the run (absolute): a recorded file that is gone below one of them
    /// was covered too.
    roots: Vec<PathBuf>,
    select: &'a [String],
    ignore: &'a [String],
}

impl<'a> Rechecked<'a> {
    pub(super) fn new(groups: &'a [Group], args: &'a CheckArgs) -> Rechecked<'a> {
        let files = groups
            .iter()
            .flat_map(|group| {
                group.files.iter().map(|(path, language)| {
                    let display = path.display().to_string();
                    (
                        baseline::lexical_absolute(path),
                        (&group.settings, *language, display),
                    )
                })
            })
            .collect();
        Rechecked {
            files,
            roots: args
                .paths
                .iter()
                .map(|p| baseline::lexical_absolute(p))
                .collect(),
            select: &args.select,
            ignore: &args.ignore,
        }
    }

    pub(super) fn checked(&self, file: &Path) -> bool {
        self.files.contains_key(file)
    }

    /// Whether `rule` ran on `file`, or `file` is gone below a checked path and `rule` was
    /// selected.
    pub(super) fn covers(&self, file: &Path, rule: &str) -> bool {
        match self.files.get(file) {
            Some((settings, language, display)) => {
                settings.enabled(rule)
                    && registry::implemented_for(rule, *language)
                    && !settings.ignored_for(display).contains(&rule)
                    && !engine::is_test_file(*language, settings, display)
            }
            None => {
                let selected = registry::find(rule).is_some_and(|info| {
                    let (_, origin) = Config::defaults().rule_level(info, self.select, self.ignore);
                    !matches!(
                        origin,
                        config::LevelOrigin::NotSelected | config::LevelOrigin::Ignore
                    )
                });
                selected && !file.exists() && self.roots.iter().any(|root| file.starts_with(root))
            }
        }
    }
}
