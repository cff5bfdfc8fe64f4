//! OctaGit: turn a GitHub issue into a tested, reviewable draft pull request.
//!
//! See ARCHITECTURE.md for the map. The binary in `main.rs` is a thin shell over
//! [`commands::dispatch`].

pub mod advisor;
pub mod agent;
pub mod audit;
pub mod chain;
pub mod cli;
pub mod commands;
pub mod config;
pub mod demo;
pub mod diff;
pub mod failure;
pub mod gate;
pub mod git;
pub mod github;
pub mod index;
pub mod logging;
pub mod mcp;
pub mod pipeline;
pub mod process;
pub mod provider;
pub mod publish;
pub mod report;
pub mod run_record;
pub mod runner_check;
pub mod sandbox;
pub mod sanitize;
pub mod secret;
pub mod secret_handoff;
pub mod terrain;
pub mod tokens;
