//! `run_tests`: the repository's own test command as the gate runs it, digested for the
//! model against the run before its edits.

use schemars::JsonSchema;
use serde::Deserialize;

use super::{Tool, ToolError, ToolOutcome, Tools};

pub(crate) struct RunTests;

/// No arguments: the command is the gate's, never the model's.
#[derive(Debug, Deserialize, JsonSchema)]
pub(crate) struct Args {}

impl Tool for RunTests {
    const NAME: &'static str = "run_tests";
    const DESCRIPTION: &'static str = "Run the repository's test command and get a digest: failing tests, the comparison with the run before your edits, and the end of the output.";
    const EXAMPLE: &'static str = "{}";
    type Args = Args;

    async fn run(tools: &mut Tools, _: Args) -> Result<ToolOutcome, ToolError> {
        let Some(gate) = &tools.gate else {
            return Err(ToolError::model(
                None,
                "no test command is configured or detected for this repository; check the fix by reading the code, then call finish",
            ));
        };
        let run = gate.run().await;
        let digest = gate.digest(&run, tools.budget / 3);
        Ok(ToolOutcome {
            is_error: !run.success,
            test_run: Some(run),
            ..ToolOutcome::ok(digest)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{call, tools};
    use serde_json::json;

    #[tokio::test]
    async fn without_a_gate_it_says_there_is_no_test_command() {
        let (_d, mut t) = tools(&[]);
        let out = call(&mut t, "run_tests", json!({"command": "rm -rf /"})).await;
        assert!(
            out.is_error && out.content.starts_with("no test command"),
            "{}",
            out.content
        );
        assert!(out.test_run.is_none());
    }
}
