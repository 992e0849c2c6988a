//! `ctxlint rules` and `ctxlint explain`.

use super::{EXIT_CLEAN, ListFormat, print_stdout};
use crate::registry;

pub(super) fn list_rules(format: ListFormat) -> Result<i32, String> {
    if format == ListFormat::Json {
        let rules: Vec<serde_json::Value> = registry::RULES
            .iter()
            .map(|rule| rule_json(rule, false))
            .collect();
        print_json(&serde_json::Value::Array(rules));
        return Ok(EXIT_CLEAN);
    }
    let mut out = String::new();
    for rule in registry::RULES {
        out.push_str(&format!(
            "{:<26} {:<8} {:<8} {}\n",
            rule.name,
            language_names(rule).join(","),
            rule.default_level.as_str(),
            rule.summary
        ));
    }
    print_stdout(&out);
    Ok(EXIT_CLEAN)
}

fn language_names(rule: &registry::RuleInfo) -> Vec<&'static str> {
    registry::languages(rule.name)
        .iter()
        .map(|l| l.name())
        .collect()
}

/// A rule as `rules --format json` and `explain --format json` give it.
fn rule_json(rule: &registry::RuleInfo, with_docs: bool) -> serde_json::Value {
    let mut entry = serde_json::json!({
        "name": rule.name,
        "languages": language_names(rule),
        "default_level": rule.default_level.as_str(),
        "summary": rule.summary,
        "docs_url": registry::docs_url(rule.name),
    });
    if with_docs {
        entry["docs"] = rule.docs.into();
    }
    entry
}

fn print_json(value: &serde_json::Value) {
    let mut text = serde_json::to_string_pretty(value).expect("JSON values serialize");
    text.push('\n');
    print_stdout(&text);
}

pub(super) fn explain(name: Option<&str>, all: bool, format: ListFormat) -> Result<i32, String> {
    let rules: Vec<&registry::RuleInfo> = if all {
        registry::RULES.iter().collect()
    } else {
        let name = name.unwrap_or_default();
        let rule = registry::find(name).ok_or_else(|| {
            format!(
                "unknown rule `{name}`{} (`ctxlint rules` lists them)",
                registry::did_you_mean(name)
            )
        })?;
        vec![rule]
    };
    match format {
        ListFormat::Json if all => {
            let entries = rules.iter().map(|rule| rule_json(rule, true)).collect();
            print_json(&serde_json::Value::Array(entries));
        }
        ListFormat::Json => print_json(&rule_json(rules[0], true)),
        ListFormat::Text => {
            let pages: Vec<&str> = rules.iter().map(|rule| rule.docs.trim_end()).collect();
            print_stdout(&format!("{}\n", pages.join("\n\n")));
        }
    }
    Ok(EXIT_CLEAN)
}
