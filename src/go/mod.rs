//! Go front end: tree-sitter parse, one model per file (`model/`), the facts of each package
//! from all its models, then the rules of each file.

pub mod knowledge;
mod lazy;
mod mask;
pub mod model;
pub mod rules;

use std::sync::Arc;

use aho_corasick::AhoCorasick;
use rayon::prelude::*;

use knowledge::GoKnowledge;
use lazy::BodyFilter;
use mask::TopFunction;
use model::{GoModel, PackageFacts};

use crate::frontend::{
    FrontEnd, FrontEndOutput, Phase, Problem, ProjectFile, Settings, isolate, timed,
};
use crate::source::SourceText;

fn run_rules(model: GoModel, settings: &Settings) -> FrontEndOutput {
    let knowledge = &settings.knowledge.go;
    let mut findings = Vec::new();
    for rule in rules::RULES {
        if settings.enabled(rule.name) {
            findings.extend((rule.check)(&model, knowledge));
        }
    }
    FrontEndOutput {
        findings,
        item_ranges: model.item_ranges,
        problems: model.problems,
    }
}

/// The Go front end of one run.
pub struct GoFrontEnd {
    /// The package names of the API tables, quoted as in an import, searched for at once.
    imports: Option<AhoCorasick>,
    /// `) Name(` of the methods other files ask about (`Done`, `Err`, `Context`, `Next`,
    /// `Read`), as a method declaration's line holds them.
    fact_methods: Vec<String>,
    /// The bodies that the enabled rules and the facts need, in the files rules check (the
    /// others are blanked before the parse).
    checked_bodies: BodyFilter,
    /// The bodies that the facts need, in the files read only for them.
    fact_bodies: BodyFilter,
    /// What the enabled rules read about their findings in other functions of the file.
    read_elsewhere: Vec<fn(&GoModel, &GoKnowledge) -> Vec<String>>,
}

impl GoFrontEnd {
    pub fn new(settings: &Settings) -> GoFrontEnd {
        let imports = settings
            .knowledge
            .go
            .packages()
            .iter()
            .map(|package| format!("\"{package}\""))
            .collect::<Vec<String>>();
        let imports = lazy::contiguous_nfa().build(&imports).ok();
        let fact_methods = ["Done", "Err", "Context"]
            .iter()
            .map(|m| m.to_string())
            .chain(
                settings
                    .knowledge
                    .go
                    .context_apis
                    .context_free_methods
                    .iter()
                    .cloned(),
            )
            .map(|m| format!(") {m}("))
            .collect();
        let enabled: Vec<&rules::GoRule> = rules::RULES
            .iter()
            .filter(|rule| settings.enabled(rule.name))
            .collect();
        let knowledge = &settings.knowledge.go;
        GoFrontEnd {
            imports,
            fact_methods,
            checked_bodies: BodyFilter::new(enabled.iter().map(|rule| (rule.needs)(knowledge))),
            fact_bodies: BodyFilter::new([]),
            read_elsewhere: enabled.iter().map(|rule| rule.read_elsewhere).collect(),
        }
    }

