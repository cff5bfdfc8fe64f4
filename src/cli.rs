//! Command-line definitions (raw options) and the dispatch to one file per command.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "octagit",
    version,
    about = "Turn a GitHub issue into a tested, reviewable draft pull request",
    long_about = "Turn a GitHub issue into a tested, reviewable draft pull request.\n\nStart with `octagit demo` (no keys, no network), then `octagit run --repo . --issue-file issue.md`."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the whole pipeline on a local repository: index, audit, agent, tests, reports.
    Run(RunArgs),
    /// Run the pipeline on a bundled example with a scripted model (no keys, no network).
    Demo(DemoArgs),
    /// Check which models can do this job now, what it will cost, and in which order to try them.
    Audit(AuditArgs),
    /// Rank the repository's files by relevance to an issue.
    Rank(RankArgs),
    /// Draw the repository as a terrain map (SVG, optional PNG).
    Terrain(TerrainArgs),
    /// Show each model provider: credential present, reachable, models.
    Models(ModelsArgs),
    /// Re-render the reports of a run directory.
    Report(ReportArgs),
    /// The GitHub Action entrypoint (reads GITHUB_EVENT_PATH and INPUT_*).
    Action(ActionArgs),
    /// Serve the Model Context Protocol over stdio.
    Mcp(McpArgs),
}

/// Options shared by every command that reads an issue and a repository.
#[derive(Debug, Clone, Args)]
pub struct TaskArgs {
    /// Repository to work in.
    #[arg(long, default_value = ".")]
    pub repo: PathBuf,
    /// File holding the issue: first line is the title, the rest the body (Markdown).
    #[arg(long)]
    pub issue_file: Option<PathBuf>,
    /// Issue text given inline instead of a file.
    #[arg(long, conflicts_with = "issue_file")]
    pub issue: Option<String>,
    /// Model slugs to try, in order, comma-separated (e.g. anthropic/claude-sonnet-4-5,openai/gpt-4o-mini).
    #[arg(long, value_delimiter = ',')]
    pub fallback_chain: Option<Vec<String>>,
    /// One model slug; put first in the chain.
    #[arg(long)]
    pub model: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub task: TaskArgs,
    /// The repo's own test command (the gate). Detected when not given.
    #[arg(long)]
    pub test_command: Option<String>,
    /// Runs once before the baseline tests.
    #[arg(long)]
    pub setup_command: Option<String>,
    #[arg(long)]
    pub max_turns: Option<u32>,
    #[arg(long)]
    pub max_cost_usd: Option<f64>,
    #[arg(long)]
    pub max_minutes: Option<u32>,
    /// Where to write the run's artefacts (default .octagit/run-<timestamp>).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Push a branch and open a draft PR when the gate passes (needs GITHUB_TOKEN and GITHUB_REPOSITORY or --github-repo).
    #[arg(long)]
    pub open_pr: bool,
    /// owner/name of the GitHub repository, for --open-pr.
    #[arg(long)]
    pub github_repo: Option<String>,
    /// Issue number, for the PR body and branch name.
    #[arg(long)]
    pub issue_number: Option<u64>,
    /// Skip the pre-flight audit and use the chain as given.
    #[arg(long)]
    pub no_audit: bool,
}

#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    /// Where to write the demo's artefacts (default: a fresh temp dir, printed at the end).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Keep the demo repository instead of deleting it.
    #[arg(long)]
    pub keep: bool,
}

#[derive(Debug, Clone, Args)]
pub struct AuditArgs {
    #[command(flatten)]
    pub task: TaskArgs,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct RankArgs {
    #[command(flatten)]
    pub task: TaskArgs,
    #[arg(long, default_value_t = 10)]
    pub top: usize,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct TerrainArgs {
    #[arg(long, default_value = ".")]
    pub repo: PathBuf,
    /// SVG output path.
    #[arg(short, long, default_value = "terrain.svg")]
    pub output: PathBuf,
    /// Also write a PNG.
    #[arg(long)]
    pub png: Option<PathBuf>,
    /// A run's context-graph.json, to mark explored and edited files.
    #[arg(long)]
    pub graph: Option<PathBuf>,
}

#[derive(Debug, Clone, Args)]
pub struct ModelsArgs {
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ReportFormat {
    Md,
    Html,
    Json,
}

#[derive(Debug, Clone, Args)]
pub struct ReportArgs {
    /// The run directory (holds run.json).
    #[arg(long)]
    pub run: PathBuf,
    #[arg(long, value_enum, default_value_t = ReportFormat::Md)]
    pub format: ReportFormat,
    /// Write here instead of standard output.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Clone, Args)]
pub struct ActionArgs {
    /// Run even when the issue already has an open octagit PR.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Clone, Args)]
pub struct McpArgs {}

/// Process exit codes, shared by every door.
pub mod exit {
    /// The gate passed with changes (or the command did what was asked).
    pub const OK: i32 = 0;
    /// No fix; the artefacts say why.
    pub const NO_FIX: i32 = 1;
    /// Usage or configuration error.
    pub const USAGE: i32 = 2;
    /// No viable model.
    pub const NO_MODEL: i32 = 3;
}
