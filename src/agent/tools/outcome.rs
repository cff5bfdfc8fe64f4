//! What one tool call gives back: the text the model reads and what the loop records.

use super::Signal;
use crate::run_record::TestRun;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ToolOutcome {
    /// What goes back to the model: redacted, within the budget, the truncation said.
    pub content: String,
    pub is_error: bool,
    pub signal: Option<Signal>,
    /// A file the model read (root-relative).
    pub explored: Option<String>,
    /// A file the model changed or created (root-relative).
    pub edited: Option<String>,
    /// The model's summary, when it called `finish`.
    pub finished: Option<String>,
    pub test_run: Option<TestRun>,
}

impl ToolOutcome {
    /// An error result with a signal, for outcomes the loop decides itself (a `finish`
    /// the gate refutes). The content is redacted here since it skips [`super::Tools::call`].
    pub fn refusal(content: impl Into<String>, signal: Signal) -> Self {
        ToolOutcome::error(Some(signal), crate::secret::redact(&content.into()))
    }

    pub(crate) fn ok(content: impl Into<String>) -> Self {
        ToolOutcome {
            content: content.into(),
            ..Default::default()
        }
    }

    pub(crate) fn error(signal: Option<Signal>, content: impl Into<String>) -> Self {
        ToolOutcome {
            content: content.into(),
            is_error: true,
            signal,
            ..Default::default()
        }
    }
}
