//! Rust front end: parse with syn, build the file's [`model::Model`] in one pass, run the
//! enabled rules on it.

mod calls;
pub mod knowledge;
mod lines;
mod mask;
pub mod model;
pub mod project;
pub mod rules;
pub mod uses;

use aho_corasick::{AhoCorasick, MatchKind};

use rayon::prelude::*;

use crate::frontend::{
    FrontEnd, FrontEndOutput, Phase, Problem, ProjectFile, Settings, isolate, timed,
};
use crate::source::SourceText;
use crate::words::stands_alone;

/// The trigger words of the enabled rules (a file is parsed only if one occurs) and their
/// context words (once parsed, items holding one are kept), found in one pass over the text.
pub struct Prefilter {
    words: Option<AhoCorasick>,
    /// Per pattern: must it stand as a whole word, and is it a trigger (not only context)?
    kinds: Vec<(bool, bool)>,
    /// The trigger words alone, then the words of suppression directives: most files hold
    /// none, and a search for fewer words is faster.
    triggers: Option<AhoCorasick>,
    /// How many of the patterns of `triggers` are trigger words.
    trigger_count: usize,
}

impl Prefilter {
    pub fn new(enabled: &dyn Fn(&str) -> bool) -> Prefilter {
        let rules: Vec<&rules::RustRule> = rules::RULES
            .iter()
            .filter(|rule| enabled(rule.name))
            .collect();
        let triggers: Vec<&str> = rules
            .iter()
            .flat_map(|r| r.triggers.iter().copied())
            .collect();
        let mut patterns: Vec<&str> = Vec::new();
        let mut kinds = Vec::new();
        let words = rules
            .iter()
            .flat_map(|rule| rule.triggers.iter().chain(rule.context));
        for word in words {
            if patterns.contains(word) {
                continue;
            }
            // A context word that contains a trigger (`async fn`) stands for the trigger too:
            // the search reports one word per position.
            let trigger = triggers.iter().any(|t| word.contains(t));
            patterns.push(word);
            kinds.push((trigger, trigger));
        }
        // Leftmost-longest, not overlapping: that lets the search use its vectorised
        // prefilter, which is most of the speed on files that hold no trigger at all.
        let search = |patterns: &[&str]| {
            AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostLongest)
                .build(patterns)
                .ok()
        };
        let mut trigger_words = triggers.clone();
        trigger_words.sort_unstable();
        trigger_words.dedup();
        let trigger_count = trigger_words.len();
        let directive_words = crate::suppress::directive_words();
        trigger_words.extend(directive_words.iter().map(String::as_str));
        Prefilter {
            words: search(&patterns),
            kinds,
            triggers: search(&trigger_words),
            trigger_count,
        }
    }

    /// Byte offsets of the words found, in order, each with whether it is a trigger.
    fn hits(&self, text: &str) -> Vec<(usize, bool)> {
        let Some(words) = &self.words else {
            return Vec::new();
        };
        words
            .find_iter(text)
            .filter_map(|hit| {
                let (whole_word, trigger) = self.kinds[hit.pattern().as_usize()];
                let standalone = !whole_word || stands_alone(text, hit.start(), hit.end());
                standalone.then_some((hit.start(), trigger))
            })
            .collect()
    }

    /// Whether a trigger word stands alone somewhere in `text`, or a word of a suppression
    /// directive occurs.
    fn any_trigger_or_directive(&self, text: &str) -> bool {
        let Some(triggers) = &self.triggers else {
            return false;
        };
        triggers.find_iter(text).any(|hit| {
            hit.pattern().as_usize() >= self.trigger_count
                || stands_alone(text, hit.start(), hit.end())
        })
    }
}

/// The Rust front end of one run: the prefilter of its enabled rules, and the features that
/// make code test support.
pub struct RustFrontEnd {
    prefilter: Prefilter,
    test_features: Vec<String>,
}

impl RustFrontEnd {
    pub fn new(settings: &Settings) -> RustFrontEnd {
        RustFrontEnd {
            prefilter: Prefilter::new(&|rule| settings.enabled(rule)),
            test_features: settings.knowledge.rust.test_support.features.clone(),
        }
    }
}

impl FrontEnd for RustFrontEnd {
    fn is_test_path(&self, path: &str) -> bool {
        is_test_path(path)
    }

    fn wants(&self, text: &str) -> bool {
        self.prefilter.any_trigger_or_directive(text)
            || go_package_line(text).is_some()
            || mask::may_declare_test_only_module(text, &self.test_features)
    }

    fn project_marker(&self) -> Option<&'static str> {
        Some("Cargo.toml")
    }

    fn check_project(
        &self,
        files: &[ProjectFile],
        settings: &Settings,
    ) -> Vec<Result<FrontEndOutput, Problem>> {
        let knowledge = &settings.knowledge.rust;
        let models: Vec<Result<Option<model::Model>, Problem>> = files
            .par_iter()
            .map(|file| {
                timed(Phase::Model, || {
                    isolate(|| parse(&self.prefilter, file, knowledge)).and_then(|r| r)
                })
            })
            .collect();
        let indexed: Vec<(&str, Option<&model::Model>)> = files
            .iter()
            .zip(&models)
            .map(|(file, model)| {
                (
                    file.path.as_str(),
                    model.as_ref().ok().and_then(Option::as_ref),
                )
            })
            .collect();
        let test_features = &knowledge.test_support.features;
        let test_only_modules: Vec<Vec<String>> = files
            .par_iter()
            .map(|file| {
                let text = &file.source.text;
                if !mask::may_declare_test_only_module(text, test_features) {
                    return Vec::new();
                }
                mask::test_only_modules(text, &file.structure, |attribute| {
                    model::is_test_only_attribute(attribute, test_features)
                })
            })
            .collect();
        let project = timed(Phase::Index, || {
            let mut project = project::Project::build(&indexed, knowledge);
            project.mark_test_only(&test_only_modules);
            project
        });
        models
            .into_par_iter()
            .zip(files)
            .enumerate()
            .map(|(index, (model, file))| match model? {
                // Compiled only for tests, like a `#[cfg(test)]` module written inline.
                _ if project.test_only(index) => Ok(FrontEndOutput::default()),
                None => Ok(FrontEndOutput::default()),
                Some(model) => {
                    let in_project = project::InProject {
                        project: &project,
                        file: index,
                    };
                    timed(Phase::Rules, || {
                        isolate(|| run_rules(model, &file.source, settings, &in_project))
                    })
                }
            })
            .collect()
    }
}

