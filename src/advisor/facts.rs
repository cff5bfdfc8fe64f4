//! What the run record says, as the advisor's texts need it: which class failed on which
//! hop and provider, when a rate limit resets, which key is missing, what the gate saw,
//! and which model this user could try next. Pure functions of the record (plus the
//! built-in catalogue and the default chain for a model to suggest), so every text is a
//! template filled from here and no text names a model of its own.

use std::collections::BTreeSet;
use std::sync::OnceLock;
use std::time::Duration;

use chrono::{DateTime, Utc};
use regex::Regex;

use crate::failure::FailureClass;
use crate::provider::{ProviderKind, parse_slug};
use crate::run_record::{HopAttempt, RunRecord};

/// The provider a name or a slug stands for.
pub(super) fn provider_of(name_or_slug: &str) -> Option<ProviderKind> {
    ProviderKind::ALL
        .into_iter()
        .chain([ProviderKind::Scripted])
        .find(|p| p.name() == name_or_slug)
        .or_else(|| parse_slug(name_or_slug).ok().map(|s| s.provider))
}

/// Providers that failed with `class`, in the order they first did, from the hops and the audit.
pub(super) fn providers_failing(record: &RunRecord, class: FailureClass) -> Vec<ProviderKind> {
    let mut out: Vec<ProviderKind> = vec![];
    let hop_names = record
        .hops
        .iter()
        .filter(|h| h.class == Some(class))
        .map(|h| {
            if h.provider.is_empty() {
                h.model.as_str()
            } else {
                h.provider.as_str()
            }
        });
    let audit_names = record
        .audit
        .iter()
        .flat_map(|a| a.candidates.iter())
        .filter(|c| c.class == Some(class))
        .map(|c| {
            if c.provider.is_empty() {
                c.slug.as_str()
            } else {
                c.provider.as_str()
            }
        });
    for name in hop_names.chain(audit_names) {
        if let Some(p) = provider_of(name)
            && !out.contains(&p)
        {
            out.push(p);
        }
    }
    out
}

/// The providers of the hops that failed with `class`, one per failing attempt.
pub(super) fn hop_providers(record: &RunRecord, class: FailureClass) -> Vec<ProviderKind> {
    hops_failing(record, class)
        .filter_map(|h| provider_of(&h.provider).or_else(|| provider_of(&h.model)))
        .collect()
}

fn hops_failing(record: &RunRecord, class: FailureClass) -> impl Iterator<Item = &HopAttempt> {
    record.hops.iter().filter(move |h| h.class == Some(class))
}

/// Models whose hop failed with `class`, each once, in the order they first did.
pub(super) fn models_failing(record: &RunRecord, class: FailureClass) -> Vec<String> {
    unique(hops_failing(record, class).map(|h| h.model.clone()))
}

/// The models the hops tried, each once, in order.
pub(super) fn models_tried(record: &RunRecord) -> Vec<String> {
    unique(record.hops.iter().map(|h| h.model.clone()))
}

fn unique(items: impl Iterator<Item = String>) -> Vec<String> {
    let mut seen = BTreeSet::new();
    items.filter(|m| seen.insert(m.clone())).collect()
}

/// The chain as configured: the audit's, else the models in the order the hops tried them.
pub(super) fn chain(record: &RunRecord) -> Vec<String> {
    match &record.audit {
        Some(a) if !a.chain.is_empty() => a.chain.clone(),
        _ => models_tried(record),
    }
}

/// True when every model's last attempt failed with `class`: the chain is spent, not one hop.
pub(super) fn every_model_ended_with(record: &RunRecord, class: FailureClass) -> bool {
    !record.hops.is_empty()
        && models_tried(record).iter().all(|m| {
            record
                .hops
                .iter()
                .rev()
                .find(|h| &h.model == m)
                .and_then(|h| h.class)
                == Some(class)
        })
}

/// True when every attempt failed with `class`.
pub(super) fn every_hop_failed_with(record: &RunRecord, class: FailureClass) -> bool {
    !record.hops.is_empty() && record.hops.iter().all(|h| h.class == Some(class))
}

pub(super) fn in_action(record: &RunRecord) -> bool {
    record.task.origin == "action"
}

/// The environment variable that holds `p`'s key.
pub(super) fn key_env(p: ProviderKind) -> String {
    p.key_envs()
        .first()
        .map(|s| s.to_string())
        .unwrap_or_else(|| format!("{}_API_KEY", p.name().to_uppercase()))
}

