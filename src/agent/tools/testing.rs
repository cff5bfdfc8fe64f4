//! What the tools' unit tests share: tools over a temp directory, and one call.

use super::{ToolOutcome, Tools};
use crate::provider::ToolCall;

/// Tools over a temp directory holding `files` (no git, no test command), with
/// `.github/workflows/**` protected.
pub(crate) fn tools(files: &[(&str, &str)]) -> (tempfile::TempDir, Tools) {
    let dir = tempfile::tempdir().unwrap();
    for (rel, text) in files {
        let path = dir.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let protected = [".github/workflows/**".to_string()];
    let tools = Tools::for_repo(
        dir.path(),
        &protected,
        None,
        std::time::Duration::from_secs(5),
    )
    .unwrap();
    (dir, tools)
}

pub(crate) async fn call(tools: &mut Tools, name: &str, args: serde_json::Value) -> ToolOutcome {
    tools
        .call(&ToolCall {
            id: "t".into(),
            name: name.into(),
            arguments: args.to_string(),
        })
        .await
}
