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
    /// The bodies that the enabled rules and the facts need, in the files rules check.
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

    /// The model of a file rules check, without the bodies of `unneeded`, unless they hold
    /// what a rule reads about what it found.
    fn checked_model<'s>(
        &self,
        file: &'s ProjectFile,
        unneeded: &[TopFunction],
        knowledge: &GoKnowledge,
    ) -> Result<GoModel<'s>, Problem> {
        let unwalked: Vec<usize> = unneeded.iter().map(|f| f.open).collect();
        model::build_lazily(&file.source, knowledge, &unwalked, |model| {
            let words: Vec<String> = self
                .read_elsewhere
                .iter()
                .flat_map(|read| read(model, knowledge))
                .collect();
            !words.is_empty() && lazy::bodies_hold_any(&file.source.text, unneeded, &words)
        })
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
        // The bodies that neither the rules nor the facts need are not read: in a file rules
        // check they are parsed (a syntax error in them is still reported) but not walked;
        // a file read only for its facts is parsed without them.
        let texts = || files.iter().map(|f| (f.source.text.as_str(), &f.structure));
        let checked_applying = self.checked_bodies.applying(texts());
        let fact_applying = self.fact_bodies.applying(texts());
        let fact_texts: Vec<Option<SourceText>> = files
            .par_iter()
            .zip(&wanted)
            .map(|(file, &wanted)| {
                let text = &file.source.text;
                let unneeded = (!wanted).then(|| {
                    self.fact_bodies
                        .unneeded(text, &file.structure, &fact_applying)
                });
                mask::blank_bodies(text, &unneeded?).map(SourceText::new)
            })
            .collect();
        let models: Vec<Result<GoModel, Problem>> = files
            .par_iter()
            .zip(&fact_texts)
            .zip(&wanted)
            .map(|((file, fact_text), &wanted)| {
                let build = || match (wanted, fact_text) {
                    (true, _) => {
                        let unneeded = self.checked_bodies.unneeded(
                            &file.source.text,
                            &file.structure,
                            &checked_applying,
                        );
                        self.checked_model(file, &unneeded, knowledge)
                    }
                    (false, Some(text)) => model::build(text, knowledge),
                    (false, None) => model::build(&file.source, knowledge),
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
        /// The same front end, walking every body of the files rules check.
        fn walking_every_body(mut self) -> GoFrontEnd {
            self.checked_bodies = BodyFilter::needing_every_body();
            self
        }

        /// How many top-level bodies of `text` the rules it checks leave unwalked.
        fn unwalked(&self, text: &str) -> usize {
            let structure = Structure::scan(text);
            let applying = self.checked_bodies.applying([(text, &structure)]);
            self.checked_bodies
                .unneeded(text, &structure, &applying)
                .len()
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

    /// The findings of the non-test `.go` files of `dir`, checked as one package.
    fn findings_in(dir: &Path, front_end: &GoFrontEnd, settings: &Settings) -> Vec<String> {
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
        let outputs = front_end.check_project(&files, settings);
        files
            .iter()
            .zip(outputs)
            .flat_map(|(file, output)| match output {
                Ok(output) => output
                    .findings
                    .iter()
                    .map(|f| format!("{}:{:?}: {}: {}", file.path, f.span, f.rule, f.message))
                    .chain(
                        output
                            .problems
                            .iter()
                            .map(|p| format!("{}: {}", file.path, p.message)),
                    )
                    .collect(),
                Err(problem) => vec![format!("{}: {}", file.path, problem.message)],
            })
            .collect()
    }

    #[test]
    fn bodies_left_unwalked_change_no_finding() {
        let mut unwalked = 0;
        let mut compared = 0;
        for rule in rules::RULES {
            // Alone, no other rule's triggers keep the bodies this one needs.
            let settings = settings_with(rule.name, true);
            let lazy = GoFrontEnd::new(&settings);
            let eager = GoFrontEnd::new(&settings).walking_every_body();
            for dir in go_fixture_dirs() {
                let found = findings_in(&dir, &lazy, &settings);
                assert_eq!(
                    found,
                    findings_in(&dir, &eager, &settings),
                    "{} in {}",
                    rule.name,
                    dir.display()
                );
                compared += found.len();
                for entry in std::fs::read_dir(&dir)
                    .expect("fixture directory")
                    .flatten()
                {
                    let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
                    unwalked += lazy.unwalked(&text);
                }
            }
        }
        assert!(
            compared > 0 && unwalked > 0,
            "{compared} findings, {unwalked} bodies"
        );
    }

    #[test]
    fn a_rule_turned_off_needs_no_body() {
        let text =
            "package p\n\nimport \"net/http\"\n\nfunc fetch(url string) {\n\thttp.Get(url)\n}\n";
        let on = GoFrontEnd::new(&Settings::defaults());
        assert_eq!(on.unwalked(text), 0);
        let off = GoFrontEnd::new(&settings_with("call-without-context", false));
        assert_eq!(off.unwalked(text), 1);
        // Without the import, `Get` is some other method.
        assert_eq!(
            on.unwalked(&text.replace("net/http", "example.com/cache")),
            1
        );
    }

    /// One file checked as a package of its own, prefilter included.
    fn check(source: &SourceText, settings: &Settings) -> Result<FrontEndOutput, Problem> {
        let file = ProjectFile {
            path: "x.go".to_string(),
            source: SourceText::new(source.text.clone()),
            structure: crate::guard::Structure::scan(&source.text),
        };
        let mut outputs = GoFrontEnd::new(settings).check_project(&[file], settings);
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

    #[test]
    fn syntax_errors_are_reported_and_the_rest_is_checked() {
        let text = "package p\n\nimport \"context\"\n\nfunc broken() {\n\tx := := 1\n}\n\nfunc ok(parent context.Context) {\n\tctx, _ := context.WithCancel(parent)\n\t_ = ctx\n}\n";
        let output = check(&SourceText::new(text.to_string()), &Settings::defaults())
            .expect("a partly broken file is still checked");
        assert_eq!(output.problems.len(), 1, "{:?}", output.problems);
        assert!(
            output.problems[0]
                .message
                .starts_with("syntax error at line ")
        );
        assert!(output.findings.iter().any(|f| f.rule == "lost-cancel"));
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
                    // As the engine reports them: one finding per defect.
                    Ok(mut output) => {
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
