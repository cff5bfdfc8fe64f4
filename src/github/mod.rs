//! Everything that speaks to GitHub: event payloads and trigger gating, the REST client,
//! workflow commands and outputs, the progress comment, and scheduled triage.
//! Only this module and `git.rs` write to remotes.

pub mod api;
pub mod event;
pub mod progress;
pub mod triage;
pub mod workflow_cmd;

pub use api::{ApiError, GitHub};
