//! `--format github`: GitHub Actions workflow commands, one annotation per finding.

use std::fmt::Write;

use super::Output;
use crate::diagnostic::Level;

pub fn render(output: &Output) -> String {
    let mut text = String::new();
    for finding in &output.run.findings {
        let command = match finding.severity {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Info | Level::Off => "notice",
        };
        let span = &finding.span;
        let mut message = finding.message.clone();
        if !finding.help.is_empty() {
            let _ = write!(message, "\nhelp: {}", finding.help);
        }
        let _ = writeln!(
            text,
            "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            property(&finding.path),
            span.line,
            span.column,
            span.end_line,
            span.end_column,
            property(&format!("ctxlint ({})", finding.rule)),
            data(&message),
        );
    }
    // A file to blame is annotated by its `syntax-error` finding; with the rule off, by a
    // notice, so that a pull request never shows an unchecked file as clean.
    for error in output.errors_without_finding(true) {
        let (command, title) = match error.at {
            None => ("error", "ctxlint could not check this file".to_string()),
            Some(_) => (
                "notice",
                format!(
                    "ctxlint could not check this file (`{}` is off)",
                    crate::syntax_error::NAME
                ),
            ),
        };
        let _ = writeln!(
            text,
            "::{command} file={},title={}::{}",
            property(&error.path),
            property(&title),
            data(&error.message)
        );
    }
    text
}

/// The message part of a workflow command.
fn data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A `key=value` property of a workflow command.
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_github_requires() {
        assert_eq!(data("50%\nnext\r"), "50%25%0Anext%0D");
        assert_eq!(property("a:b,c%"), "a%3Ab%2Cc%25");
    }
}