/// The failure's message and raw error, for the texts that read the cause from them.
pub(super) fn error_text(record: &RunRecord) -> String {
    let mut t = String::new();
    if let Some(f) = &record.failure {
        t.push_str(&f.message);
        t.push('\n');
        t.push_str(&f.raw);
    }
    t
}

/// The failure's one-sentence message, trimmed; empty when the run did not fail.
pub(super) fn failure_message(record: &RunRecord) -> String {
    record
        .failure
        .as_ref()
        .map(|f| f.message.trim().to_string())
        .unwrap_or_default()
}

/// A key that was never set, as opposed to one the provider refused.
pub(super) fn key_missing(record: &RunRecord) -> bool {
    let said_by_audit = record
        .audit
        .iter()
        .flat_map(|a| a.candidates.iter())
        .filter(|c| c.class == Some(FailureClass::Auth))
        .filter_map(|c| c.reason.as_deref())
        .any(|r| {
            let r = r.to_ascii_lowercase();
            r.contains("no key")
                || r.contains("no credential")
                || r.contains("not set")
                || r.contains("missing")
        });
    said_by_audit
        || error_text(record)
            .to_ascii_lowercase()
            .contains("no credential")
}

/// The earliest moment a rate-limited hop is usable again.
pub(super) struct Reset<'a> {
    pub hop: &'a HopAttempt,
    pub wait: Duration,
    pub at: DateTime<Utc>,
}

/// The soonest reset of any rate-limited hop, from the hops' own error texts (the
/// failure's raw text stands in for a hop that kept none).
pub(super) fn soonest_reset(record: &RunRecord) -> Option<Reset<'_>> {
    let raw = error_text(record);
    hops_failing(record, FailureClass::Rate)
        .filter_map(|h| {
            let wait =
                reset_after(h.error.as_deref().unwrap_or("")).or_else(|| reset_after(&raw))?;
            // Checked: the wait comes from provider text ("try again in 1e30 hours").
            let at = i64::try_from(wait.as_millis())
                .ok()
                .and_then(chrono::Duration::try_milliseconds)
                .and_then(|w| h.at.checked_add_signed(w))?;
            Some(Reset { hop: h, wait, at })
        })
        .min_by_key(|r| r.at)
}

/// When a rate limit resets, read from the error text: OpenAI "try again in 6m0s", a
/// `retry-after: 20` echoed in the error, or "reset in 30s".
pub(super) fn reset_after(text: &str) -> Option<Duration> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(
            r"(?i)(?:try again in|retry[- ]after[:=]?|resets? in)\s*((?:\d+(?:\.\d+)?\s*(?:ms|h|m|s|seconds?|minutes?|hours?)?\s*)+)",
        )
        .expect("static regex")
    });
    let caps = re.captures(text)?;
    parse_duration(caps.get(1)?.as_str())
}

fn parse_duration(s: &str) -> Option<Duration> {
    static PART: OnceLock<Regex> = OnceLock::new();
    let part = PART.get_or_init(|| {
        Regex::new(r"(\d+(?:\.\d+)?)\s*(ms|hours?|h|minutes?|m|seconds?|s)?").expect("static regex")
    });
    let mut total = 0.0f64;
    let mut any = false;
    for c in part.captures_iter(s) {
        let n: f64 = c[1].parse().ok()?;
        let unit = c.get(2).map(|m| m.as_str()).unwrap_or("s");
        total += match unit {
            "ms" => n / 1000.0,
            u if u.starts_with('h') => n * 3600.0,
            u if u.starts_with("min") || u == "m" => n * 60.0,
            _ => n,
        };
        any = true;
    }
    // Provider text is untrusted: "try again in 1e40 hours" must not panic.
    any.then(|| Duration::try_from_secs_f64(total).ok())
        .flatten()
}

/// The largest context window among the audit's candidates (0 when none is known).
pub(super) fn largest_audit_window(record: &RunRecord) -> u64 {
    record
        .audit
        .iter()
        .flat_map(|a| a.candidates.iter())
        .filter_map(|c| c.context_window)
        .max()
        .unwrap_or(0)
}

/// The first prompt's estimated size, from the audit (0 when there was no audit).
pub(super) fn prompt_tokens(record: &RunRecord) -> u64 {
    record.audit.as_ref().map(|a| a.prompt_tokens).unwrap_or(0)
}