    /// A file as its parse reads it: the top-level function bodies that no enabled rule
    /// (`wanted`: rules check the file; otherwise it is read only for its package's facts)
    /// and no fact needs, blanked; in a file read only for facts, also the data tables and
    /// the comments, which hold none.
    fn masked<'t>(&self, file: &'t ProjectFile, wanted: bool, applying: &Applying) -> Masked<'t> {
        let (bodies, applying) = match wanted {
            true => (&self.checked_bodies, &applying.checked),
            false => (&self.fact_bodies, &applying.facts),
        };
        let text = &file.source.text;
        let mut unneeded = bodies.unneeded(text, &file.structure, applying);
        if !wanted {
            unneeded.extend(mask::fact_free_tables(text, &file.structure));
            unneeded.sort_by_key(|f| f.open);
        }
        let mut masked = mask::blank_bodies(text, &unneeded);
        if !wanted && let Some(kept) = mask::without_comments(masked.as_deref().unwrap_or(text)) {
            masked = Some(kept);
        }
        Masked {
            text: masked.map(SourceText::new),
            unneeded,
        }
    }

    /// The model of a file rules check, from its text with the unneeded bodies blanked,
    /// unless those hold what a rule reads about what it found: then it is parsed again
    /// whole.
    fn checked_model<'s>(
        &self,
        file: &'s ProjectFile,
        masked: &'s Masked,
        knowledge: &GoKnowledge,
    ) -> Result<GoModel<'s>, Problem> {
        let Some(text) = &masked.text else {
            return model::build(&file.source, knowledge);
        };
        let model = model::build(text, knowledge)?;
        let words: Vec<String> = self
            .read_elsewhere
            .iter()
            .flat_map(|read| read(&model, knowledge))
            .collect();
        if !words.is_empty() && lazy::bodies_hold_any(&file.source.text, &masked.unneeded, &words) {
            return model::build(&file.source, knowledge);
        }
        Ok(model)
    }

    /// Whether a file that no rule checks may declare what another file of its package
    /// needs: a package-level constant or variable (a context key), a method other files ask
    /// about, or a helper that attaches a context to a request.
    fn declares_package_facts(&self, text: &str) -> bool {
        text.contains(".WithContext(")
            || text.lines().any(|line| {
                line.starts_with("const")
                    || line.starts_with("var")
                    || (line.starts_with("func (")
                        && self.fact_methods.iter().any(|m| line.contains(m.as_str())))
            })
    }
}

impl FrontEnd for GoFrontEnd {
    fn is_test_path(&self, path: &str) -> bool {
        model::is_test_path(path)
    }

    fn peer_nolint<'s>(&self, settings: &'s Settings) -> &'s crate::suppress::PeerNolint {
        &settings.knowledge.go.peer_linters.nolint
    }

    fn wants(&self, text: &str) -> bool {
        worth_parsing(text, self.imports.as_ref())
            || self.declares_package_facts(text)
            || crate::suppress::may_contain_directives(text)
    }

    fn project_marker(&self) -> Option<&'static str> {
        None
    }

    fn check_project(
        &self,
        files: &[ProjectFile],
        settings: &Settings,
    ) -> Vec<Result<FrontEndOutput, Problem>> {
        // Phase 1: a model of each file, when any file of the package is worth checking: a
        // file no rule looks at may still declare what another one uses (a key, a method).
        let knowledge = &settings.knowledge.go;
        let wanted: Vec<bool> = files
            .iter()
            .map(|f| worth_parsing(&f.source.text, self.imports.as_ref()))
            .collect();
        if !wanted.contains(&true) {
            return files
                .iter()
                .map(|_| Ok(FrontEndOutput::default()))
                .collect();
        }
        // The bodies that neither the rules nor the facts need are blanked before the parse
        // (a syntax error in one is not reported).
        let texts = || files.iter().map(|f| (f.source.text.as_str(), &f.structure));
        let applying = Applying {
            checked: self.checked_bodies.applying(texts()),
            facts: self.fact_bodies.applying(texts()),
        };
        let masked: Vec<Result<Masked, Problem>> = files
            .par_iter()
            .zip(&wanted)
            .map(|(file, &wanted)| {
                timed(Phase::Model, || {
                    isolate(|| self.masked(file, wanted, &applying))
                })
            })
            .collect();
        let models: Vec<Result<GoModel, Problem>> = files
            .par_iter()
            .zip(&masked)
            .zip(&wanted)
            .map(|((file, masked), &wanted)| {
                let build = || match masked {
                    Err(problem) => Err(problem.clone()),
                    Ok(masked) if wanted => self.checked_model(file, masked, knowledge),
                    Ok(Masked {
                        text: Some(text), ..
                    }) => model::build(text, knowledge),
                    Ok(Masked { text: None, .. }) => model::build(&file.source, knowledge),
                };
                timed(Phase::Model, || isolate(build).and_then(|r| r))
            })
            .collect();
        // Phase 2: what the files of the package tell each other.
        let built: Vec<&GoModel> = models.iter().flatten().collect();
        let facts = Arc::new(timed(Phase::Index, || PackageFacts::from_models(&built)));
        // Phase 3: the rules of each file worth checking, with the package's facts. A file
        // read only for its suppression comments, or for its facts, holds nothing to check.
        models
            .into_par_iter()
            .zip(wanted)
            .map(|(model, wanted)| match model {
                _ if !wanted => Ok(FrontEndOutput::default()),
                Err(message) => Err(message),
                Ok(mut model) => {
                    model.package_facts = Arc::clone(&facts);
                    timed(Phase::Rules, || isolate(|| run_rules(model, settings)))
                }
            })
            .collect()
    }
}

