//! The run record: every stage appends to it, every report is rendered from it, and it is
//! written to `run.json` after each stage so a run that dies mid-way still leaves it.

use std::path::Path;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use crate::agent::behaviour::Behaviour;
use crate::failure::FailureClass;

pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RunRecord {
    pub schema_version: u32,
    /// True for `octagit demo`: every report says DEMO.
    pub demo: bool,
    pub run_id: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub task: TaskInfo,
    /// What was stripped from the issue text before any model saw it.
    #[serde(default)]
    pub sanitized: Vec<String>,
    pub status: RunStatus,
    pub failure: Option<Failure>,
    /// Stage by stage, for the progress comment and the timeline.
    #[serde(default)]
    pub stages: Vec<StageRecord>,
    pub index: Option<IndexSummary>,
    pub audit: Option<AuditReport>,
    /// Every model call attempt, in order, across hops.
    #[serde(default)]
    pub hops: Vec<HopAttempt>,
    /// Each time the walker moved to another hop mid-run, with the summary it handed over.
    #[serde(default)]
    pub handoffs: Vec<Handoff>,
    /// Hops abandoned for their model's behaviour, in order.
    #[serde(default)]
    pub behaviour: Vec<BehaviourFinding>,
    pub turns: u32,
    pub tokens_in: u64,
    pub tokens_out: u64,
    pub cost_usd: f64,
    pub gate: GateRecord,
    #[serde(default)]
    pub files_explored: Vec<String>,
    #[serde(default)]
    pub files_edited: Vec<String>,
    /// The final diff against the base (redacted).
    pub diff: Option<String>,
    pub diff_stat: Option<DiffStat>,
    /// The model's own summary of its fix (from the `finish` tool).
    pub finish_summary: Option<String>,
    pub advice: Option<Advice>,
    /// The advisor model's calls (purpose `advisor`), counted in `cost_usd`; empty when
    /// the built-in text was used without asking a model.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub advisor_attempts: Vec<HopAttempt>,
    pub publish: Option<PublishRecord>,
    /// The terrain picture as published for people on GitHub (the assets branch), or why
    /// it could not be. Set by the action after the pipeline.
    #[serde(default)]
    pub terrain_image: Option<TerrainImage>,
    /// File names written into the run directory.
    #[serde(default)]
    pub artefacts: Vec<String>,
    #[serde(default)]
    pub warnings: Vec<String>,
    /// How the commands were isolated, and what was kept out of the commit.
    #[serde(default)]
    pub sandbox: Option<crate::sandbox::SandboxRecord>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct TaskInfo {
    pub repo_path: String,
    /// `owner/name` when known.
    pub repo_slug: Option<String>,
    pub issue_number: Option<u64>,
    pub issue_title: String,
    pub issue_url: Option<String>,
    pub base_branch: Option<String>,
    /// Where the run came from: cli, action, mcp, demo.
    pub origin: String,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    Running,
    /// The gate passed with changes.
    Success,
    /// No fix: the failure says why.
    Failed,
    /// Nothing was attempted (trigger gating, closed issue, ...): the failure says why.
    Skipped,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Failure {
    pub class: FailureClass,
    /// One plain sentence.
    pub message: String,
    /// The real error text (redacted), always shown below the advice.
    pub raw: String,
    /// The model behaviour that ended the run, when one did (prose only, broken calls...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<Behaviour>,
}

/// A hop the loop abandoned for how its model behaved, not for what the provider said.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct BehaviourFinding {
    pub hop: usize,
    pub model: String,
    pub behaviour: Behaviour,
    /// Turns of that hop the verdict rests on.
    pub turns: u32,
    pub detail: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct StageRecord {
    pub name: String,
    pub status: StageStatus,
    pub duration_ms: u64,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum StageStatus {
    Ok,
    Failed,
    Skipped,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct IndexSummary {
    pub files: usize,
    pub parsed: usize,
    pub cached: usize,
    pub skipped: usize,
    pub symbols: usize,
    pub duration_ms: u64,
    /// The top of the issue-to-file ranking.
    pub ranked: Vec<RankedEntry>,
    /// Compact text heatmap of the terrain (the job summary cannot show SVG).
    pub heatmap: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RankedEntry {
    pub path: String,
    pub score: f64,
    pub reason: String,
}

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum PriceSource {
    Live,
    Cache,
    BuiltIn,
    Local,
    #[default]
    Unknown,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct AuditReport {
    pub candidates: Vec<AuditCandidate>,
    /// The ranked chain of viable slugs, in the order the walker will try them.
    pub chain: Vec<String>,
    /// Estimated tokens of the first prompt.
    pub prompt_tokens: u64,
    /// How the estimate was made: tiktoken, or Anthropic count_tokens.
    pub prompt_tokens_method: String,
    pub risk_note: String,
    /// Model slug that wrote the risk note, or `built-in`.
    pub risk_note_author: String,
    pub duration_ms: u64,
    /// Turns the cost and headroom estimates assume.
    #[serde(default)]
    pub est_turns: u32,
    /// Estimated input tokens of an average turn (the context grows as tool results pile up).
    #[serde(default)]
    pub tokens_per_turn: u64,
    /// True when the chain is the user's own (kept in their order, dead hops dropped).
    #[serde(default)]
    pub user_chain: bool,
    /// Why live prices were not used, when they were not.
    #[serde(default)]
    pub pricing_note: Option<String>,
    /// When no hop is viable: the one thing to do first.
    #[serde(default)]
    pub next_step: Option<String>,
    /// Every model call the audit made (probes, the risk note), counted in the run's cost.
    #[serde(default)]
    pub attempts: Vec<HopAttempt>,
    /// What those calls cost, in USD (part of the run's `cost_usd`).
    #[serde(default)]
    pub cost_usd: f64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct AuditCandidate {
    pub slug: String,
    pub provider: String,
    pub reachable: bool,
    /// Why it cannot be used, classified, when it cannot.
    pub class: Option<FailureClass>,
    pub reason: Option<String>,
    pub input_per_mtok: Option<f64>,
    pub output_per_mtok: Option<f64>,
    pub price_source: PriceSource,
    pub context_window: Option<u64>,
    pub fits: Option<bool>,
    pub supports_tools: Option<bool>,
    pub tpm_limit: Option<u64>,
    pub tpm_remaining: Option<u64>,
    pub rpm_limit: Option<u64>,
    pub rpm_remaining: Option<u64>,
    pub est_run_cost_usd: Option<f64>,
    pub probe_ms: Option<u64>,
    pub viable: bool,
    /// What to do about `reason`, in a few words.
    #[serde(default)]
    pub next_step: Option<String>,
    /// The prompt size the fit was judged on (Anthropic's exact count where it answered).
    #[serde(default)]
    pub prompt_tokens: Option<u64>,
    /// Turns of the estimated size that the remaining token budget covers.
    #[serde(default)]
    pub headroom_turns: Option<f64>,
    /// Annotations: window unknown, tight budget, price source, ...
    #[serde(default)]
    pub notes: Vec<String>,
    /// The parameters an agent turn sends this model (`temperature=0, max_tokens=4096`;
    /// reasoning models: no temperature, `max_completion_tokens`, `reasoning_effort`).
    #[serde(default)]
    pub params: Option<String>,
    /// USD per million prompt tokens read from the provider's cache, when known.
    #[serde(default)]
    pub cache_read_per_mtok: Option<f64>,
    /// USD per million prompt tokens written to the cache (Anthropic), when known.
    #[serde(default)]
    pub cache_write_per_mtok: Option<f64>,
    /// What the model accepts, and where that came from.
    #[serde(default)]
    pub caps: Option<crate::provider::Capabilities>,
    /// The price is unknown and the run counts it at a conservative default.
    #[serde(default)]
    pub price_assumed: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct HopAttempt {
    /// Position in the chain (0-based).
    pub hop: usize,
    pub model: String,
    pub provider: String,
    pub at: DateTime<Utc>,
    /// `None` on success.
    pub class: Option<FailureClass>,
    pub status: Option<u16>,
    pub error: Option<String>,
    pub latency_ms: u64,
    pub tokens_in: u64,
    pub tokens_out: u64,
    pub cost_usd: f64,
    /// What the walker did next: `retry`, `next-hop`, `skip-provider`, `move-on` (a
    /// transient failure: the hop stays usable later), or empty on success.
    pub action: String,
    /// Which try on this hop this was within one call (0 = the first).
    #[serde(default)]
    pub retry: u32,
    /// How long the walker waited before the next try, when it retried.
    #[serde(default)]
    pub wait_ms: Option<u64>,
    /// Parameters the provider refused by name and the call was resent without.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dropped_params: Vec<String>,
    /// What the call was for, when not an agent turn: `probe`, `risk-note`, `advisor`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
    /// Prompt tokens read from the provider's cache (billed at the cache price).
    #[serde(default)]
    pub cache_read_tokens: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Handoff {
    pub from: String,
    pub to: String,
    pub reason: String,
    /// The compact summary of progress handed to the next model.
    pub summary: String,
    pub at_turn: u32,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct GateRecord {
    pub command: Option<String>,
    /// How the command was chosen: `config`, `flag`, `input`, or `detected from Cargo.toml`.
    pub source: Option<String>,
    pub setup_command: Option<String>,
    pub setup: Option<TestRun>,
    pub baseline: Option<TestRun>,
    pub after: Option<TestRun>,
    pub passed: Option<bool>,
    /// Why the gate passed or failed, in one sentence.
    pub verdict: Option<String>,
    /// Whether the baseline ran tests at all, and the error line when it did not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health: Option<BaselineHealth>,
    /// The second run of a failing baseline, to find flaky tests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline_rerun: Option<TestRun>,
    /// Tests whose outcome differed between the two baseline runs: left out of the verdict.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flaky: Vec<String>,
    /// Config `allow_test_changes`: deleting or skipping baseline tests does not fail the gate.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub allow_test_changes: bool,
    /// The comparisons of the last verdict that failed (empty when it passed).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub comparisons: Vec<Comparison>,
    /// The test files the agent changed, the tests it added, and which of them are proven.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_changes: Option<TestChanges>,
}

/// What the baseline run was: tests ran (some may fail), or the command could not run any.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct BaselineHealth {
    /// True when tests ran; false when the command could not run a single test.
    pub ran_tests: bool,
    /// `tests-ran`, `command-not-found`, `pytest-usage-error`, `no-tests-collected`,
    /// `loader-error`, `import-error`, `timeout`.
    pub kind: String,
    /// The real error line from the output, quoted in the advice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_line: Option<String>,
}

/// One failed comparison between the baseline and the after-run, naming its tests.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Comparison {
    /// `regressed`, `missing`, `newly-skipped`, `fewer-ran`, `no-fix`, `targets-failing`,
    /// `added-failing`, `no-added-test`, `exit-nonzero`, `timed-out`.
    pub kind: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tests: Vec<String>,
    /// One sentence.
    pub detail: String,
}

/// The agent's test edits, for the PR body and the reviewer.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct TestChanges {
    /// Test files the agent changed or created (root-relative).
    pub files: Vec<String>,
    /// Tests that ran after the edits and not at baseline.
    #[serde(default)]
    pub added: Vec<String>,
    /// Each added or changed test, re-run against the original source.
    #[serde(default)]
    pub proofs: Vec<TestProof>,
    /// Why no proof was made or what limited it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TestProof {
    pub test: String,
    /// Outcome on the original source with the agent's test files (None: it did not run).
    pub before: Option<TestOutcome>,
    pub after: Option<TestOutcome>,
    /// Fails before, passes after: a regression test.
    pub proven: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TestOutcome {
    Passed,
    Failed,
    Error,
    Skipped,
}

impl TestOutcome {
    pub fn is_failure(self) -> bool {
        matches!(self, TestOutcome::Failed | TestOutcome::Error)
    }
}

/// One test the runner named, with its outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestCase {
    pub name: String,
    pub outcome: TestOutcome,
    /// The file it lives in, when the runner said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct TestRun {
    pub exit_code: Option<i32>,
    pub success: bool,
    pub timed_out: bool,
    pub duration_ms: u64,
    /// Test names parsed from the output that failed.
    pub failed_tests: Vec<String>,
    /// Test names parsed from the output that passed.
    pub passed_tests: Vec<String>,
    /// Counts as the runner printed them, when it did.
    pub passed_count: Option<u64>,
    pub failed_count: Option<u64>,
    /// The end of the output (redacted, truncated with a note).
    pub output_tail: String,
    /// Every test the runner named with its outcome, when its output lists them all
    /// (empty: only the failure lines and counts above are known).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tests: Vec<TestCase>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skipped_count: Option<u64>,
    /// Which reader found the results: `junit`, `unittest-hook` or `text`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parser: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct DiffStat {
    pub files: usize,
    pub insertions: usize,
    pub deletions: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Advice {
    /// Model slug that wrote it, or `built-in`.
    pub author: String,
    /// One line: what happened.
    pub headline: String,
    /// Plain-English explanation: what happened, why, what was managed, what it cost.
    pub body: String,
    /// Exactly one thing a person can do now.
    pub next_step: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct PublishRecord {
    pub branch: Option<String>,
    pub pushed: bool,
    pub commit: Option<String>,
    pub pr_url: Option<String>,
    pub pr_number: Option<u64>,
    pub draft: Option<bool>,
    /// A pre-filled compare URL, when the PR could not be opened.
    pub compare_url: Option<String>,
    pub comment_url: Option<String>,
    pub error: Option<String>,
    pub notes: Vec<String>,
}

/// `terrain.svg` and `terrain.png` committed to the assets branch, embeddable by URL.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct TerrainImage {
    pub branch: String,
    /// The assets commit that holds the pictures (URLs pin it, so later runs cannot change
    /// what an old comment shows).
    pub commit: Option<String>,
    /// `<server>/<owner>/<repo>/raw/<commit>/runs/<id>/terrain.svg`.
    pub svg_url: Option<String>,
    pub png_url: Option<String>,
    /// Why there is no picture (push refused, assets turned off, no terrain drawn).
    pub error: Option<String>,
}

impl RunRecord {
    pub fn new(run_id: impl Into<String>, task: TaskInfo, demo: bool) -> Self {
        RunRecord {
            schema_version: SCHEMA_VERSION,
            demo,
            run_id: run_id.into(),
            started_at: Utc::now(),
            finished_at: None,
            task,
            sanitized: vec![],
            status: RunStatus::Running,
            failure: None,
            stages: vec![],
            index: None,
            audit: None,
            hops: vec![],
            handoffs: vec![],
            behaviour: vec![],
            turns: 0,
            tokens_in: 0,
            tokens_out: 0,
            cost_usd: 0.0,
            gate: GateRecord::default(),
            files_explored: vec![],
            files_edited: vec![],
            diff: None,
            diff_stat: None,
            finish_summary: None,
            advice: None,
            advisor_attempts: vec![],
            publish: None,
            terrain_image: None,
            artefacts: vec![],
            warnings: vec![],
            sandbox: None,
        }
    }

    /// Mark the run failed with a class; the first failure wins, later ones become warnings.
    pub fn fail(
        &mut self,
        class: FailureClass,
        message: impl Into<String>,
        raw: impl Into<String>,
    ) {
        let message = crate::secret::redact(&message.into());
        let raw = crate::secret::redact(&raw.into());
        if self.failure.is_some() {
            self.warnings.push(format!("{class}: {message}"));
            return;
        }
        self.status = RunStatus::Failed;
        self.failure = Some(Failure {
            class,
            message,
            raw,
            reason: None,
        });
    }

    /// Like [`RunRecord::fail`], naming the model behaviour that ended the run.
    pub fn fail_for_behaviour(&mut self, behaviour: Behaviour, raw: impl Into<String>) {
        let first = self.failure.is_none();
        self.fail(
            behaviour.class(),
            format!("the model could not do the work: {}", behaviour.as_str()),
            raw,
        );
        if first && let Some(f) = self.failure.as_mut() {
            f.reason = Some(behaviour);
        }
    }

    pub fn failure_class(&self) -> Option<FailureClass> {
        self.failure.as_ref().map(|f| f.class)
    }

    /// Write `run.json` into `dir`, redacted. Written atomically so a reader never sees half.
    pub fn write(&self, dir: &Path) -> std::io::Result<()> {
        let json = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        let json = crate::secret::redact(&json);
        let tmp = dir.join(".run.json.tmp");
        std::fs::write(&tmp, json)?;
        std::fs::rename(tmp, dir.join("run.json"))
    }

    pub fn read(dir: &Path) -> Result<RunRecord, String> {
        let path = dir.join("run.json");
        let text = std::fs::read_to_string(&path).map_err(|e| {
            format!(
                "cannot read {}: {e}; point --run at a run directory",
                path.display()
            )
        })?;
        serde_json::from_str(&text)
            .map_err(|e| format!("{} is not a run record: {e}", path.display()))
    }
}
