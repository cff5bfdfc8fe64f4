//! The model mistakes a tool result is tagged with, for the loop's hallucination counter
//! and the transcript.

use serde::Serialize;

/// A model mistake, for the loop's hallucination counter and the transcript.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Signal {
    UnknownTool,
    BadArguments,
    /// Read or edit of a file that does not exist.
    MissingFile,
    OldTextNotFound,
    /// `edit_file` whose old text occurs more than once.
    OldTextNotUnique,
    /// A path the workspace confinement refused.
    Refused,
    /// `write_file` on a file that exists.
    FileExists,
    /// Binary or oversized file for an edit, or a directory where a file was expected.
    Unsupported,
    /// `finish` claimed a fix the gate refutes (set by the loop, which runs the gate).
    FalseFinish,
}

impl Signal {
    pub fn as_str(self) -> &'static str {
        match self {
            Signal::UnknownTool => "unknown_tool",
            Signal::BadArguments => "bad_arguments",
            Signal::MissingFile => "missing_file",
            Signal::OldTextNotFound => "old_text_not_found",
            Signal::OldTextNotUnique => "old_text_not_unique",
            Signal::Refused => "refused",
            Signal::FileExists => "file_exists",
            Signal::Unsupported => "unsupported",
            Signal::FalseFinish => "false_finish",
        }
    }

    /// The signals design.md counts as hallucination: the model invented something.
    pub fn is_hallucination(self) -> bool {
        matches!(
            self,
            Signal::UnknownTool
                | Signal::BadArguments
                | Signal::MissingFile
                | Signal::OldTextNotFound
                | Signal::FalseFinish
        )
    }
}

impl std::fmt::Display for Signal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