/// Which triggers of the two body filters apply to a package (see [`BodyFilter::applying`]).
struct Applying {
    checked: Vec<bool>,
    facts: Vec<bool>,
}

/// A file as its parse reads it.
struct Masked<'t> {
    /// The text with the unneeded bodies blanked; `None` when no body was.
    text: Option<SourceText>,
    /// The top-level functions whose bodies were blanked.
    unneeded: Vec<TopFunction<'t>>,
}

/// The prefilter: every Go rule needs a file that imports one of the packages named in the
/// API tables, or that starts a goroutine. Most files do neither and are never parsed.
fn worth_parsing(text: &str, imports: Option<&AhoCorasick>) -> bool {
    imports.is_some_and(|imports| imports.is_match(text)) || starts_goroutine(text)
}

/// Whether a line starts, after white space, with `go` and a space or tab.
fn starts_goroutine(text: &str) -> bool {
    memchr::memmem::find_iter(text.as_bytes(), "go").any(|at| {
        matches!(text.as_bytes().get(at + 2), Some(b' ' | b'\t')) && {
            let line_start = text[..at].rfind('\n').map_or(0, |newline| newline + 1);
            text[line_start..at].chars().all(char::is_whitespace)
        }
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::{Path, PathBuf};

    use super::*;
    use crate::diagnostic::Level;
    use crate::guard::Structure;

    impl GoFrontEnd {
        /// The same front end, parsing every body of the files rules check.
        fn parsing_every_body(mut self) -> GoFrontEnd {
            self.checked_bodies = BodyFilter::needing_every_body();
            self
        }

        /// The top-level functions of `text`, checked with the package of `texts`, whose
        /// bodies are blanked before the parse.
        fn blanked<'t>(&self, text: &'t str, texts: &[&str]) -> Vec<TopFunction<'t>> {
            let structures: Vec<Structure> = texts.iter().map(|t| Structure::scan(t)).collect();
            let applying = self
                .checked_bodies
                .applying(texts.iter().copied().zip(&structures));
            self.checked_bodies
                .unneeded(text, &Structure::scan(text), &applying)
        }
    }

    /// Every rule at its default level but `rule`, or only `rule`.
    fn settings_with(rule: &str, only: bool) -> Settings {
        let mut settings = Settings::defaults();
        for (name, level) in settings.levels.iter_mut() {
            if (*name == rule) != only {
                *level = Level::Off;
            }
        }
        settings
    }

    /// The directories of Go fixtures and Go test projects, each a package.
    fn go_fixture_dirs() -> Vec<PathBuf> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut dirs: Vec<PathBuf> = ["fixtures/go", "tests/projects/go"]
            .iter()
            .flat_map(|d| std::fs::read_dir(root.join(d)).expect("fixture directory"))
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.is_dir())
            .collect();
        dirs.sort();
        dirs
    }

    /// What one file of a package gave: its findings, its problems, and the lines (first,
    /// last) of the bodies the front end blanks.
    struct Checked {
        findings: Vec<String>,
        problems: Vec<Problem>,
        blanked: Vec<(usize, usize)>,
    }

    impl Checked {
        /// Whether `problem` lies in a blanked body.
        fn hides(&self, problem: &Problem) -> bool {
            problem.at.is_some_and(|(line, _)| {
                self.blanked
                    .iter()
                    .any(|&(first, last)| first <= line && line <= last)
            })
        }
    }

    /// The non-test `.go` files of `dir`, checked as one package.
    fn check_dir(dir: &Path, front_end: &GoFrontEnd, settings: &Settings) -> Vec<Checked> {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
            .expect("fixture directory")
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "go"))
            .filter(|p| !model::is_test_path(&p.display().to_string()))
            .collect();
        paths.sort();
        let files: Vec<ProjectFile> = paths
            .iter()
            .map(|path| {
                let text = std::fs::read_to_string(path).expect("fixture is readable");
                ProjectFile {
                    path: path.display().to_string(),
                    structure: Structure::scan(&text),
                    source: SourceText::new(text),
                }
            })
            .collect();
        let texts: Vec<&str> = files.iter().map(|f| f.source.text.as_str()).collect();
        let outputs = front_end.check_project(&files, settings);
        files
            .iter()
            .zip(outputs)
            .map(|(file, output)| {
                let output = output.unwrap_or_else(|problem| FrontEndOutput {
                    problems: vec![problem],
                    ..FrontEndOutput::default()
                });
                let source = &file.source;
                Checked {
                    findings: output
                        .findings
                        .iter()
                        .map(|f| format!("{}:{:?}: {}: {}", file.path, f.span, f.rule, f.message))
                        .collect(),
                    problems: output.problems,
                    blanked: front_end
                        .blanked(&source.text, &texts)
                        .iter()
                        .map(|f| (source.position(f.open).0, source.position(f.close).0))
                        .collect(),
                }
            })
            .collect()
    }

    #[test]
    fn blanked_bodies_change_no_finding() {
        let mut blanked = 0;
        let mut compared = 0;
        let mut hidden = 0;
        for rule in rules::RULES {
            // Alone, no other rule's triggers keep the bodies this one needs.
            let settings = settings_with(rule.name, true);
            let lazy = GoFrontEnd::new(&settings);
            let eager = GoFrontEnd::new(&settings).parsing_every_body();
            for dir in go_fixture_dirs() {
                let checked = check_dir(&dir, &lazy, &settings);
                let whole = check_dir(&dir, &eager, &settings);
                for (lazy, eager) in checked.iter().zip(&whole) {
                    let context = format!("{} in {}", rule.name, dir.display());
                    assert_eq!(lazy.findings, eager.findings, "{context}");
                    // A syntax error in a blanked body is not seen; where the whole file's
                    // first one lies in such a body, the blanked file may show a later one.
                    if eager.problems.iter().any(|p| lazy.hides(p)) {
                        hidden += 1;
                        assert!(!lazy.problems.iter().any(|p| lazy.hides(p)), "{context}");
                    } else {
                        assert_eq!(lazy.problems, eager.problems, "{context}");
                    }
                    compared += lazy.findings.len();
                    blanked += lazy.blanked.len();
                }
            }
        }
        assert!(
            compared > 0 && blanked > 0 && hidden > 0,
            "{compared} findings, {blanked} bodies, {hidden} errors hidden"
        );
    }

    #[test]
    fn a_rule_turned_off_needs_no_body() {
        let text =
            "package p\n\nimport \"net/http\"\n\nfunc fetch(url string) {\n\thttp.Get(url)\n}\n";
        let on = GoFrontEnd::new(&Settings::defaults());
        assert_eq!(on.blanked(text, &[text]).len(), 0);
        let off = GoFrontEnd::new(&settings_with("call-without-context", false));
        assert_eq!(off.blanked(text, &[text]).len(), 1);
        // Without the import, `Get` is some other method.
        let other = text.replace("net/http", "example.com/cache");
        assert_eq!(on.blanked(&other, &[&other]).len(), 1);
    }

    /// One file checked as a package of its own, prefilter included.
    fn check(source: &SourceText, settings: &Settings) -> Result<FrontEndOutput, Problem> {
        check_with(&GoFrontEnd::new(settings), source, settings)
    }

    fn check_with(
        front_end: &GoFrontEnd,
        source: &SourceText,
        settings: &Settings,
    ) -> Result<FrontEndOutput, Problem> {
        let file = ProjectFile {
            path: "x.go".to_string(),
            source: SourceText::new(source.text.clone()),
            structure: crate::guard::Structure::scan(&source.text),
        };
        let mut outputs = front_end.check_project(&[file], settings);
        outputs.pop().expect("one output per file")
    }

    /// The (line, rule) pairs a fixture's `//~ rule-a rule-b` markers ask for.
    fn expected(source: &SourceText) -> BTreeSet<(usize, String)> {
        let mut set = BTreeSet::new();
        for line in 1..=source.line_count() {
            if let Some((_, rules)) = source.line(line).split_once("//~") {
                for rule in rules.split_whitespace() {
                    set.insert((line, rule.to_string()));
                }
            }
        }
        set
    }

    /// A fixture of `fixtures/go/syntax-error`, checked alone with the default rules, as
    /// the front end checks it and with every body parsed.
    fn syntax_error_fixture(name: &str) -> (FrontEndOutput, FrontEndOutput) {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/go/syntax-error")
            .join(name);
        let text = std::fs::read_to_string(path).expect("fixture is readable");
        let source = SourceText::new(text);
        let settings = Settings::defaults();
        let front_end = GoFrontEnd::new(&settings);
        let lazy = check_with(&front_end, &source, &settings).expect("checked in part");
        let front_end = GoFrontEnd::new(&settings).parsing_every_body();
        let eager = check_with(&front_end, &source, &settings).expect("checked in part");
        (lazy, eager)
    }

    /// The problems' positions (`problem line:column`) and the findings' (`line rule`).
    fn summary(output: &FrontEndOutput) -> Vec<String> {
        let problems = output.problems.iter().map(|p| match p.at {
            Some((line, column)) => format!("problem {line}:{column}"),
            None => "problem".to_string(),
        });
        let findings = output
            .findings
            .iter()
            .map(|f| format!("{} {}", f.span.line, f.rule));
        problems.chain(findings).collect()
    }

    #[test]
    fn a_syntax_error_in_a_body_a_rule_needs_is_reported() {
        let (lazy, eager) = syntax_error_fixture("needed_body.go");
        assert_eq!(summary(&lazy), ["problem 10:10", "18 lost-cancel"]);
        assert_eq!(summary(&lazy), summary(&eager));
        assert!(
            lazy.problems[0]
                .message
                .starts_with("syntax error at line 10")
        );
        // So is valid syntax the parser does not read yet, as such.
        let (lazy, _) = syntax_error_fixture("new_expr.go");
        assert_eq!(lazy.problems.len(), 1, "{:?}", lazy.problems);
        assert!(lazy.problems[0].parser_gap);
    }

    #[test]
    fn a_syntax_error_in_a_blanked_body_is_not_reported() {
        let (lazy, eager) = syntax_error_fixture("blanked_body.go");
        assert_eq!(summary(&lazy), ["13 lost-cancel"]);
        // The error is there: parsed whole, the file shows it.
        assert_eq!(summary(&eager), ["problem 8:9", "13 lost-cancel"]);
    }

    #[test]
    fn item_ranges_cover_declarations() {
        let text = "package p\n\ntype T struct {\n\tn int\n}\n\nfunc (t T) M() {\n}\n";
        let output =
            check(&SourceText::new(text.to_string()), &Settings::defaults()).expect("valid Go");
        // No import of a listed package and no goroutine: the prefilter skips the file.
        assert!(output.item_ranges.is_empty());
        let text = format!("{text}\nfunc f() {{\n\tgo g()\n}}\n");
        let output = check(&SourceText::new(text), &Settings::defaults()).expect("valid Go");
        assert_eq!(output.item_ranges, vec![(3, 5), (7, 8), (10, 12)]);
    }

    #[test]
    fn project_tables_extend_the_request_types() {
        let additions: toml::Table = toml::from_str(
            "[go.frameworks]\nrequest_types = [{ type = \"*example.com/web.Ctx\", kind = \"context\" }]\n",
        )
        .expect("valid TOML");
        let mut settings = Settings::defaults();
        settings.knowledge =
            crate::knowledge::Knowledge::load(Some(&additions)).expect("valid additions");
        let text =
            "package p\n\nimport \"example.com/web\"\n\nfunc h(c *web.Ctx) {\n\tgo use(c)\n}\n";
        let source = SourceText::new(text.to_string());
        let output = check(&source, &settings).expect("valid Go");
        let rules: Vec<&str> = output.findings.iter().map(|f| f.rule).collect();
        assert_eq!(rules, vec!["spawn-captures-request"]);
        let output = check(&source, &Settings::defaults()).expect("valid Go");
        assert!(output.findings.is_empty());
    }

    #[test]
    fn go_fixtures_match_markers() {
        let settings = Settings::defaults();
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/go");
        let mut failures = Vec::new();
        let mut files = 0;
        let mut dirs: Vec<_> = std::fs::read_dir(&root)
            .expect("fixtures/go exists")
            .flatten()
            .map(|e| e.path())
            .collect();
        dirs.sort();
        for dir in dirs {
            let mut paths: Vec<_> = std::fs::read_dir(&dir)
                .into_iter()
                .flatten()
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "go"))
                .collect();
            paths.sort();
            for path in paths {
                // Files of tests are never read by the engine; tests/fixtures.rs checks that
                // they stay silent through the whole pipeline.
                if model::is_test_path(&path.display().to_string()) {
                    continue;
                }
                let text = std::fs::read_to_string(&path).expect("fixture is readable");
                // Nor are generated files and files built only for tests.
                if crate::skip::file_class(crate::walk::Language::Go, &text).is_some() {
                    continue;
                }
                files += 1;
                let source = SourceText::new(text);
                let want = expected(&source);
                let output = match check(&source, &settings) {
                    // As the engine reports them: suppressed where a comment says so, one
                    // finding per defect.
                    Ok(mut output) => {
                        let peers = &settings.knowledge.go.peer_linters.nolint;
                        let directives = crate::suppress::scan(&source, &output.item_ranges, peers);
                        let findings = std::mem::take(&mut output.findings);
                        output.findings =
                            crate::suppress::apply(&directives, findings, &|_| true).kept;
                        crate::same_defect::merge(&mut output.findings);
                        output
                    }
                    Err(message) => {
                        failures.push(format!("{}: {}", path.display(), message.message));
                        continue;
                    }
                };
                // The engine makes a `syntax-error` finding of each part that did not parse.
                let syntax_errors = output
                    .problems
                    .iter()
                    .filter(|problem| !problem.parser_gap)
                    .filter_map(|problem| {
                        problem
                            .at
                            .map(|(line, _)| (line, crate::syntax_error::NAME.to_string()))
                    });
                let got: BTreeSet<(usize, String)> = output
                    .findings
                    .iter()
                    .map(|f| (f.span.line, f.rule.to_string()))
                    .chain(syntax_errors)
                    .collect();
                let name = path.strip_prefix(&root).unwrap_or(&path).display();
                for (line, rule) in want.difference(&got) {
                    failures.push(format!("{name}:{line}: missing {rule}"));
                }
                for (line, rule) in got.difference(&want) {
                    let message = output
                        .findings
                        .iter()
                        .find(|f| f.span.line == *line && f.rule == rule)
                        .map(|f| f.message.clone())
                        .unwrap_or_default();
                    failures.push(format!("{name}:{line}: unexpected {rule}: {message}"));
                }
                for problem in output.problems.iter().filter(|p| p.at.is_none()) {
                    failures.push(format!("{name}: {}", problem.message));
                }
            }
        }
        assert!(files > 0, "no Go fixtures found");
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
}
