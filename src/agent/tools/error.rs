//! How a tool fails: a mistake the model can correct (its text goes back as the tool's
//! result, and the loop goes on) or a fault of the run itself (the loop ends).

use super::{Signal, ToolOutcome};
use crate::agent::workspace::WorkspaceError;

#[derive(Debug, thiserror::Error)]
pub enum ToolError {
    /// Bad arguments, a missing file, edit text not found, a refused path: the outcome
    /// goes back to the model, tagged with the signal the loop counts. Boxed, since a
    /// [`ToolOutcome`] is large.
    #[error("{}", .0.content)]
    Model(Box<ToolOutcome>),
    /// The run cannot go on whatever the model does next.
    #[error(transparent)]
    Fatal(#[from] Fatal),
}

/// Faults of the run, not of the model: the loop stops on these instead of sending them
/// back as a result.
#[derive(Debug, thiserror::Error)]
pub enum Fatal {
    #[error(
        "the repository at {path} is gone or no longer a directory; make sure nothing else moves or deletes the checkout while OctaGit runs, then run again"
    )]
    WorkspaceGone { path: String },
    #[error(
        "cannot write `{path}` in the repository ({source}); free disk space or make the checkout writable, then run again"
    )]
    Storage {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("the run was cancelled")]
    Cancelled,
}

impl ToolError {
    /// A result the model reads, tagged with `signal`.
    pub(crate) fn model(signal: Option<Signal>, content: impl Into<String>) -> ToolError {
        ToolError::Model(Box::new(ToolOutcome::error(signal, content)))
    }

    /// The arguments were wrong: `tool: message`.
    pub(crate) fn bad_arguments(tool: &str, message: &str) -> ToolError {
        ToolError::model(Some(Signal::BadArguments), format!("{tool}: {message}"))
    }
}

impl From<ToolOutcome> for ToolError {
    fn from(o: ToolOutcome) -> ToolError {
        ToolError::Model(Box::new(o))
    }
}

/// A path the confinement refused is the model's to correct.
impl From<WorkspaceError> for ToolError {
    fn from(e: WorkspaceError) -> ToolError {
        ToolError::model(Some(Signal::Refused), e.to_string())
    }
}

/// An I/O error writing `shown` under `root`: fatal when the checkout itself is gone or the
/// filesystem takes no writes at all, else the model's to hear about (as before: a
/// permission on one file is worth a different approach).
pub(crate) fn write_failure(
    root: &std::path::Path,
    shown: &str,
    what: &str,
    e: std::io::Error,
) -> ToolError {
    use std::io::ErrorKind;
    if !root.is_dir() {
        return Fatal::WorkspaceGone {
            path: root.display().to_string(),
        }
        .into();
    }
    match e.kind() {
        ErrorKind::StorageFull | ErrorKind::ReadOnlyFilesystem | ErrorKind::QuotaExceeded => {
            Fatal::Storage {
                path: shown.to_string(),
                source: e,
            }
            .into()
        }
        _ => ToolError::model(None, format!("{what}: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_disk_is_fatal_a_permission_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let full = std::io::Error::from(std::io::ErrorKind::StorageFull);
        assert!(matches!(
            write_failure(dir.path(), "a.py", "cannot write `a.py`", full),
            ToolError::Fatal(Fatal::Storage { .. })
        ));
        let denied = std::io::Error::from(std::io::ErrorKind::PermissionDenied);
        let ToolError::Model(o) = write_failure(dir.path(), "a.py", "cannot write `a.py`", denied)
        else {
            panic!("a permission error goes back to the model")
        };
        assert!(
            o.content.starts_with("cannot write `a.py`: "),
            "{}",
            o.content
        );
        let gone = dir.path().join("gone");
        let err = std::io::Error::from(std::io::ErrorKind::NotFound);
        assert!(matches!(
            write_failure(&gone, "a.py", "cannot write `a.py`", err),
            ToolError::Fatal(Fatal::WorkspaceGone { .. })
        ));
    }
}