/// The file the ranking put first: the best guess at where the fix goes.
pub(super) fn best_guess_file(record: &RunRecord) -> Option<&str> {
    record
        .index
        .as_ref()
        .and_then(|i| i.ranked.first())
        .map(|r| r.path.as_str())
}

/// A test command to suggest for a repo, guessed from the files the run saw.
pub(super) fn example_test_command(record: &RunRecord) -> &'static str {
    let paths = record
        .files_explored
        .iter()
        .chain(record.files_edited.iter())
        .map(String::as_str)
        .chain(
            record
                .index
                .iter()
                .flat_map(|i| i.ranked.iter().map(|r| r.path.as_str())),
        );
    let mut counts = std::collections::BTreeMap::<&str, usize>::new();
    for p in paths {
        let cmd = match p.rsplit('.').next().unwrap_or("") {
            "py" => "pytest -q",
            "rs" => "cargo test",
            "js" | "ts" | "tsx" | "jsx" | "mjs" => "npm test",
            "go" => "go test ./...",
            "rb" => "bundle exec rake test",
            "java" => "mvn -q test",
            "php" => "vendor/bin/phpunit",
            "c" | "cpp" | "cc" | "h" | "hpp" => "make test",
            _ => continue,
        };
        *counts.entry(cmd).or_default() += 1;
    }
    counts
        .into_iter()
        .max_by_key(|(_, n)| *n)
        .map(|(c, _)| c)
        .unwrap_or("make test")
}

/// Why a model could not be used, read from its failing hops.
pub(super) struct BadModels {
    /// Every model that failed as bad-model, in order.
    pub models: Vec<String>,
    /// Models the provider does not know (404 model_not_found), sorted.
    pub unknown: Vec<String>,
    /// Models that cannot call tools, sorted.
    pub no_tools: Vec<String>,
}

pub(super) fn bad_models(record: &RunRecord) -> BadModels {
    let text_of = |h: &HopAttempt| h.error.clone().unwrap_or_default().to_ascii_lowercase();
    let sorted = |pred: &dyn Fn(&HopAttempt) -> bool| -> Vec<String> {
        hops_failing(record, FailureClass::BadModel)
            .filter(|h| pred(h))
            .map(|h| h.model.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect()
    };
    let unknown = sorted(&|h| {
        let t = text_of(h);
        h.status == Some(404)
            || t.contains("model_not_found")
            || t.contains("does not exist")
            || t.contains("not_found")
    });
    let no_tools = sorted(&|h| {
        let t = text_of(h);
        t.contains("support tools")
            || t.contains("tool use is not supported")
            || t.contains("tools is not supported")
    });
    BadModels {
        models: models_failing(record, FailureClass::BadModel),
        unknown,
        no_tools,
    }
}

/// The class most audit candidates failed with, among those a person can act on.
pub(super) fn dominant_audit_class(record: &RunRecord) -> Option<FailureClass> {
    let classes: Vec<FailureClass> = record
        .audit
        .iter()
        .flat_map(|a| a.candidates.iter())
        .filter_map(|c| c.class)
        .collect();
    let count = |c: FailureClass| classes.iter().filter(|x| **x == c).count();
    [
        FailureClass::Auth,
        FailureClass::Billing,
        FailureClass::Context,
        FailureClass::Rate,
        FailureClass::BadModel,
    ]
    .into_iter()
    .max_by_key(|c| count(*c))
    .filter(|c| count(*c) > 0)
}

pub(super) fn audit_candidate_count(record: &RunRecord) -> usize {
    record
        .audit
        .as_ref()
        .map(|a| a.candidates.len())
        .unwrap_or(0)
}

/// What the gate saw, for the gate's texts.
pub(super) struct GateFacts {
    /// Tests that failed after the edit and not before.
    pub new_failures: Vec<String>,
    /// Tests that failed before any edit.
    pub baseline_failed: Vec<String>,
    pub baseline_bad: bool,
    pub after_failed: bool,
}

pub(super) fn gate_facts(record: &RunRecord) -> GateFacts {
    let g = &record.gate;
    let baseline_failed: BTreeSet<&String> = g
        .baseline
        .iter()
        .flat_map(|b| b.failed_tests.iter())
        .collect();
    let new_failures = g
        .after
        .iter()
        .flat_map(|a| a.failed_tests.iter())
        .filter(|t| !baseline_failed.contains(t))
        .cloned()
        .collect();
    GateFacts {
        new_failures,
        baseline_failed: baseline_failed.into_iter().cloned().collect(),
        baseline_bad: g.baseline.as_ref().is_some_and(|b| !b.success),
        after_failed: g.after.as_ref().is_some_and(|a| !a.success),
    }
}

/// The branch the run pushed, if it pushed one.
pub(super) fn pushed_branch(record: &RunRecord) -> Option<String> {
    record
        .publish
        .as_ref()
        .filter(|p| p.pushed)
        .and_then(|p| p.branch.clone())
}

/// Which limit stopped the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum LimitHit {
    Cost,
    Time,
    Turns,
}

