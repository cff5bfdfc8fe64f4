//! The answer to a path that names no file: the files with that name elsewhere, so a model
//! that guessed the directory wrong finds the right one in one step.

use std::path::Path;

use super::{Signal, ToolOutcome, Tools};

impl Tools {
    /// A missing-file error, naming files with the same name elsewhere in the repository.
    pub(crate) fn missing(&self, rel: &str, verb: &str) -> ToolOutcome {
        let name = Path::new(rel)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned());
        let mut similar = Vec::new();
        if let Some(name) = name {
            let walk = ignore::WalkBuilder::new(self.workspace.root())
                .hidden(false)
                .require_git(false)
                .filter_entry(|e| e.file_name() != ".git")
                .build();
            for e in walk.filter_map(Result::ok) {
                if e.file_name().to_string_lossy() == name {
                    similar.push(self.workspace.relative(e.path()));
                    if similar.len() == 5 {
                        break;
                    }
                }
            }
        }
        let hint = if similar.is_empty() {
            "use list_dir or search to find the right path".to_string()
        } else {
            similar.sort();
            format!("files with that name: {}", similar.join(", "))
        };
        ToolOutcome::error(
            Some(Signal::MissingFile),
            format!("cannot {verb} `{rel}`: no such file in the repository; {hint}"),
        )
    }
}
