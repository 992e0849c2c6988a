//! `--format sarif`: SARIF 2.1.0, as read by code-scanning services.

use serde_json::{Value, json};

use super::Output;
use crate::diagnostic::{Finding, Level, Span};
use crate::registry;

pub fn render(output: &Output) -> String {
    let rules: Vec<Value> = registry::RULES.iter().map(rule_descriptor).collect();
    let results: Vec<Value> = output.run.findings.iter().map(result).collect();
    let notifications: Vec<Value> = output
        .run
        .errors
        .iter()
        .map(|error| {
            json!({
                "level": "error",
                "message": {"text": error.message},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri(&error.path)}}}],
            })
        })
        .collect();
    let document = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "ctxlint",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "invocations": [{
                "executionSuccessful": true,
                "toolExecutionNotifications": notifications,
            }],
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    let mut text = serde_json::to_string_pretty(&document).expect("SARIF serializes");
    text.push('\n');
    text
}

fn level(level: Level) -> &'static str {
    match level {
        Level::Error => "error",
        Level::Warning => "warning",
        Level::Info | Level::Off => "note",
    }
}

fn rule_descriptor(rule: &registry::RuleInfo) -> Value {
    let full = rule
        .docs
        .split("### What it does")
        .nth(1)
        .or_else(|| rule.docs.split("## What it does").nth(1))
        .and_then(|rest| rest.split("\n#").next())
        .map(|text| text.trim().replace('\n', " "))
        .unwrap_or_else(|| rule.summary.to_string());
    json!({
        "id": rule.name,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": full},
        "help": {"text": rule.summary, "markdown": rule.docs},
        "defaultConfiguration": {"level": level(rule.default_level)},
    })
}

fn region(span: &Span) -> Value {
    json!({
        "startLine": span.line,
        "startColumn": span.column,
        "endLine": span.end_line,
        "endColumn": span.end_column,
    })
}

fn result(finding: &Finding) -> Value {
    let rule_index = registry::RULES
        .iter()
        .position(|rule| rule.name == finding.rule)
        .unwrap_or(0);
    let location = |span: &Span| {
        json!({"physicalLocation": {
            "artifactLocation": {"uri": uri(&finding.path)},
            "region": region(span),
        }})
    };
    let message = if finding.help.is_empty() {
        finding.message.clone()
    } else {
        format!("{}\nhelp: {}", finding.message, finding.help)
    };
    let mut value = json!({
        "ruleId": finding.rule,
        "ruleIndex": rule_index,
        "level": level(finding.severity),
        "message": {"text": message},
        "locations": [location(&finding.span)],
    });
    if !finding.labels.is_empty() {
        value["relatedLocations"] = finding
            .labels
            .iter()
            .enumerate()
            .map(|(id, label)| {
                let mut related = location(&label.span);
                related["id"] = json!(id);
                related["message"] = json!({"text": label.message});
                related
            })
            .collect();
    }
    if let Some(fix) = &finding.fix {
        value["fixes"] = json!([{
            "description": {"text": finding.help},
            "artifactChanges": [{
                "artifactLocation": {"uri": uri(&finding.path)},
                "replacements": fix.edits.iter().map(|edit| json!({
                    "deletedRegion": region(&edit.span),
                    "insertedContent": {"text": edit.replacement},
                })).collect::<Vec<_>>(),
            }],
        }]);
    }
    value
}

/// A relative URI reference: forward slashes, reserved and non-ASCII bytes percent-encoded.
fn uri(path: &str) -> String {
    let path = path.replace('\\', "/");
    let path = path.strip_prefix("./").unwrap_or(&path);
    let mut encoded = String::new();
    for byte in path.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                encoded.push(byte as char)
            }
            _ => encoded.push_str(&format!("%{byte:02X}")),
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_relative_and_encoded() {
        assert_eq!(uri("./src/a b/ü.rs"), "src/a%20b/%C3%BC.rs");
        assert_eq!(uri("src\\lib.rs"), "src/lib.rs");
    }
}
