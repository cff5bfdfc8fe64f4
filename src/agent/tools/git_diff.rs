//! `git_diff`: the working tree (new files included) against the last commit.

use schemars::JsonSchema;
use serde::Deserialize;

use super::{Tool, ToolError, ToolOutcome, Tools};

pub(crate) struct GitDiff;

/// No arguments.
#[derive(Debug, Deserialize, JsonSchema)]
pub(crate) struct Args {}

impl Tool for GitDiff {
    const NAME: &'static str = "git_diff";
    const DESCRIPTION: &'static str = "Show your changes so far: the diff of the working tree (including new files) against the last commit.";
    const EXAMPLE: &'static str = "{}";
    type Args = Args;

    async fn run(tools: &mut Tools, _: Args) -> Result<ToolOutcome, ToolError> {
        let (patch, stat) = crate::diff::workdir_diff(tools.workspace.root()).map_err(|e| {
            ToolError::model(None, format!("cannot compute the diff: {}", e.message()))
        })?;
        if patch.is_empty() {
            return Ok(ToolOutcome::ok(
                "no changes yet: the working tree matches the last commit",
            ));
        }
        Ok(ToolOutcome::ok(format!(
            "{} file(s) changed, {} insertion(s), {} deletion(s)\n{patch}",
            stat.files, stat.insertions, stat.deletions
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{call, tools};
    use serde_json::json;

    #[tokio::test]
    async fn outside_a_git_repository_it_says_so_without_a_signal() {
        let (_d, mut t) = tools(&[("a.py", "")]);
        let out = call(&mut t, "git_diff", json!(null)).await;
        assert!(out.is_error && out.signal.is_none(), "{out:?}");
        assert!(
            out.content.starts_with("cannot compute the diff"),
            "{}",
            out.content
        );
    }
}
