//! `finish`: the model's claim that the fix is done, with its summary; the loop runs the
//! gate on it.

use schemars::JsonSchema;
use serde::Deserialize;

use super::{Tool, ToolError, ToolOutcome, Tools};

pub(crate) struct Finish;

#[derive(Debug, Deserialize, JsonSchema)]
pub(crate) struct Args {
    /// What was wrong and how the edits fix it
    summary: String,
}

impl Tool for Finish {
    const NAME: &'static str = "finish";
    const DESCRIPTION: &'static str = "Call once the fix is complete: summarise what was wrong and what you changed. The tests run after this.";
    const EXAMPLE: &'static str = r#"{"summary": "what was wrong and what changed"}"#;
    type Args = Args;

    async fn run(_: &mut Tools, args: Args) -> Result<ToolOutcome, ToolError> {
        let summary = args.summary.trim();
        if summary.is_empty() {
            return Err(ToolError::bad_arguments(
                Self::NAME,
                "`summary` is empty; say what was wrong and what you changed",
            ));
        }
        Ok(ToolOutcome {
            finished: Some(crate::secret::redact(summary)),
            ..ToolOutcome::ok("Recorded. The tests run next; if they fail you will be told.")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{call, tools};
    use serde_json::json;

    #[tokio::test]
    async fn the_summary_is_trimmed_and_redacted() {
        let (_d, mut t) = tools(&[]);
        let out = call(
            &mut t,
            "finish",
            json!({"summary": "  fixed; token ghp_abcdefghijklmnopqrstuvwxyz0123456789 \n"}),
        )
        .await;
        let summary = out.finished.expect("finished");
        assert!(
            summary.starts_with("fixed; token ") && !summary.contains("ghp_abc"),
            "{summary}"
        );
        let out = call(&mut t, "finish", json!({})).await;
        assert!(
            out.content
                .starts_with("finish: missing required argument `summary`"),
            "{}",
            out.content
        );
    }
}
