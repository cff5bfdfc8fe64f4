//! One file per command. Each returns the process exit code; `main.rs` only maps it.
//! Errors that reach here are printed as one or two sentences by `main.rs`.

mod action;
pub(crate) mod audit;
mod demo;
mod mcp;
mod models;
mod rank;
mod report;
pub mod run;
mod terrain;

use crate::cli::{Cli, Command};

pub async fn dispatch(cli: Cli) -> anyhow::Result<i32> {
    match cli.command {
        Command::Run(a) => run::run(&a).await,
        Command::Demo(a) => demo::run(&a).await,
        Command::Audit(a) => audit::run(&a).await,
        Command::Rank(a) => rank::run(&a).await,
        Command::Terrain(a) => terrain::run(&a).await,
        Command::Models(a) => models::run(&a).await,
        Command::Report(a) => report::run(&a).await,
        Command::Action(a) => action::run(&a).await,
        Command::Mcp(a) => mcp::run(&a).await,
    }
}
