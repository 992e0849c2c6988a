//! Findings as plain data. Nothing here knows how a finding is shown.

use serde::{Deserialize, Serialize};

/// How loudly a rule speaks. `Off` only exists in configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Off,
    Info,
    Warning,
    Error,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Off => "off",
            Level::Info => "info",
            Level::Warning => "warning",
            Level::Error => "error",
        }
    }

    pub fn parse(text: &str) -> Option<Level> {
        match text {
            "off" => Some(Level::Off),
            "info" => Some(Level::Info),
            "warning" => Some(Level::Warning),
            "error" => Some(Level::Error),
            _ => None,
        }
    }
}

/// A region of a file. Lines and columns are 1-based; a column counts Unicode scalar values.
/// The end is exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Span {
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

impl Span {
    pub fn new(line: usize, column: usize, end_line: usize, end_column: usize) -> Span {
        Span {
            line,
            column,
            end_line,
            end_column,
        }
    }
}

/// A secondary location that explains a finding (an await point, the branch that wins a race).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Label {
    #[serde(flatten)]
    pub span: Span,
    pub message: String,
    /// The file the span is in, when it is not the finding's own (evidence in a helper).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

/// Whether a fix may be applied without a human reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Applicability {
    /// Behaviour is unchanged.
    Safe,
    /// Behaviour changes in the intended way; apply only when asked.
    Unsafe,
    /// Shown as help only.
    Display,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Edit {
    #[serde(flatten)]
    pub span: Span,
    pub replacement: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fix {
    pub applicability: Applicability,
    pub edits: Vec<Edit>,
}

/// One problem found in one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub rule: &'static str,
    /// Filled in by the engine from the rule's configured level.
    pub severity: Level,
    /// Filled in by the engine.
    pub path: String,
    #[serde(flatten)]
    pub span: Span,
    pub message: String,
    pub help: String,
    pub fix: Option<Fix>,
    pub labels: Vec<Label>,
}

impl Finding {
    pub fn new(rule: &'static str, span: Span, message: impl Into<String>) -> Finding {
        Finding {
            rule,
            severity: Level::Warning,
            path: String::new(),
            span,
            message: message.into(),
            help: String::new(),
            fix: None,
            labels: Vec::new(),
        }
    }

    pub fn help(mut self, help: impl Into<String>) -> Finding {
        self.help = help.into();
        self
    }

    pub fn fix(mut self, fix: Fix) -> Finding {
        self.fix = Some(fix);
        self
    }

    pub fn label(mut self, span: Span, message: impl Into<String>) -> Finding {
        self.labels.push(Label {
            span,
            message: message.into(),
            path: None,
        });
        self
    }

    /// A label in another file of the project.
    pub fn label_in(mut self, path: &str, span: Span, message: impl Into<String>) -> Finding {
        self.labels.push(Label {
            span,
            message: message.into(),
            path: Some(path.to_string()),
        });
        self
    }

    /// The order every output format uses: path, line, column, rule, then message.
    pub fn sort_key(&self) -> (&str, usize, usize, &str, &str) {
        (
            &self.path,
            self.span.line,
            self.span.column,
            self.rule,
            &self.message,
        )
    }
}

/// A file that could not be checked, or could be checked only in part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileError {
    pub path: String,
    pub message: String,
    /// Where the file is to blame (1-based line and column): it does not parse, is not UTF-8
    /// or cannot be read, and its `syntax-error` finding points here. `None` when ctxlint or
    /// the run is (a panic in a rule, a fix that could not be written, a directory that could
    /// not be walked): such an error fails the run whatever the rule levels say.
    #[serde(skip)]
    pub at: Option<(usize, usize)>,
    /// Valid code the parser does not read yet: checked in part, with no `syntax-error`.
    #[serde(skip)]
    pub parser_gap: bool,
}

impl FileError {
    /// A failure of ctxlint's or of the run, not of the file's content.
    pub fn of_run(path: impl Into<String>, message: impl Into<String>) -> FileError {
        FileError {
            path: path.into(),
            message: message.into(),
            at: None,
            parser_gap: false,
        }
    }
}
