//! Standard input (`-`): checked, or fixed as editors pipe a buffer.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::PathBuf;

use super::fixes::{fix_notes, note_skipped, plural, unsafe_not_applied};
use super::{CheckArgs, EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, Group, exit_code, print_stdout};
use crate::baseline;
use crate::engine::{self, RunReport};
use crate::fix;
use crate::report::{self, FixSummary, Output};
use crate::walk::Language;

/// The file name of standard input without `--stdin-filename`.
const STDIN_NAME: &str = "stdin.rs";

pub(super) fn read_stdin() -> Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read standard input: {e}"))?;
    Ok(bytes)
}

pub(super) fn check_stdin(
    args: &CheckArgs,
    group: &Group,
    bytes: &[u8],
) -> Result<(RunReport, BTreeMap<String, String>), String> {
    let name = stdin_name(args);
    let language = Language::from_path(&name).ok_or_else(|| {
        format!(
            "cannot tell the language of `{}`: --stdin-filename must end in .rs or .go",
            name.display()
        )
    })?;
    if group.excludes(&name) {
        return Ok((RunReport::default(), BTreeMap::new()));
    }
    let display = name.display().to_string();
    let report = engine::check_bytes_isolated(&display, language, bytes, &group.settings);
    let mut run = RunReport::from_reports([report]);
    let sources = std::mem::take(&mut run.sources);
    Ok((run, sources))
}

/// `--fix` or `--diff` on standard input, as editors and formatters pipe code: with `--fix`
/// the fixed source goes to stdout (all of it, changed or not) and the report of what is
/// left to stderr; with `--diff`, the diff goes to stdout.
pub(super) fn fix_stdin(args: &CheckArgs, group: &Group) -> Result<i32, String> {
    let bytes = read_stdin()?;
    let (run, sources) = check_stdin(args, group, &bytes)?;
    let allowed = fix::Allowed {
        unsafe_fixes: args.unsafe_fixes,
    };
    // The engine's copy of the text has no byte order mark; sources has it only when there
    // is a finding, and without one nothing changes.
    let fixed = sources.values().next().map(|text| {
        let outcome = fix::apply(text, &run.findings, allowed);
        (text, outcome)
    });
    let mut summary = FixSummary {
        unsafe_not_applied: unsafe_not_applied(&run.findings, allowed),
        ..FixSummary::default()
    };
    if let Some((_, outcome)) = &fixed {
        summary.fixed = outcome.applied.len();
        note_skipped(&mut summary, &run.findings, outcome);
    }
    eprint!("{}", fix_notes(&summary));
    if args.diff {
        let diff = fixed
            .as_ref()
            .map(|(text, outcome)| {
                let shown = baseline::normalize_path(&stdin_name(args).display().to_string());
                fix::unified_diff(&shown, text, &outcome.text)
            })
            .unwrap_or_default();
        print_stdout(&diff);
        eprintln!(
            "Would fix {}{}",
            plural(summary.fixed, "finding", "findings"),
            summary.unsafe_hint()
        );
        return Ok(if diff.is_empty() {
            EXIT_CLEAN
        } else {
            EXIT_FINDINGS
        });
    }
    let output_bytes = match &fixed {
        Some((_, outcome)) if outcome.changed() => {
            let bom = if bytes.starts_with("\u{feff}".as_bytes()) {
                "\u{feff}"
            } else {
                ""
            };
            format!("{bom}{}", outcome.text).into_bytes()
        }
        _ => bytes.clone(),
    };
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(&output_bytes);
    let _ = stdout.flush();
    // Report what is left in the fixed text, on stderr: stdout holds the code.
    let (left, sources) = if summary.fixed > 0 {
        check_stdin(args, group, &output_bytes)?
    } else {
        (run, sources)
    };
    let output = Output {
        run: &left,
        sources: &sources,
        color: false,
        width: report::human::DEFAULT_WIDTH,
        quiet: args.quiet,
        statistics: args.statistics,
        fixes: Some(&summary),
        baseline: None,
        baseline_hidden: &[],
    };
    eprint!("{}", report::render(args.format, &output));
    if left.files_checked == 0 && !left.errors.is_empty() {
        return Ok(EXIT_ERROR);
    }
    Ok(exit_code(args, std::slice::from_ref(group), &left))
}

/// The name standard input is reported under.
pub(super) fn stdin_name(args: &CheckArgs) -> PathBuf {
    args.stdin_filename
        .clone()
        .unwrap_or_else(|| PathBuf::from(STDIN_NAME))
}
