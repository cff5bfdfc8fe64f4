//! `read_file`: a text file with line numbers, a range of it, cut at a line within the
//! budget with where to continue said.

use schemars::JsonSchema;
use serde::Deserialize;

use super::text::cut_line;
use super::{Signal, Tool, ToolError, ToolOutcome, Tools};

pub(crate) struct ReadFile;

#[derive(Debug, Deserialize, JsonSchema)]
pub(crate) struct Args {
    /// File path relative to the repo root
    pub(crate) path: String,
    #[schemars(range(min = 1))]
    pub(crate) start_line: Option<usize>,
    #[schemars(range(min = 1))]
    pub(crate) end_line: Option<usize>,
}

impl Tool for ReadFile {
    const NAME: &'static str = "read_file";
    const DESCRIPTION: &'static str = "Read a text file of the repository, with line numbers. Paths are relative to the repo root. Use start_line/end_line (1-based, inclusive) for a part of a long file.";
    const EXAMPLE: &'static str = r#"{"path": "src/lib.rs", "start_line": 1, "end_line": 80}"#;
    type Args = Args;

    async fn run(tools: &mut Tools, args: Args) -> Result<ToolOutcome, ToolError> {
        let rel = args.path;
        let path = tools.workspace.resolve_read(&rel)?;
        let shown = tools.workspace.relative(&path);
        if path.is_dir() {
            return Err(ToolError::model(
                Some(Signal::Unsupported),
                format!("`{rel}` is a directory; use list_dir to see what it holds"),
            ));
        }
        let bytes = std::fs::read(&path).map_err(|_| tools.missing(&rel, "read"))?;
        if bytes.contains(&0) {
            return Err(ToolError::model(
                Some(Signal::Unsupported),
                format!(
                    "`{shown}` is a binary file ({} bytes); it cannot be shown as text",
                    bytes.len()
                ),
            ));
        }
        let text = String::from_utf8_lossy(&bytes);
        let lines: Vec<&str> = text.lines().collect();
        let total = lines.len();
        let start = args.start_line.unwrap_or(1).max(1);
        let end = args.end_line.unwrap_or(total).min(total);
        if total == 0 {
            return Ok(ToolOutcome {
                explored: Some(shown.clone()),
                ..ToolOutcome::ok(format!("`{shown}` is empty"))
            });
        }
        if start > total || start > end {
            return Err(ToolError::model(
                Some(Signal::BadArguments),
                format!(
                    "`{shown}` has {total} lines; start_line {start} and end_line {end} select none"
                ),
            ));
        }
        // Stop at a line boundary within the budget and say where to continue.
        let room = tools.budget.saturating_sub(200);
        let mut body = String::new();
        let mut last = start - 1;
        for (i, line) in lines.iter().enumerate().take(end).skip(start - 1) {
            let numbered = format!("{:>5}\t{}\n", i + 1, cut_line(line));
            if body.len() + numbered.len() > room && i + 1 > start {
                break;
            }
            body.push_str(&numbered);
            last = i + 1;
        }
        let mut content = format!("{shown} (lines {start}-{last} of {total})\n{body}");
        if last < end {
            let rest: usize = lines[last..end].iter().map(|l| l.len() + 1).sum();
            content.push_str(&format!(
                "[truncated: {rest} more bytes; continue with start_line={}]\n",
                last + 1
            ));
        }
        Ok(ToolOutcome {
            explored: Some(shown),
            ..ToolOutcome::ok(content)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{call, tools};
    use serde_json::json;

    #[tokio::test]
    async fn an_empty_file_and_a_reversed_range_are_said() {
        let (_d, mut t) = tools(&[("empty.txt", ""), ("a.txt", "1\n2\n3\n")]);
        let out = call(&mut t, "read_file", json!({"path": "empty.txt"})).await;
        assert_eq!(out.content, "`empty.txt` is empty");
        assert_eq!(out.explored.as_deref(), Some("empty.txt"));
        let out = call(
            &mut t,
            "read_file",
            json!({"path": "a.txt", "start_line": 3, "end_line": 2}),
        )
        .await;
        assert!(
            out.is_error && out.content.contains("select none"),
            "{}",
            out.content
        );
        // Line 0 is read as the first line, an end past the file as its end.
        let out = call(
            &mut t,
            "read_file",
            json!({"path": "a.txt", "start_line": 0, "end_line": 99}),
        )
        .await;
        assert!(
            out.content.starts_with("a.txt (lines 1-3 of 3)"),
            "{}",
            out.content
        );
    }
}
