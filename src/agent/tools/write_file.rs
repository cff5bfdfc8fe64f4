//! `write_file`: create a new text file (never overwrite one; changes go through
//! `edit_file`), with the directories it needs.

use schemars::JsonSchema;
use serde::Deserialize;

use super::error::write_failure;
use super::{MAX_EDIT_BYTES, Signal, Tool, ToolError, ToolOutcome, Tools};

pub(crate) struct WriteFile;

#[derive(Debug, Deserialize, JsonSchema)]
pub(crate) struct Args {
    path: String,
    content: String,
}

impl Tool for WriteFile {
    const NAME: &'static str = "write_file";
    const DESCRIPTION: &'static str = "Create a new file with the given content. Existing files are changed with edit_file instead.";
    const EXAMPLE: &'static str = r#"{"path": "tests/test_new.py", "content": "..."}"#;
    type Args = Args;

    async fn run(tools: &mut Tools, args: Args) -> Result<ToolOutcome, ToolError> {
        let Args { path: rel, content } = args;
        if rel.trim().is_empty() || rel.ends_with('/') {
            return Err(ToolError::bad_arguments(
                Self::NAME,
                "`path` must name a file",
            ));
        }
        let path = tools.workspace.resolve_write(&rel)?;
        let shown = tools.workspace.relative(&path);
        if std::fs::symlink_metadata(&path).is_ok() {
            return Err(ToolError::model(
                Some(Signal::FileExists),
                format!(
                    "`{shown}` already exists; change it with edit_file (write_file only creates new files)"
                ),
            ));
        }
        if content.len() as u64 > MAX_EDIT_BYTES || content.contains('\0') {
            return Err(ToolError::model(
                Some(Signal::Unsupported),
                format!(
                    "the content for `{shown}` is binary or over {MAX_EDIT_BYTES} bytes; write a smaller text file"
                ),
            ));
        }
        let root = tools.workspace.root();
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| {
                write_failure(
                    root,
                    &shown,
                    &format!("cannot create the directory for `{shown}`"),
                    e,
                )
            })?;
        }
        // create_new: never follow a symlink planted between the check and the write.
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| write_failure(root, &shown, &format!("cannot create `{shown}`"), e))?;
        f.write_all(content.as_bytes())
            .map_err(|e| write_failure(root, &shown, &format!("cannot write `{shown}`"), e))?;
        tools.pins.record(&shown, content.as_bytes());
        Ok(ToolOutcome {
            edited: Some(shown.clone()),
            ..ToolOutcome::ok(format!(
                "created `{shown}` ({} lines)",
                content.lines().count()
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::Signal;
    use super::super::testing::{call, tools};
    use serde_json::json;

    #[tokio::test]
    async fn a_new_file_is_pinned_and_a_directory_path_is_bad() {
        let (d, mut t) = tools(&[]);
        let out = call(
            &mut t,
            "write_file",
            json!({"path": "t/test_x.py", "content": "x = 1\n"}),
        )
        .await;
        assert_eq!(out.content, "created `t/test_x.py` (1 lines)");
        assert_eq!(
            t.edited_content().paths().collect::<Vec<_>>(),
            ["t/test_x.py"]
        );
        std::fs::write(d.path().join("t/test_x.py"), "x = 2\n").unwrap();
        assert_eq!(t.edited_content().drifted(d.path()).len(), 1);
        let out = call(&mut t, "write_file", json!({"path": "t/", "content": ""})).await;
        assert_eq!(out.signal, Some(Signal::BadArguments));
        let out = call(
            &mut t,
            "write_file",
            json!({"path": "bin.dat", "content": "a\0b"}),
        )
        .await;
        assert_eq!(out.signal, Some(Signal::Unsupported));
    }
}
