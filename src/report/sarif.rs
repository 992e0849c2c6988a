//! `--format sarif`: SARIF 2.1.0, as read by code-scanning services.

use serde_json::{Value, json};

use super::Output;
use crate::baseline;
use crate::diagnostic::{Finding, Level, Span};
use crate::registry;

/// Why a finding is listed but not reported.
#[derive(Clone, Copy)]
enum Suppression {
    /// A suppression comment in the file.
    InSource,
    /// The baseline file.
    External,
}

pub fn render(output: &Output) -> String {
    let rules: Vec<Value> = registry::RULES.iter().map(rule_descriptor).collect();
    // Suppressed findings stay in the log, marked, so that code scanning closes their alerts
    // instead of reporting them as fixed.
    let mut listed: Vec<(&Finding, Option<Suppression>)> = output
        .run
        .findings
        .iter()
        .map(|finding| (finding, None))
        .chain(
            output
                .run
                .suppressed
                .iter()
                .map(|finding| (finding, Some(Suppression::InSource))),
        )
        .chain(
            output
                .baseline_hidden
                .iter()
                .map(|finding| (finding, Some(Suppression::External))),
        )
        .collect();
    listed.sort_by(|(a, _), (b, _)| a.sort_key().cmp(&b.sort_key()));
    let findings: Vec<&Finding> = listed.iter().map(|(finding, _)| *finding).collect();
    let identities = baseline::identities(&findings, output.sources);
    let results: Vec<Value> = listed
        .iter()
        .zip(&identities)
        .map(|((finding, suppression), identity)| result(finding, *suppression, identity))
        .collect();
    let notifications: Vec<Value> = output
        .run
        .errors
        .iter()
        .map(|error| {
            json!({
                "level": "error",
                "message": {"text": error.message},
                "locations": [{"physicalLocation": {"artifactLocation": artifact(&error.path)}}],
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
    let mut tags = vec!["async", "cancellation"];
    tags.extend(registry::languages(rule.name).iter().map(|l| l.name()));
    json!({
        "id": rule.name,
        "name": pascal_case(rule.name),
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": full},
        "help": {"text": rule.summary, "markdown": rule.docs},
        "helpUri": registry::docs_url(rule.name),
        "defaultConfiguration": {"level": level(rule.default_level)},
        "properties": {"tags": tags},
    })
}

/// `blocking-in-async` -> `BlockingInAsync`: SARIF wants a rule's `name` to differ from its
/// `id` and to read as a word.
fn pascal_case(kebab: &str) -> String {
    kebab
        .split('-')
        .flat_map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|first| first.to_ascii_uppercase())
                .into_iter()
                .chain(chars)
        })
        .collect()
}

fn region(span: &Span) -> Value {
    json!({
        "startLine": span.line,
        "startColumn": span.column,
        "endLine": span.end_line,
        "endColumn": span.end_column,
    })
}

fn result(finding: &Finding, suppression: Option<Suppression>, identity: &str) -> Value {
    let rule_index = registry::RULES
        .iter()
        .position(|rule| rule.name == finding.rule)
        .unwrap_or(0);
    let location_in = |path: &str, span: &Span| {
        json!({"physicalLocation": {
            "artifactLocation": artifact(path),
            "region": region(span),
        }})
    };
    let location = |span: &Span| location_in(&finding.path, span);
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
        "partialFingerprints": {"ctxlintIdentity/v1": identity},
    });
    if let Some(suppression) = suppression {
        let kind = match suppression {
            Suppression::InSource => "inSource",
            Suppression::External => "external",
        };
        value["suppressions"] = json!([{"kind": kind}]);
    }
    if !finding.labels.is_empty() {
        value["relatedLocations"] = finding
            .labels
            .iter()
            .enumerate()
            .map(|(id, label)| {
                let path = label.path.as_deref().unwrap_or(&finding.path);
                let mut related = location_in(path, &label.span);
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
                "artifactLocation": artifact(&finding.path),
                "replacements": fix.edits.iter().map(|edit| json!({
                    "deletedRegion": region(&edit.span),
                    "insertedContent": {"text": edit.replacement},
                })).collect::<Vec<_>>(),
            }],
        }]);
    }
    value
}

/// Where a file is: a path relative to the directory ctxlint ran in (the checkout, in CI) is
/// a URI relative to `%SRCROOT%`, as code scanning expects; an absolute one a `file` URI.
fn artifact(path: &str) -> Value {
    let encoded = uri(path);
    if encoded.starts_with('/') {
        json!({"uri": format!("file://{encoded}")})
    } else {
        json!({"uri": encoded, "uriBaseId": "%SRCROOT%"})
    }
}

/// A URI reference: forward slashes, no leading `./`, reserved and non-ASCII bytes
/// percent-encoded.
fn uri(path: &str) -> String {
    let path = baseline::normalize_path(path);
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
        assert_eq!(
            artifact("./a.rs"),
            json!({"uri": "a.rs", "uriBaseId": "%SRCROOT%"})
        );
        assert_eq!(artifact("/src/a.rs"), json!({"uri": "file:///src/a.rs"}));
    }

    #[test]
    fn rule_names_are_words() {
        assert_eq!(pascal_case("blocking-in-async"), "BlockingInAsync");
    }
}
