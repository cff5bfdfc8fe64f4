//! `edit_file`: replace one exact, unique occurrence of a text in a small text file, and
//! show the lines around the change as they now read.

use std::path::Path;

use schemars::JsonSchema;
use serde::Deserialize;

use super::edit_match::{EditError, apply_edit};
use super::error::write_failure;
use super::text::numbered;
use super::{MAX_EDIT_BYTES, Signal, Tool, ToolError, ToolOutcome, Tools};

pub(crate) struct EditFile;

#[derive(Debug, Deserialize, JsonSchema)]
pub(crate) struct Args {
    path: String,
    /// Exact text to replace
    old_text: String,
    /// Replacement text
    new_text: String,
}

impl Tool for EditFile {
    const NAME: &'static str = "edit_file";
    const DESCRIPTION: &'static str = "Replace one exact, unique occurrence of old_text in a file with new_text. Copy old_text exactly from read_file output without the line numbers, with enough lines to be unique.";
    const EXAMPLE: &'static str =
        r#"{"path": "src/lib.rs", "old_text": "a - b", "new_text": "a + b"}"#;
    type Args = Args;

    async fn run(tools: &mut Tools, args: Args) -> Result<ToolOutcome, ToolError> {
        let Args {
            path: rel,
            old_text: old,
            new_text: new,
        } = args;
        if old.is_empty() {
            return Err(ToolError::bad_arguments(
                Self::NAME,
                "`old_text` is empty; to create a file use write_file, to change one give the exact text to replace",
            ));
        }
        let path = tools.workspace.resolve_write(&rel)?;
        let shown = tools.workspace.relative(&path);
        let text = editable_text(tools, &rel, &path)?;
        let edit = apply_edit(&text, &old, &new).map_err(|e| match e {
            EditError::NotFound(hint) => ToolError::model(
                Some(Signal::OldTextNotFound),
                format!("old_text was not found in `{shown}`. {hint}"),
            ),
            EditError::NotUnique(lines) => ToolError::model(
                Some(Signal::OldTextNotUnique),
                format!(
                    "old_text occurs {} times in `{shown}` (starting at lines {}); include more surrounding lines so it matches once",
                    lines.len(),
                    lines.iter().map(|l| l.to_string()).collect::<Vec<_>>().join(", ")
                ),
            ),
            EditError::NoChange => ToolError::model(
                None,
                "old_text and new_text are the same; nothing was changed",
            ),
        })?;
        std::fs::write(&path, &edit.text).map_err(|e| {
            write_failure(
                tools.workspace.root(),
                &shown,
                &format!("cannot write `{shown}`"),
                e,
            )
        })?;
        tools.pins.record(&shown, edit.text.as_bytes());
        let lines: Vec<&str> = edit.text.lines().collect();
        let from = edit.start_line.saturating_sub(2).max(1);
        let to = (edit.start_line + edit.new_lines + 1).min(lines.len());
        let mut content = format!(
            "edited `{shown}`: replaced {} line(s) at line {} with {} line(s). Lines {from}-{to} now read:\n",
            edit.old_lines, edit.start_line, edit.new_lines
        );
        content.push_str(&numbered(&lines, from, to));
        Ok(ToolOutcome {
            edited: Some(shown),
            ..ToolOutcome::ok(content)
        })
    }
}

/// The file's text, when it exists and is a small text file.
fn editable_text(tools: &Tools, rel: &str, path: &Path) -> Result<String, ToolError> {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(_) => {
            let mut e = tools.missing(rel, "edit");
            e.content.push_str("; to create a new file use write_file");
            return Err(e.into());
        }
    };
    if meta.is_dir() {
        return Err(ToolError::model(
            Some(Signal::Unsupported),
            format!("`{rel}` is a directory, not a file"),
        ));
    }
    if meta.len() > MAX_EDIT_BYTES {
        return Err(ToolError::model(
            Some(Signal::Unsupported),
            format!(
                "`{rel}` is {} bytes, over the {} byte limit for edits; leave it unchanged",
                meta.len(),
                MAX_EDIT_BYTES
            ),
        ));
    }
    let bytes = std::fs::read(path)
        .map_err(|e| ToolError::model(None, format!("cannot read `{rel}`: {e}")))?;
    if bytes.contains(&0) {
        return Err(ToolError::model(
            Some(Signal::Unsupported),
            format!("`{rel}` is a binary file; it cannot be edited as text"),
        ));
    }
    String::from_utf8(bytes).map_err(|_| {
        ToolError::model(
            Some(Signal::Unsupported),
            format!("`{rel}` is not UTF-8 text; it cannot be edited"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::super::testing::{call, tools};
    use serde_json::json;

    #[tokio::test]
    async fn an_edit_pins_what_it_wrote_and_a_no_op_changes_nothing() {
        let (d, mut t) = tools(&[("calc.py", "a - b\n")]);
        let out = call(
            &mut t,
            "edit_file",
            json!({"path": "calc.py", "old_text": "a - b", "new_text": "a - b"}),
        )
        .await;
        assert!(
            out.is_error && out.content.contains("nothing was changed"),
            "{}",
            out.content
        );
        assert!(t.edited_content().is_empty());
        let out = call(
            &mut t,
            "edit_file",
            json!({"path": "./calc.py", "old_text": "-", "new_text": "+"}),
        )
        .await;
        assert_eq!(out.edited.as_deref(), Some("calc.py"), "{}", out.content);
        assert_eq!(
            t.edited_content().hash("calc.py"),
            Some(blake3::hash(b"a + b\n"))
        );
        assert!(t.edited_content().drifted(d.path()).is_empty());
        let out = call(
            &mut t,
            "edit_file",
            json!({"path": "calc.py", "old_text": "", "new_text": "x"}),
        )
        .await;
        assert!(
            out.content.starts_with("edit_file: `old_text` is empty"),
            "{}",
            out.content
        );
    }
}