pub(super) fn limit_hit(record: &RunRecord) -> LimitHit {
    let text = error_text(record).to_ascii_lowercase();
    if text.contains("cost") || text.contains("budget") || text.contains('$') {
        LimitHit::Cost
    } else if text.contains("minute") || text.contains("time") || text.contains("clock") {
        LimitHit::Time
    } else {
        LimitHit::Turns
    }
}

/// How GitHub refused to take the fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum PublishRefusal {
    /// The repository does not let Actions open pull requests.
    ActionsMayNotOpenPrs,
    /// The push changes a workflow file without the `workflows` permission.
    WorkflowFile,
    /// The token may not push or open pull requests.
    TokenScope,
    /// The branch is there but the PR could not be opened: the compare URL.
    PrNotOpened(String),
    Other,
}

pub(super) fn publish_refusal(record: &RunRecord) -> PublishRefusal {
    let p = record.publish.clone().unwrap_or_default();
    let text = format!(
        "{}\n{}",
        p.error.clone().unwrap_or_default(),
        error_text(record)
    )
    .to_ascii_lowercase();
    if text.contains("not permitted to create or approve pull requests") {
        PublishRefusal::ActionsMayNotOpenPrs
    } else if text.contains("workflow")
        && (text.contains("refusing") || text.contains("permission"))
    {
        PublishRefusal::WorkflowFile
    } else if text.contains("resource not accessible")
        || text.contains("403")
        || text.contains("permission")
    {
        PublishRefusal::TokenScope
    } else if let Some(url) = p.compare_url {
        PublishRefusal::PrNotOpened(url)
    } else {
        PublishRefusal::Other
    }
}

// ---------------------------------------------------------------------------------------
// A model to suggest: from what this run reached, else the default chain

/// The provider of the default chain's first model: whose key a user with none sets first.
pub(super) fn default_chain_provider() -> Option<ProviderKind> {
    crate::audit::default_candidates()
        .iter()
        .find_map(|s| provider_of(s))
}

/// A model of a provider not in `avoid`, to add when the chain's providers failed it
/// (rate, billing, overload): one the audit reached, else the first such model of the
/// default chain. `None` when every provider the run knows of is in `avoid`.
pub(super) fn model_elsewhere(record: &RunRecord, avoid: &[ProviderKind]) -> Option<String> {
    let elsewhere = |slug: &str| provider_of(slug).is_some_and(|p| !avoid.contains(&p));
    let reached = record
        .audit
        .iter()
        .flat_map(|a| a.candidates.iter())
        .filter(|c| c.reachable && c.class.is_none())
        .map(|c| c.slug.clone());
    reached
        .chain(crate::audit::default_candidates())
        .find(|s| elsewhere(s))
}

/// A model whose window is larger than every window this run saw, with that window: an
/// audit candidate that did not overflow, else the first such model of the default chain
/// (its window from the built-in catalogue).
pub(super) fn model_with_larger_window(record: &RunRecord) -> Option<(String, u64)> {
    let overflowed: BTreeSet<String> = models_failing(record, FailureClass::Context)
        .into_iter()
        .collect();
    let seen = largest_audit_window(record);
    let reached = record
        .audit
        .iter()
        .flat_map(|a| a.candidates.iter())
        .filter(|c| c.reachable && c.class.is_none() && !overflowed.contains(&c.slug))
        .filter_map(|c| Some((c.slug.clone(), c.context_window?)))
        .filter(|(_, w)| *w > seen);
    let catalogue = crate::audit::Catalogue::built_in(None);
    let defaults = crate::audit::default_candidates()
        .into_iter()
        .filter(|s| !overflowed.contains(s))
        .filter_map(|s| {
            let spec = parse_slug(&s).ok()?;
            let window = crate::audit::pricing::lookup(&spec, &[&catalogue]).context_window?;
            Some((s, window))
        })
        .filter(|(_, w)| *w > seen);
    reached.chain(defaults).next()
}

