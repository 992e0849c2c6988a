//! Which files to check: gitignore-aware walking, excludes, language by extension.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    Rust,
    Go,
}

impl Language {
    pub fn from_path(path: &Path) -> Option<Language> {
        match path.extension()?.to_str()? {
            "rs" => Some(Language::Rust),
            "go" => Some(Language::Go),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Language::Rust => "rust",
            Language::Go => "go",
        }
    }
}

/// A set of path globs: `exclude` (never checked, even when named on the command line) and
/// the file patterns of `[per-file-ignores]`.
#[derive(Default)]
pub struct PathGlobs {
    set: GlobSet,
}

impl PathGlobs {
    pub fn new(patterns: &[String]) -> Result<PathGlobs, String> {
        let mut builder = GlobSetBuilder::new();
        for pattern in patterns {
            let glob = Glob::new(pattern).map_err(|e| format!("invalid glob `{pattern}`: {e}"))?;
            builder.add(glob);
            // `dir` and `dir/**` both mean everything below `dir`.
            if !pattern.ends_with("/**") {
                let below = format!("{}/**", pattern.trim_end_matches('/'));
                builder.add(Glob::new(&below).map_err(|e| e.to_string())?);
            }
        }
        let set = builder.build().map_err(|e| e.to_string())?;
        Ok(PathGlobs { set })
    }

    /// `path` is matched relative to `root` (the directory of the config file) and as given.
    pub fn matches(&self, path: &Path, root: &Path) -> bool {
        if self.set.is_empty() {
            return false;
        }
        let clean = strip_dot(path);
        if self.set.is_match(clean) {
            return true;
        }
        let absolute = absolute(path);
        match absolute.strip_prefix(absolute_root(root)) {
            Ok(relative) => self.set.is_match(relative),
            Err(_) => false,
        }
    }
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

fn absolute_root(root: &Path) -> PathBuf {
    absolute(root)
}

fn strip_dot(path: &Path) -> &Path {
    path.strip_prefix("./").unwrap_or(path)
}

#[derive(Default)]
pub struct WalkResult {
    pub files: Vec<(PathBuf, Language)>,
    /// Problems met while walking (unreadable directories, symlink loops).
    pub errors: Vec<(String, String)>,
    /// Directories not walked because of their class (vendored, test support).
    pub not_walked: crate::skip::Skipped,
}

/// Collects the files to check under `paths`, sorted and without duplicates, leaving out the
/// directories below them whose class `include` does not ask for. A path that does not exist
/// is an error for the whole run. Directories are walked on `threads` threads (0: one per
/// core), and `found` is called on those threads with each file as soon as it is found (a
/// file under two of the paths, twice).
pub fn collect(
    paths: &[PathBuf],
    excludes: &PathGlobs,
    root: &Path,
    include: crate::skip::Include,
    threads: usize,
    found: &(dyn Fn(&Path, Language) + Sync),
) -> Result<WalkResult, String> {
    let mut files = Vec::new();
    let mut dirs = Vec::new();
    for path in paths {
        let metadata = std::fs::metadata(path).map_err(|e| format!("{}: {}", path.display(), e))?;
        if metadata.is_file() {
            // A file named explicitly is checked whatever its ignore status, but excludes hold.
            if let Some(language) = Language::from_path(path)
                && !excludes.matches(path, root)
            {
                let file = strip_dot(path);
                found(file, language);
                files.push((file.to_path_buf(), language));
            }
        } else {
            dirs.push(path);
        }
    }
    let walked = Mutex::new(WalkResult::default());
    let not_walked = Arc::new(Mutex::new(crate::skip::Skipped::default()));
    if let Some((first, rest)) = dirs.split_first() {
        let mut builder = ignore::WalkBuilder::new(first);
        for dir in rest {
            builder.add(dir);
        }
        builder
            .require_git(false)
            .follow_links(false)
            .threads(threads)
            .filter_entry({
                let not_walked = Arc::clone(&not_walked);
                // Never asked about the paths given: `ctxlint vendor/x` checks `vendor/x`.
                move |entry| {
                    if !entry.file_type().is_some_and(|t| t.is_dir()) {
                        return true;
                    }
                    let name = entry.file_name().to_str().unwrap_or_default();
                    let class = crate::skip::dir_class(name).filter(|c| !include.includes(*c));
                    if let Some(class) = class
                        && let Ok(mut not_walked) = not_walked.lock()
                    {
                        not_walked.count(class, true);
                    }
                    name != "target" && class.is_none()
                }
            });
        builder.build_parallel().run(|| {
            Box::new(|entry| {
                let Ok(mut walked) = walked.lock() else {
                    return ignore::WalkState::Quit;
                };
                if let Some((file, language)) = walked.add(entry, excludes, root, first) {
                    // Outside the lock: the first look at a file takes longer than walking.
                    drop(walked);
                    found(&file, language);
                }
                ignore::WalkState::Continue
            })
        });
    }
    let mut walked = walked.into_inner().map_err(|e| e.to_string())?;
    walked.not_walked = *not_walked.lock().map_err(|e| e.to_string())?;
    walked.files.append(&mut files);
    walked.files.sort();
    walked.files.dedup();
    Ok(walked)
}

impl WalkResult {
    /// Takes in one entry of the walk: a file to check (returned too), or a problem. A
    /// problem without a path is put on the first directory given.
    fn add(
        &mut self,
        entry: Result<ignore::DirEntry, ignore::Error>,
        excludes: &PathGlobs,
        root: &Path,
        first_dir: &Path,
    ) -> Option<(PathBuf, Language)> {
        match entry {
            Ok(entry) if entry.file_type().is_some_and(|t| t.is_file()) => {
                let file = entry.path();
                let language = Language::from_path(file)?;
                if excludes.matches(file, root) {
                    return None;
                }
                let file = strip_dot(file).to_path_buf();
                self.files.push((file.clone(), language));
                Some((file, language))
            }
            Ok(_) => None,
            Err(error) => {
                let path = error_path(&error).unwrap_or_else(|| first_dir.display().to_string());
                self.errors.push((path, error.to_string()));
                None
            }
        }
    }
}

fn error_path(error: &ignore::Error) -> Option<String> {
    match error {
        ignore::Error::WithPath { path, .. } => Some(path.display().to_string()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        ignore::Error::Loop { child, .. } => Some(child.display().to_string()),
        _ => None,
    }
}
