//! `--format concise`: one line per finding, `path:line:column: level[rule] message`, the
//! shape compilers print, so that editors' quickfix lists and `grep` read it as it is.

use std::fmt::Write;

use super::{Output, human};

pub fn render(output: &Output) -> String {
    let mut text = String::new();
    if output.lists_findings() {
        for finding in &output.run.findings {
            let _ = writeln!(
                text,
                "{}:{}:{}: {}[{}] {}",
                finding.path,
                finding.span.line,
                finding.span.column,
                finding.severity.as_str(),
                finding.rule,
                finding.message.replace('\n', " "),
            );
        }
    }
    text.push_str(&human::trailer(output));
    text
}
