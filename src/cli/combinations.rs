//! Flags that conflict, or that do nothing together: each is a usage error with a hint, never
//! a flag silently dropped (a CI line that seems to ask for something must get it or fail).

use std::path::Path;

use super::{CheckArgs, Color};
use crate::report::Format;

/// Which flags with a default value were given on the command line.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Given {
    pub(super) format: bool,
}

impl Given {
    pub(super) fn of(matches: &clap::ArgMatches) -> Given {
        Given {
            format: matches.value_source("format") == Some(clap::parser::ValueSource::CommandLine),
        }
    }
}

/// A combination of flags that is refused: when it holds, what is wrong and what to do.
struct Combination {
    holds: fn(&CheckArgs) -> bool,
    error: &'static str,
    hint: &'static str,
}

fn reads_stdin(args: &CheckArgs) -> bool {
    args.paths.iter().any(|path| path == Path::new("-"))
}

/// Options that shape a report that `--diff`, `--write-baseline` and `--show-*` do not print.
fn shapes_report(args: &CheckArgs) -> bool {
    args.given.format || args.output_file.is_some() || args.statistics || args.quiet
}

fn shows(args: &CheckArgs) -> bool {
    args.show_files || args.show_settings.is_some()
}

const COMBINATIONS: &[Combination] = &[
    Combination {
        holds: |args| args.omit_suppressed && args.format != Format::Sarif,
        error: "`--omit-suppressed` only changes `--format sarif` output",
        hint: "add `--format sarif`, or drop `--omit-suppressed`",
    },
    Combination {
        holds: |args| args.unsafe_fixes && !args.fix && !args.diff,
        error: "`--unsafe-fixes` does nothing without `--fix` or `--diff`",
        hint: "add `--fix` to apply the fixes, or `--diff` to see them",
    },
    Combination {
        holds: |args| args.fix && args.diff,
        error: "`--diff` shows what `--fix` would write, without writing it: the two conflict",
        hint: "drop `--fix` to see the changes, or drop `--diff` to make them",
    },
    Combination {
        holds: |args| args.diff && (args.write_baseline.is_some() || args.prune_baseline),
        error: "`--diff` prints a diff and writes nothing, so no baseline would be written",
        hint: "run `--write-baseline` or `--prune-baseline` on its own",
    },
    Combination {
        holds: |args| args.diff && shapes_report(args),
        error: "with `--diff` the output is the diff: `--format`, `--output-file`, `--statistics` and `--quiet` do nothing",
        hint: "drop them, and redirect the diff to keep it (`ctxlint --diff . > fixes.diff`)",
    },
    Combination {
        holds: |args| args.fix && reads_stdin(args) && args.output_file.is_some(),
        error: "with `--fix -` the fixed code goes to standard output and the report to standard error: `--output-file` does nothing",
        hint: "drop `--output-file`, and redirect standard error to keep the report",
    },
    Combination {
        holds: |args| args.write_baseline.is_some() && shapes_report(args),
        error: "`--write-baseline` records the findings instead of reporting them: `--format`, `--output-file`, `--statistics` and `--quiet` do nothing",
        hint: "drop them, or report in a second run with `--baseline`",
    },
    Combination {
        holds: |args| {
            shows(args)
                && (args.fix
                    || args.diff
                    || args.write_baseline.is_some()
                    || args.baseline.is_some()
                    || shapes_report(args))
        },
        error: "`--show-files` and `--show-settings` print what a run would use and check nothing: fix, baseline and report flags do nothing with them",
        hint: "drop those flags, or run the check without `--show-files`/`--show-settings`",
    },
    Combination {
        holds: |args| args.exit_zero && args.fail_level.is_some(),
        error: "`--exit-zero` exits 0 whatever is found, so `--fail-level` does nothing",
        hint: "drop one of them",
    },
    // `--color never` is what every other case gets anyway, so scripts may always pass it.
    Combination {
        holds: |args| {
            args.color == Color::Always
                && (args.format != Format::Human || args.output_file.is_some())
        },
        error: "`--color always` only colours `--format human` on standard output",
        hint: "drop `--color always`",
    },
    Combination {
        holds: |args| args.quiet && !matches!(args.format, Format::Human | Format::Concise),
        error: "`--quiet` only shortens the `human` and `concise` formats",
        hint: "drop `--quiet`: the other formats are read by programs, which take what they need",
    },
    Combination {
        holds: |args| args.statistics && matches!(args.format, Format::Sarif | Format::Github),
        error: "`--statistics` does not change `--format sarif` or `--format github` output",
        hint: "drop `--statistics`, or use `--format json`, whose summary gets `by_rule`",
    },
];

/// The first refused combination of `args`, as an error message with its hint.
pub(super) fn check(args: &CheckArgs) -> Result<(), String> {
    match COMBINATIONS
        .iter()
        .find(|combination| (combination.holds)(args))
    {
        Some(combination) => Err(format!(
            "{}\n  hint: {}",
            combination.error, combination.hint
        )),
        None => Ok(()),
    }
}
