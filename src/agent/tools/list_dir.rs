//! `list_dir`: a directory's entries, directories marked with `/`, symlinks with `@`,
//! `.git` never shown.

use schemars::JsonSchema;
use serde::Deserialize;

use super::{Signal, Tool, ToolError, ToolOutcome, Tools};

const MAX_DIR_ENTRIES: usize = 500;

pub(crate) struct ListDir;

#[derive(Debug, Deserialize, JsonSchema)]
pub(crate) struct Args {
    /// Directory relative to the repo root
    path: Option<String>,
}

impl Tool for ListDir {
    const NAME: &'static str = "list_dir";
    const DESCRIPTION: &'static str = "List the entries of a directory of the repository (directories end with /). Default: the repo root.";
    const EXAMPLE: &'static str = r#"{"path": "src"}"#;
    type Args = Args;

    async fn run(tools: &mut Tools, args: Args) -> Result<ToolOutcome, ToolError> {
        let rel = args.path.unwrap_or_default();
        let path = tools.workspace.resolve_read(&rel)?;
        if path.is_file() {
            return Err(ToolError::model(
                Some(Signal::Unsupported),
                format!("`{rel}` is a file; use read_file to read it"),
            ));
        }
        let entries = std::fs::read_dir(&path).map_err(|_| tools.missing(&rel, "list"))?;
        let mut names: Vec<String> = entries
            .filter_map(Result::ok)
            .filter(|e| e.file_name() != ".git")
            .map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                match e.file_type() {
                    Ok(t) if t.is_dir() => format!("{name}/"),
                    Ok(t) if t.is_symlink() => format!("{name}@"),
                    _ => name,
                }
            })
            .collect();
        names.sort();
        let shown = tools.workspace.relative(&path);
        let shown = if shown.is_empty() {
            ".".to_string()
        } else {
            shown
        };
        let total = names.len();
        let mut content = format!("{shown}/ ({total} entries)\n");
        for n in names.iter().take(MAX_DIR_ENTRIES) {
            content.push_str(n);
            content.push('\n');
        }
        if total > MAX_DIR_ENTRIES {
            content.push_str(&format!(
                "[truncated: {} more entries]\n",
                total - MAX_DIR_ENTRIES
            ));
        }
        Ok(ToolOutcome::ok(content))
    }
}

#[cfg(test)]
mod tests {
    use super::super::Signal;
    use super::super::testing::{call, tools};
    use serde_json::json;

    #[tokio::test]
    async fn the_root_is_the_default_and_a_file_is_refused() {
        let (_d, mut t) = tools(&[("a.py", ""), ("pkg/b.py", "")]);
        let out = call(&mut t, "list_dir", json!({"path": null})).await;
        assert_eq!(out.content, "./ (2 entries)\na.py\npkg/\n");
        let out = call(&mut t, "list_dir", json!({"path": "a.py"})).await;
        assert_eq!(out.signal, Some(Signal::Unsupported));
        let out = call(&mut t, "list_dir", json!({"path": "nope"})).await;
        assert_eq!(out.signal, Some(Signal::MissingFile));
    }
}
