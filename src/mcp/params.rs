//! The tools' input schemas. Doc comments become the `description` of each field in the
//! JSON Schema a client sees in `tools/list`, so they are written for the calling model.
//! Unknown fields are refused: a misspelt option must not be silently ignored.

use schemars::JsonSchema;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RunParams {
    /// The repository to fix: a local path (absolute, or relative to the server's working
    /// directory), or a git URL (https://, ssh://, git@host:owner/name, file://) that is
    /// cloned shallowly into a temporary directory that is kept for the artefacts.
    pub repo: String,
    /// The issue as text: the first line is the title, the rest the body (Markdown).
    /// Give this or `issue_number`.
    #[serde(default)]
    pub issue_text: Option<String>,
    /// The GitHub issue number. Without `issue_text` the issue is fetched from GitHub
    /// (needs GITHUB_TOKEN in the server's environment); with it, the number names the
    /// branch and the PR's `Fixes #n`.
    #[serde(default)]
    pub issue_number: Option<u64>,
    /// `owner/name` of the GitHub repository, for fetching the issue and opening the PR.
    /// Default: GITHUB_REPOSITORY, else the repository URL or its `origin` remote.
    #[serde(default)]
    pub github_repo: Option<String>,
    /// The repository's own test command, the gate (e.g. `cargo test`, `pytest -q`).
    /// Detected from Cargo.toml, pyproject, package.json, go.mod or a Makefile when absent.
    #[serde(default)]
    pub test_command: Option<String>,
    /// A command run once before the baseline tests (e.g. `pip install -e .`).
    #[serde(default)]
    pub setup_command: Option<String>,
    /// One model slug tried first, e.g. `anthropic/claude-sonnet-4-5` or `openai/gpt-4o-mini`.
    #[serde(default)]
    pub model: Option<String>,
    /// Model slugs to fall back through, in order, after `model`.
    #[serde(default)]
    pub fallback_chain: Option<Vec<String>>,
    /// Skip the pre-flight audit (price, reachability, context fit) and use the chain as given.
    #[serde(default)]
    pub no_audit: bool,
    /// Most agent turns before the run stops (default 30, or the repo's config).
    #[serde(default)]
    pub max_turns: Option<u32>,
    /// Most dollars of model spend before the run stops.
    #[serde(default)]
    pub max_cost_usd: Option<f64>,
    /// Most wall-clock minutes before the run stops.
    #[serde(default)]
    pub max_minutes: Option<u32>,
    /// Push a branch and open a draft PR when the tests pass (a `-wip` branch when they do
    /// not). Needs GITHUB_TOKEN, `issue_number`, and the GitHub repository.
    #[serde(default)]
    pub open_pr: bool,
    /// Where to write the run's artefacts. Default `<repo>/.octagit/run-<timestamp>`.
    #[serde(default)]
    pub out_dir: Option<String>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenPrParams {
    /// A local clone whose working tree holds the edits to publish.
    pub repo: String,
    /// The issue the change fixes: names the branch (`octagit/issue-<n>-<title>`) and
    /// the PR's `Fixes #n`.
    pub issue_number: u64,
    /// The issue's title, for the branch name and the PR title.
    pub issue_title: String,
    /// What changed and why, for the commit message and the PR body.
    #[serde(default)]
    pub summary: Option<String>,
    /// A run directory of `octagit_run` (holds run.json) whose record fills the PR body with
    /// the tests before and after, the models and the cost. A run whose tests did not pass
    /// is pushed to a `-wip` branch without a PR.
    #[serde(default)]
    pub run_dir: Option<String>,
    /// `owner/name` of the GitHub repository. Default: GITHUB_REPOSITORY, else `origin`.
    #[serde(default)]
    pub github_repo: Option<String>,
    /// The branch the PR targets. Default: the repository's config, else the current branch.
    #[serde(default)]
    pub base_branch: Option<String>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditParams {
    /// A local repository path: its files size the first prompt.
    pub repo: String,
    /// The issue as text: the first line is the title, the rest the body.
    pub issue_text: String,
    /// Model slugs to audit, in order, e.g. `["anthropic/claude-sonnet-4-5",
    /// "openai/gpt-4o-mini"]`. Default: the repository's config, else a built-in set.
    #[serde(default)]
    pub fallback_chain: Option<Vec<String>>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TerrainParams {
    /// A local repository path.
    pub repo: String,
    /// Where to write the SVG. Default `<repo>/.octagit/terrain.svg` (ignored by git).
    #[serde(default)]
    pub output: Option<String>,
    /// A run directory of `octagit_run`: marks the files the agent explored and edited.
    #[serde(default)]
    pub run_dir: Option<String>,
}