/// A model with tool calling this user can run, best evidence first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum ToolModel {
    /// Reachable now, and it answered the audit's tool probe with a call.
    Reached(String),
    /// A hosted model whose key is missing or refused: the user adds the key.
    NeedsKey(String, ProviderKind),
    /// A local model (or one of no known provider): nothing to set.
    Other(String),
}

/// Never one in `avoid` or one this run already saw misbehave: a model the audit reached
/// that answered its tool probe with a call, else one whose key is missing, else the first
/// model of the default chain.
pub(super) fn model_with_tools(record: &RunRecord, avoid: &[String]) -> ToolModel {
    let failing: BTreeSet<&str> = record
        .behaviour
        .iter()
        .map(|f| f.model.as_str())
        .chain(avoid.iter().map(String::as_str))
        .collect();
    let candidates: Vec<_> = record
        .audit
        .iter()
        .flat_map(|a| a.candidates.iter())
        .filter(|c| !failing.contains(c.slug.as_str()) && c.supports_tools != Some(false))
        .collect();
    if let Some(c) = candidates
        .iter()
        .find(|c| c.reachable && c.supports_tools == Some(true))
    {
        return ToolModel::Reached(c.slug.clone());
    }
    let missing_key = candidates
        .iter()
        .find(|c| c.class == Some(FailureClass::Auth))
        .map(|c| c.slug.clone());
    let slug = missing_key.unwrap_or_else(|| {
        crate::audit::default_candidates()
            .into_iter()
            .find(|s| !failing.contains(s.as_str()))
            .unwrap_or_default()
    });
    match provider_of(&slug) {
        Some(p) if !p.is_local() => ToolModel::NeedsKey(slug, p),
        _ => ToolModel::Other(slug),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run_record::{AuditCandidate, AuditReport, TaskInfo};

    fn record() -> RunRecord {
        RunRecord::new("t", TaskInfo::default(), false)
    }

    fn reached(slug: &str, window: u64) -> AuditCandidate {
        AuditCandidate {
            slug: slug.into(),
            provider: slug.split('/').next().unwrap_or_default().into(),
            reachable: true,
            context_window: Some(window),
            supports_tools: Some(true),
            viable: true,
            ..Default::default()
        }
    }

    #[test]
    fn durations_from_error_texts() {
        assert_eq!(
            reset_after("Please try again in 6m0s. Visit"),
            Some(Duration::from_secs(360))
        );
        assert_eq!(
            reset_after("Please try again in 1.5s."),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(
            reset_after("retry-after: 20"),
            Some(Duration::from_secs(20))
        );
        assert_eq!(reset_after("nothing here"), None);
        assert!(reset_after("try again in 1e40 hours").is_none_or(|d| d > Duration::ZERO));
    }

    #[test]
    fn a_model_elsewhere_comes_from_the_audit_then_the_default_chain() {
        let mut r = record();
        r.audit = Some(AuditReport {
            candidates: vec![
                reached("openai/gpt-x", 100),
                reached("mistral/m-large", 100),
            ],
            ..Default::default()
        });
        let got = model_elsewhere(&r, &[ProviderKind::OpenAi]);
        assert_eq!(got.as_deref(), Some("mistral/m-large"));
        // Nothing reached elsewhere: the default chain's first model of another provider.
        let got = model_elsewhere(&r, &[ProviderKind::OpenAi, ProviderKind::Mistral]).unwrap();
        assert!(crate::audit::default_candidates().contains(&got), "{got}");
        assert_ne!(provider_of(&got), Some(ProviderKind::OpenAi));
    }

    #[test]
    fn a_larger_window_is_larger_than_every_window_seen() {
        let mut r = record();
        r.audit = Some(AuditReport {
            candidates: vec![reached("openai/small", 1_000)],
            ..Default::default()
        });
        let (slug, window) = model_with_larger_window(&r).unwrap();
        assert!(window > 1_000, "{slug}: {window}");
        assert!(crate::audit::default_candidates().contains(&slug));
        // Nothing known is larger than the largest window there is.
        r.audit.as_mut().unwrap().candidates = vec![reached("openai/huge", u64::MAX)];
        assert_eq!(model_with_larger_window(&r), None);
    }
}