/// Parses the parts of a file some enabled rule could look at and builds its model; `None`
/// when no trigger word occurs.
fn parse(
    prefilter: &Prefilter,
    file: &ProjectFile,
    knowledge: &knowledge::RustKnowledge,
) -> Result<Option<model::Model>, Problem> {
    let (source, structure) = (&file.source, &file.structure);
    let hits = prefilter.hits(&source.text);
    if let Some(line) = go_package_line(&source.text) {
        return Err(Problem::at(
            line,
            1,
            format!("syntax error at {line}:1: this is Go (`package ..`), not Rust"),
        ));
    }
    if !hits.iter().any(|(_, trigger)| *trigger) {
        return Ok(None);
    }
    // Parse only the items some enabled rule could look at; if blanking the rest broke the
    // file (an unusual item boundary), parse it whole.
    let wanted = |start: usize, end: usize| {
        let first = hits.partition_point(|(at, _)| *at < start);
        hits.get(first).is_some_and(|(at, _)| *at < end)
    };
    let parsed = match mask::mask(&source.text, structure, wanted) {
        Some(masked) => syn::parse_file(&masked).or_else(|_| syn::parse_file(&source.text)),
        None => syn::parse_file(&source.text),
    };
    let result = match parsed {
        Ok(file) => Ok(Some(model::Model::build(&file, knowledge))),
        Err(error) => {
            let start = error.span().start();
            let (line, column) = match lines::ParserLines::differing(source) {
                Some(parser_lines) => parser_lines.position(start.line, start.column + 1),
                None => (start.line, start.column + 1),
            };
            Err(Problem::at(
                line,
                column,
                format!("syntax error at {line}:{column}: {error}"),
            ))
        }
    };
    // Spans are kept in a per-thread table that would otherwise grow with every file.
    proc_macro2::extra::invalidate_current_thread_spans();
    result
}

/// Runs the enabled rules on a file's model, with the facts of its project.
fn run_rules(
    model: model::Model,
    source: &SourceText,
    settings: &Settings,
    in_project: &project::InProject,
) -> FrontEndOutput {
    let knowledge = &settings.knowledge.rust;
    let mut findings = Vec::new();
    for rule in rules::RULES
        .iter()
        .filter(|rule| settings.enabled(rule.name))
    {
        findings.extend((rule.check)(&model, knowledge, in_project));
    }
    let mut output = FrontEndOutput {
        findings,
        item_ranges: model.item_ranges,
        problems: Vec::new(),
    };
    if let Some(parser_lines) = lines::ParserLines::differing(source) {
        parser_lines.translate(&mut output);
    }
    output
}

/// The line of a Go package clause (`package main`) that is the file's first line of code:
/// no Rust file parses with that, and one without a trigger word would otherwise pass
/// unparsed.
fn go_package_line(text: &str) -> Option<usize> {
    let (index, first) = text
        .lines()
        .map(str::trim)
        .enumerate()
        .find(|(_, line)| !line.is_empty() && !line.starts_with("//"))?;
    let name = first.strip_prefix("package ")?;
    let name = name.split("//").next().unwrap_or("").trim();
    let is_name = !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_');
    is_name.then_some(index + 1)
}

/// Files of tests and benchmarks: everything in them is test code, which no rule checks (a
/// bug there does not reach production).
pub fn is_test_path(path: &str) -> bool {
    let path = std::path::Path::new(path);
    let in_test_dir = path.parent().is_some_and(|dir| {
        dir.components().any(|c| {
            matches!(
                c.as_os_str().to_str(),
                Some("tests" | "benches" | "test_helpers" | "test_utils" | "test_util")
            )
        })
    });
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    in_test_dir
        || stem == "tests"
        || stem == "test"
        || stem.ends_with("_test")
        || stem.ends_with("_tests")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn triggers_match_whole_words() {
        let front_end = RustFrontEnd::new(&Settings::defaults());
        let wants = |text: &str| front_end.wants(text);
        assert!(wants("async fn f()"));
        assert!(wants("x.await"));
        assert!(wants("tokio::spawn(f)"));
        assert!(!wants("WSAAsyncSelect asynchronous"));
        assert!(!wants("spawner"));
    }

    #[test]
    fn files_of_tests_are_known_by_their_path() {
        assert!(is_test_path("tests/api.rs"));
        assert!(is_test_path("crate/benches/load.rs"));
        assert!(is_test_path("src/server_test.rs"));
        assert!(!is_test_path("src/tests_support.rs"));
        assert!(!is_test_path("src/lib.rs"));
    }
}
