//! Everything that speaks to GitHub: event payloads and trigger gating, the REST client,
//! workflow commands and outputs, the progress comment, scheduled triage, and the assets
//! branch for the terrain picture.
//! Only this module and `git.rs` write to remotes.

pub mod api;
pub mod assets;
pub mod event;
pub mod progress;
pub mod runner_paths;
pub mod triage;
pub mod workflow_cmd;

pub use api::{ApiError, GitHub};
