//! The agent: the loop (`run_loop`), its prompts, the tools the model may call, the
//! workspace confinement every path goes through, and the transcript.

pub mod behaviour;
pub mod prompt;
pub mod run_loop;
pub mod tools;
pub mod trajectory;
pub mod workspace;
