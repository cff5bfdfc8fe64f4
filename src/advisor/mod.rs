//! The post-mortem: what happened, why, what the agent managed, what it cost, and exactly one
//! next step a person can do now.
//!
//! [`deterministic`] is a pure function of the run record with one text per failure class;
//! it is what every report falls back to. [`advise`] asks the cheapest reachable model for a
//! better-worded version, checks the answer hard (length, one next step, no secret) and
//! falls back to the built-in text on any doubt: a wrong post-mortem is worse than a plain one.

mod behaviour;
pub mod eval;

use std::collections::BTreeSet;
use std::sync::OnceLock;
use std::time::Duration;

use chrono::{DateTime, Utc};
use regex::Regex;
use serde::Deserialize;

use crate::config::CONFIG_PATH;
use crate::failure::FailureClass;
use crate::provider::{ChatRequest, Message, ModelClient, ProviderKind, parse_slug};
use crate::report::fmt;
use crate::run_record::{Advice, RunRecord, RunStatus};
use crate::secret::redact;

/// Author of advice no model wrote.
pub const BUILT_IN: &str = "built-in";

const HEADLINE_MAX: usize = 140;
const BODY_MAX: usize = 1_200;
const NEXT_STEP_MAX: usize = 320;
/// The model's whole answer; a longer one did not follow the instructions.
const ANSWER_MAX: usize = 4_000;
const ADVISOR_MAX_TOKENS: u32 = 600;
const ADVISOR_TIMEOUT: Duration = Duration::from_secs(45);

/// The built-in advice for `record`: one text per failure class, filled in with what the
/// record holds (which providers refused their keys, which hop was rate limited and when it
/// resets, which tests failed).
pub fn deterministic(record: &RunRecord) -> Advice {
    let d = match (record.status, record.failure.as_ref()) {
        (RunStatus::Success, _) => success(record),
        (
            _,
            Some(crate::run_record::Failure {
                reason: Some(b), ..
            }),
        ) => behaviour::behaviour(record, *b),
        (_, Some(f)) => match f.class {
            FailureClass::Rate => rate(record),
            FailureClass::Context => context(record),
            FailureClass::Auth => auth(record, false),
            FailureClass::Billing => billing(record, false),
            FailureClass::BadModel => bad_model(record),
            c @ (FailureClass::BadRequest | FailureClass::Transient) => {
                match crate::failure::provider_advice(c, record) {
                    Some((headline, why, next_step)) => Draft {
                        headline,
                        why,
                        next_step,
                    },
                    None => bad_model(record),
                }
            }
            FailureClass::Hallucination => hallucination(record),
            FailureClass::Gate => gate(record),
            FailureClass::Limit => limit(record),
            FailureClass::NoModel => no_model(record),
            FailureClass::Config => config(record),
            FailureClass::Publish => publish(record),
            FailureClass::Cancelled => cancelled(record),
            FailureClass::Internal => internal(record),
        },
        (RunStatus::Running, None) => Draft {
            headline: "The run stopped before it finished".into(),
            why: "The run record was last written while a stage was still running: the process \
                  was killed, ran out of time or crashed before it could say why."
                .into(),
            next_step: format!(
                "Re-run{}; if it stops again, open an issue at {} with run.json attached (it is redacted).",
                rerun_suffix(record),
                issues_url()
            ),
        },
        (RunStatus::Skipped, None) => Draft {
            headline: "Nothing was attempted".into(),
            why: "The run was skipped before any model was called.".into(),
            next_step: format!(
                "Check the trigger conditions and re-run{}.",
                rerun_suffix(record)
            ),
        },
        (RunStatus::Failed, None) => internal(record),
    };
    // The gate's own text for its outcomes (tests weakened, command broken, flaky...).
    let d = crate::gate::advice::for_record(record).map_or(d, |g| Draft {
        headline: g.headline,
        why: g.explanation,
        next_step: g.next_step,
    });
    let mut body = d.why.trim().to_string();
    let managed = managed(record);
    if !managed.is_empty() {
        body.push_str("\n\n");
        body.push_str(&managed);
    }
    Advice {
        author: BUILT_IN.into(),
        headline: redact(&d.headline),
        body: redact(&body),
        next_step: redact(&d.next_step),
    }
}

/// Advice written by `model` (the cheapest reachable hop), validated, or the built-in advice
/// when there is no model, it fails, it is slow, or its answer does not pass the checks.
pub async fn advise(record: &RunRecord, model: Option<&ModelClient>) -> Advice {
    let fallback = deterministic(record);
    let Some(model) = model else {
        return fallback;
    };
    let req = request(record, &fallback);
    let answer = match tokio::time::timeout(ADVISOR_TIMEOUT, model.chat(&req)).await {
        Ok(Ok(resp)) => resp.text,
        Ok(Err(e)) => {
            tracing::debug!(model = model.slug(), error = %e, "advisor model failed; using built-in advice");
            return fallback;
        }
        Err(_) => {
            tracing::debug!(
                model = model.slug(),
                "advisor model timed out; using built-in advice"
            );
            return fallback;
        }
    };
    match validate(&answer) {
        Ok(mut advice) => {
            advice.author = model.slug().to_string();
            advice
        }
        Err(why) => {
            tracing::debug!(model = model.slug(), %why, "advisor answer rejected; using built-in advice");
            fallback
        }
    }
}

struct Draft {
    headline: String,
    why: String,
    next_step: String,
}

// ---------------------------------------------------------------------------------------
// Facts drawn from the record

fn provider_of(name_or_slug: &str) -> Option<ProviderKind> {
    ProviderKind::ALL
        .into_iter()
        .chain([ProviderKind::Scripted])
        .find(|p| p.name() == name_or_slug)
        .or_else(|| parse_slug(name_or_slug).ok().map(|s| s.provider))
}

/// Providers that failed with `class`, in the order they first did, from the hops and the audit.
fn providers_failing(record: &RunRecord, class: FailureClass) -> Vec<ProviderKind> {
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

fn models_failing(record: &RunRecord, class: FailureClass) -> Vec<String> {
    let mut seen = BTreeSet::new();
    record
        .hops
        .iter()
        .filter(|h| h.class == Some(class))
        .map(|h| h.model.clone())
        .filter(|m| seen.insert(m.clone()))
        .collect()
}

/// The chain as configured: the audit's, else the models in the order the hops tried them.
fn chain(record: &RunRecord) -> Vec<String> {
    if let Some(a) = &record.audit
        && !a.chain.is_empty()
    {
        return a.chain.clone();
    }
    let mut seen = BTreeSet::new();
    record
        .hops
        .iter()
        .map(|h| h.model.clone())
        .filter(|m| seen.insert(m.clone()))
        .collect()
}

fn in_action(record: &RunRecord) -> bool {
    record.task.origin == "action"
}

fn rerun_suffix(record: &RunRecord) -> &'static str {
    match record.task.origin.as_str() {
        "action" => " the workflow (or comment the trigger phrase on the issue)",
        "mcp" => " the MCP tool",
        "demo" => " `octagit demo`",
        _ => " `octagit run`",
    }
}

fn issues_url() -> String {
    format!("{}/issues", env!("CARGO_PKG_REPOSITORY"))
}

fn key_env(p: ProviderKind) -> String {
    p.key_envs()
        .first()
        .map(|s| s.to_string())
        .unwrap_or_else(|| format!("{}_API_KEY", p.name().to_uppercase()))
}

fn list(items: &[String]) -> String {
    match items.len() {
        0 => String::new(),
        1 => items[0].clone(),
        2 => format!("{} and {}", items[0], items[1]),
        n => format!("{} and {}", items[..n - 1].join(", "), items[n - 1]),
    }
}

fn code_list(items: &[String], max: usize) -> String {
    let mut shown: Vec<String> = items.iter().take(max).map(|s| format!("`{s}`")).collect();
    if items.len() > max {
        shown.push(format!("{} more", items.len() - max));
    }
    list(&shown)
}

/// A model of another provider to suggest when every hop of the chain failed for reasons
/// tied to its providers (rate, billing).
fn alternative_model(avoid: &[ProviderKind]) -> &'static str {
    const CANDIDATES: [(ProviderKind, &str); 3] = [
        (ProviderKind::Anthropic, "anthropic/claude-haiku-4-5"),
        (ProviderKind::OpenAi, "openai/gpt-4o-mini"),
        (
            ProviderKind::OpenRouter,
            "openrouter/qwen/qwen-2.5-coder-32b-instruct",
        ),
    ];
    CANDIDATES
        .iter()
        .find(|(p, _)| !avoid.contains(p))
        .map(|(_, m)| *m)
        .unwrap_or("ollama/qwen2.5-coder")
}

fn chain_with(record: &RunRecord, extra: &str) -> String {
    let mut c = chain(record);
    c.retain(|m| m != extra);
    c.push(extra.to_string());
    format!("fallback_chain: [{}]", c.join(", "))
}

/// When a rate limit resets, read from the error text: OpenAI "try again in 6m0s", a
/// `retry-after: 20` echoed in the error, or "reset in 30s".
fn reset_after(text: &str) -> Option<Duration> {
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

fn human_wait(d: Duration) -> String {
    let s = d.as_secs();
    if s < 90 {
        format!("{} seconds", s.max(1))
    } else if s < 5400 {
        format!("{} minutes", s.div_ceil(60))
    } else {
        format!("{:.1} hours", s as f64 / 3600.0)
    }
}

fn error_text(record: &RunRecord) -> String {
    let mut t = String::new();
    if let Some(f) = &record.failure {
        t.push_str(&f.message);
        t.push('\n');
        t.push_str(&f.raw);
    }
    t
}

/// A test command to suggest for a repo, guessed from the files the run saw.
fn example_test_command(record: &RunRecord) -> &'static str {
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

/// What the agent did manage, and what it cost: the same paragraph under every advice.
fn managed(record: &RunRecord) -> String {
    let mut parts: Vec<String> = vec![];
    let explored = record.files_explored.len();
    let edited = &record.files_edited;
    if explored > 0 || !edited.is_empty() {
        let mut s = format!(
            "The agent explored {explored} file{}",
            if explored == 1 { "" } else { "s" }
        );
        if edited.is_empty() {
            s.push_str(" and edited none.");
        } else {
            s.push_str(&format!(" and edited {}.", code_list(edited, 5)));
        }
        parts.push(s);
    }
    match (&record.gate.baseline, &record.gate.after) {
        (Some(b), Some(a)) => parts.push(format!(
            "Tests before the edit: {}; after: {}.",
            fmt::test_run(b),
            fmt::test_run(a)
        )),
        (Some(b), None) => parts.push(format!("Tests before any edit: {}.", fmt::test_run(b))),
        _ => {}
    }
    if !record.hops.is_empty() {
        let models = chain_tried(record);
        parts.push(format!(
            "{} model call{} across {} ({}).",
            record.hops.len(),
            if record.hops.len() == 1 { "" } else { "s" },
            if models.len() == 1 {
                "1 model".to_string()
            } else {
                format!("{} models", models.len())
            },
            list(&models)
        ));
    }
    if record.tokens_in + record.tokens_out > 0 || record.cost_usd > 0.0 {
        parts.push(format!(
            "Cost {} for {} tokens in and {} out over {} turn{}.",
            fmt::cost(record.cost_usd),
            fmt::tokens(record.tokens_in),
            fmt::tokens(record.tokens_out),
            record.turns,
            if record.turns == 1 { "" } else { "s" }
        ));
    }
    parts.join(" ")
}

fn chain_tried(record: &RunRecord) -> Vec<String> {
    let mut seen = BTreeSet::new();
    record
        .hops
        .iter()
        .map(|h| h.model.clone())
        .filter(|m| seen.insert(m.clone()))
        .collect()
}

// ---------------------------------------------------------------------------------------
// One text per class

fn success(record: &RunRecord) -> Draft {
    let edited = &record.files_edited;
    let headline = match &record.task.issue_number {
        Some(n) => format!("Fix for #{n} passed the repository's own tests"),
        None => "Fix passed the repository's own tests".into(),
    };
    let mut why = String::new();
    if let Some(s) = &record.finish_summary {
        why.push_str(&format!(
            "The model's summary: {}",
            fmt::clip_chars(s.trim(), 400)
        ));
        why.push_str("\n\n");
    }
    why.push_str(
        "Review it like any contributor's change: the tests passing means nothing that was \
         tested broke, not that the fix is right. Check that the change addresses the issue \
         itself and that no test was weakened.",
    );
    if !record.gate.flaky.is_empty() {
        // A passing gate says nothing about these: the reviewer should know which.
        why.push_str(&format!(
            " {} changed outcome between two runs before any edit (flaky), so the gate left it \
             out: check it by hand.",
            code_list(&record.gate.flaky, 3)
        ));
    }
    let target = match record.publish.as_ref() {
        Some(p) if p.pr_url.is_some() => {
            format!("the draft PR {}", p.pr_url.as_deref().unwrap_or(""))
        }
        Some(p) if p.branch.is_some() && p.pushed => {
            format!("branch `{}`", p.branch.as_deref().unwrap_or(""))
        }
        _ => "the diff (patch.diff in the run directory)".into(),
    };
    let files = if edited.is_empty() {
        String::new()
    } else {
        format!(", starting with {}", code_list(edited, 3))
    };
    let mark = match (
        record.publish.as_ref().is_some_and(|p| p.pr_url.is_some()),
        files.is_empty(),
    ) {
        (true, true) => " and mark it ready for review when satisfied",
        (true, false) => ", and mark it ready for review when satisfied",
        (false, _) => "",
    };
    Draft {
        headline,
        why,
        next_step: format!("Review {target}{files}{mark}."),
    }
}

fn rate(record: &RunRecord) -> Draft {
    let limited = models_failing(record, FailureClass::Rate);
    let providers = providers_failing(record, FailureClass::Rate);
    // Every model's last attempt was a 429: the chain is exhausted, not one hop.
    let all = !record.hops.is_empty()
        && chain_tried(record).iter().all(|m| {
            record
                .hops
                .iter()
                .rev()
                .find(|h| &h.model == m)
                .and_then(|h| h.class)
                == Some(FailureClass::Rate)
        });
    let headline = if all && limited.len() > 1 {
        // The models are listed in the body and the timeline; a headline stays short.
        match limited.len() {
            2 => "Both models in the chain were rate limited".to_string(),
            n => format!("All {n} models in the chain were rate limited"),
        }
    } else if let Some(m) = limited.first() {
        format!("Rate limited on {m}")
    } else {
        "The model provider rate limited the run".into()
    };
    // The earliest moment any limited hop is usable again, from the hops' own error texts
    // (the failure's raw text stands in for a hop that kept none).
    let raw = error_text(record);
    let reset = record
        .hops
        .iter()
        .filter(|h| h.class == Some(FailureClass::Rate))
        .filter_map(|h| {
            let d = reset_after(h.error.as_deref().unwrap_or("")).or_else(|| reset_after(&raw))?;
            // Checked: the wait comes from provider text ("try again in 1e30 hours").
            let at = i64::try_from(d.as_millis())
                .ok()
                .and_then(chrono::Duration::try_milliseconds)
                .and_then(|w| h.at.checked_add_signed(w))?;
            Some((h, d, at))
        })
        .min_by_key(|(_, _, at)| *at);
    let mut why = format!(
        "The provider answered 429 (too many requests or tokens per minute){}. The walker waited \
         where the reset was short and moved to the next hop otherwise, until no hop was left.",
        if providers.is_empty() {
            String::new()
        } else {
            format!(
                " on {}",
                list(
                    &providers
                        .iter()
                        .map(|p| p.name().to_string())
                        .collect::<Vec<_>>()
                )
            )
        }
    );
    let next_step = match reset {
        Some((hop, d, at)) if d <= Duration::from_secs(2 * 3600) => {
            // Round up to the minute: "after 12:06" must not be before the reset.
            let at: DateTime<Utc> = at
                .checked_add_signed(chrono::Duration::seconds(59))
                .unwrap_or(at);
            let at = at.format("%H:%M UTC");
            why.push_str(&format!(
                " The soonest reset is {}'s: {} after its 429 at {}, so around {at}.",
                hop.model,
                human_wait(d),
                fmt::clock(hop.at),
            ));
            format!(
                "Re-run{} after {at}, when the {} limit has reset.",
                rerun_suffix(record),
                hop.model
            )
        }
        _ => {
            let alt = alternative_model(&providers);
            format!(
                "Add a model from another provider to the chain in {CONFIG_PATH}, e.g. `{}`, and re-run.",
                chain_with(record, alt)
            )
        }
    };
    Draft {
        headline,
        why,
        next_step,
    }
}

fn context(record: &RunRecord) -> Draft {
    let models = models_failing(record, FailureClass::Context);
    let prompt = record.audit.as_ref().map(|a| a.prompt_tokens).unwrap_or(0);
    let max_window = record
        .audit
        .iter()
        .flat_map(|a| a.candidates.iter())
        .filter_map(|c| c.context_window)
        .max()
        .unwrap_or(0);
    let headline = match models.first() {
        Some(m) if models.len() == 1 => format!("The prompt did not fit {m}'s context window"),
        Some(_) => format!(
            "The prompt did not fit the context window of {}",
            list(&models)
        ),
        None => "The prompt did not fit the model's context window".into(),
    };
    let mut why = "The model refused the request as too long (context_length_exceeded / prompt is too long). \
                   The walker moved to hops with larger windows and shrank the repository map, but no \
                   hop could take the whole task."
        .to_string();
    if prompt > 0 {
        why.push_str(&format!(
            " The first prompt alone was estimated at {} tokens",
            fmt::tokens(prompt)
        ));
        if max_window > 0 {
            why.push_str(&format!(
                "; the largest window in the audit was {} tokens",
                fmt::tokens(max_window)
            ));
        }
        why.push('.');
    }
    let next_step = if max_window >= 200_000 {
        let hint = record
            .index
            .as_ref()
            .and_then(|i| i.ranked.first())
            .map(|r| format!(" (the ranking's best guess was `{}`)", r.path))
            .unwrap_or_default();
        format!(
            "Edit the issue to name the one file and function to change{hint} so less of the repository is needed, and re-run."
        )
    } else {
        let big = "anthropic/claude-sonnet-4-5";
        let mut c = chain(record);
        c.retain(|m| m != big);
        c.insert(0, big.to_string());
        format!(
            "Put `{big}` (200k-token window) first in {CONFIG_PATH}: `fallback_chain: [{}]`, and re-run.",
            c.join(", ")
        )
    };
    Draft {
        headline,
        why,
        next_step,
    }
}

fn auth(record: &RunRecord, from_audit: bool) -> Draft {
    let providers = providers_failing(record, FailureClass::Auth);
    let names: Vec<String> = providers.iter().map(|p| p.name().to_string()).collect();
    let all_hops = !record.hops.is_empty()
        && record
            .hops
            .iter()
            .all(|h| h.class == Some(FailureClass::Auth));
    let headline = if from_audit {
        "No model can run: no provider accepted a key".into()
    } else if names.len() > 1 || (all_hops && !names.is_empty()) {
        format!("Every provider refused its key ({})", list(&names))
    } else if let Some(n) = names.first() {
        format!("{n} refused the API key")
    } else {
        "A model provider refused the credentials".into()
    };
    // A key that was never set reads differently from one that was refused.
    let missing_text = record
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
    let missing = missing_text
        || error_text(record)
            .to_ascii_lowercase()
            .contains("no credential");
    let why = if missing {
        "No API key was set for the provider(s) in the chain, so no model could be called. \
         OctaGit skips every model of a provider once its key is missing or refused."
            .to_string()
    } else {
        "The provider answered 401/403: the key is mistyped, revoked, expired, or has no access \
         to the model. OctaGit skipped every model of a provider once its key was refused."
            .to_string()
    };
    let first = providers
        .first()
        .copied()
        .unwrap_or(ProviderKind::Anthropic);
    let env = key_env(first);
    let also = if providers.len() > 1 {
        let others: Vec<String> = providers[1..].iter().map(|p| key_env(*p)).collect();
        format!(
            "; one working provider is enough ({} {} refused too)",
            list(&others),
            if others.len() == 1 { "was" } else { "were" }
        )
    } else {
        String::new()
    };
    let verb = if missing { "Add" } else { "Replace" };
    let next_step = if in_action(record) {
        format!(
            "{verb} the repository secret {env} with a valid {} key (Settings → Secrets and variables → Actions) and re-run the workflow{also}.",
            first.name()
        )
    } else {
        format!(
            "Export {env} with a valid {} key and re-run{}{also}.",
            first.name(),
            rerun_suffix(record)
        )
    };
    Draft {
        headline,
        why,
        next_step,
    }
}

fn billing_url(p: ProviderKind) -> &'static str {
    match p {
        ProviderKind::OpenAi => "https://platform.openai.com/settings/organization/billing",
        ProviderKind::Anthropic => "https://console.anthropic.com/settings/billing",
        ProviderKind::OpenRouter => "https://openrouter.ai/credits",
        ProviderKind::HuggingFace => "https://huggingface.co/settings/billing",
        ProviderKind::GitHub => "https://github.com/settings/billing",
        _ => "the provider's billing page",
    }
}

fn billing(record: &RunRecord, from_audit: bool) -> Draft {
    let providers = providers_failing(record, FailureClass::Billing);
    let names: Vec<String> = providers.iter().map(|p| p.name().to_string()).collect();
    let headline = if from_audit {
        "No model can run: no provider has credit left".into()
    } else if names.is_empty() {
        "The model provider has no credit or quota left".into()
    } else {
        format!("No credit or quota left on {}", list(&names))
    };
    let why = "The provider refused the request for billing reasons (insufficient_quota, credit \
               balance too low, or 402). More requests to the same account cannot succeed, so \
               every model of that provider was skipped."
        .to_string();
    let next_step = match providers.first() {
        Some(p) => format!(
            "Add credit to the {} account at {} and re-run.",
            p.name(),
            billing_url(*p)
        ),
        None => format!(
            "Add a model from another provider to the chain in {CONFIG_PATH}, e.g. `{}`, and re-run.",
            chain_with(record, alternative_model(&providers))
        ),
    };
    Draft {
        headline,
        why,
        next_step,
    }
}

fn bad_model(record: &RunRecord) -> Draft {
    let hops: Vec<_> = record
        .hops
        .iter()
        .filter(|h| h.class == Some(FailureClass::BadModel))
        .collect();
    let models = models_failing(record, FailureClass::BadModel);
    let text_of = |h: &&crate::run_record::HopAttempt| {
        h.error.clone().unwrap_or_default().to_ascii_lowercase()
    };
    let unknown: Vec<String> = hops
        .iter()
        .filter(|h| {
            let t = text_of(h);
            h.status == Some(404)
                || t.contains("model_not_found")
                || t.contains("does not exist")
                || t.contains("not_found")
        })
        .map(|h| h.model.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let no_tools: Vec<String> = hops
        .iter()
        .filter(|h| {
            let t = text_of(h);
            t.contains("support tools")
                || t.contains("tool use is not supported")
                || t.contains("tools is not supported")
        })
        .map(|h| h.model.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let headline = match models.len() {
        0 => "The model could not be used".into(),
        1 => format!("{} could not be used", models[0]),
        _ => format!("None of the models could be used ({})", list(&models)),
    };
    let (why, next_step) = if let Some(m) = unknown.first() {
        (
            format!(
                "The provider does not know {} or the key has no access to it (404 model_not_found).",
                code_list(&unknown, 4)
            ),
            format!(
                "Replace `{m}` in `fallback_chain` in {CONFIG_PATH} with a model your key can use (`octagit models` lists them) and re-run."
            ),
        )
    } else if let Some(m) = no_tools.first() {
        (
            format!(
                "{} cannot call tools, and the agent works only through tool calls.",
                code_list(&no_tools, 4)
            ),
            format!(
                "{}, and re-run{}.",
                behaviour::model_with_tools(
                    record,
                    &no_tools,
                    &format!(
                        "Replace `{m}` in `fallback_chain` in {CONFIG_PATH} with a model that calls tools"
                    )
                ),
                rerun_suffix(record)
            ),
        )
    } else {
        let providers: Vec<ProviderKind> = hops
            .iter()
            .filter_map(|h| provider_of(&h.provider).or_else(|| provider_of(&h.model)))
            .collect();
        (
            "The provider was overloaded (529/5xx), unreachable, or did not answer in time. This is \
             usually temporary."
                .to_string(),
            format!(
                "Add a model from another provider to the chain in {CONFIG_PATH}, e.g. `{}`, and re-run.",
                chain_with(record, alternative_model(&providers))
            ),
        )
    };
    Draft {
        headline,
        why,
        next_step,
    }
}

fn hallucination(record: &RunRecord) -> Draft {
    let message = record
        .failure
        .as_ref()
        .map(|f| f.message.trim().to_string())
        .unwrap_or_default();
    let models = models_failing(record, FailureClass::Hallucination);
    let headline = match models.len() {
        0 => "The model's actions did not match the repository".into(),
        1 => format!("{} kept making invalid moves", models[0]),
        2 => "Both models kept making invalid moves".into(),
        n => format!("All {n} models kept making invalid moves"),
    };
    let mut why = String::new();
    if !message.is_empty() {
        why.push_str(&message);
        if !message.ends_with('.') {
            why.push('.');
        }
        why.push(' ');
    }
    why.push_str(
        "Invalid moves are calls to tools that do not exist, bad arguments, edits of text that \
         is not in the file, or a claimed fix the tests refute. Each one was fed back to the \
         model; after repeated ones the walker moves to the next hop with a summary of progress.",
    );
    if !record.handoffs.is_empty() {
        why.push_str(&match record.handoffs.len() {
            1 => " Here it handed over once.".to_string(),
            n => format!(" Here it handed over {n} times."),
        });
    }
    let hint = record
        .index
        .as_ref()
        .and_then(|i| i.ranked.first())
        .map(|r| format!(" (the ranking's best guess was `{}`)", r.path))
        .unwrap_or_default();
    let next_step = format!(
        "Edit the issue to name the file and function to change and the expected behaviour{hint}, and re-run{}.",
        rerun_suffix(record)
    );
    Draft {
        headline,
        why,
        next_step,
    }
}

fn gate(record: &RunRecord) -> Draft {
    let g = &record.gate;
    let Some(cmd) = g.command.clone() else {
        let example = example_test_command(record);
        return Draft {
            headline: "No test command: the fix could not be checked".into(),
            why: "OctaGit opens a PR only when the repository's own tests pass, and it could not \
                  find a test command to run (none configured, none detected)."
                .into(),
            next_step: format!(
                "Set `test_command: {example}` in {CONFIG_PATH} (or pass --test-command) and re-run."
            ),
        };
    };
    if let Some(setup) = g.setup.as_ref().filter(|s| !s.success) {
        let sc = g.setup_command.clone().unwrap_or_default();
        return Draft {
            headline: "The setup command failed before any test ran".into(),
            why: format!(
                "`{sc}` {} so the tests could not run.",
                fmt::test_run(setup)
            ),
            next_step: format!(
                "Fix `setup_command: {sc}` in {CONFIG_PATH} so it succeeds on a clean checkout, and re-run."
            ),
        };
    }
    let baseline_failed: BTreeSet<&String> = g
        .baseline
        .iter()
        .flat_map(|b| b.failed_tests.iter())
        .collect();
    let after = g.after.as_ref();
    if let Some(a) = after.filter(|a| a.timed_out) {
        return Draft {
            headline: "The tests timed out after the edit".into(),
            why: format!("`{cmd}` {}.", fmt::test_run(a)),
            next_step: format!(
                "Set `test_command:` in {CONFIG_PATH} to a faster subset (e.g. `{cmd} <the tests near the change>`) or raise `test_timeout_secs`, and re-run."
            ),
        };
    }
    let new_failures: Vec<String> = after
        .map(|a| {
            a.failed_tests
                .iter()
                .filter(|t| !baseline_failed.contains(t))
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    let baseline_bad = g.baseline.as_ref().is_some_and(|b| !b.success);
    if baseline_bad && new_failures.is_empty() && after.is_some_and(|a| !a.success) {
        let failing: Vec<String> = baseline_failed.iter().map(|s| s.to_string()).collect();
        return Draft {
            headline: "The tests already failed before any edit".into(),
            why: format!(
                "`{cmd}` failed on the base branch too{}, so a passing gate could not show that the fix works.",
                if failing.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", code_list(&failing, 4))
                }
            ),
            next_step: format!(
                "Set `test_command:` in {CONFIG_PATH} to a command that passes on the base branch (e.g. one that leaves out the failing tests), and re-run."
            ),
        };
    }
    let headline = if new_failures.is_empty() {
        "The fix did not pass the repository's tests".to_string()
    } else {
        format!("{} failed after the edit", code_list(&new_failures, 2))
    };
    let mut why = format!(
        "After the edit `{cmd}` {}.",
        after
            .map(fmt::test_run)
            .unwrap_or_else(|| "did not run".into())
    );
    if let Some(v) = &g.verdict {
        why.push(' ');
        why.push_str(v.trim());
    }
    why.push_str(" No PR was opened because the gate did not pass.");
    let branch = record
        .publish
        .as_ref()
        .filter(|p| p.pushed)
        .and_then(|p| p.branch.clone());
    let test = new_failures.first().cloned();
    let next_step = match (branch, test) {
        (Some(b), Some(t)) => format!(
            "Check out branch `{b}` and run `{cmd}` to see `{t}` fail, then finish the fix there."
        ),
        (Some(b), None) => format!(
            "Check out branch `{b}` and run `{cmd}` to see what fails, then finish the fix there."
        ),
        (None, Some(t)) => format!(
            "Add to the issue what `{t}` expects and which code should change, and re-run{}.",
            rerun_suffix(record)
        ),
        (None, None) => format!(
            "Add the expected behaviour and the failing test to the issue, and re-run{}.",
            rerun_suffix(record)
        ),
    };
    Draft {
        headline,
        why,
        next_step,
    }
}

fn limit(record: &RunRecord) -> Draft {
    let text = error_text(record).to_ascii_lowercase();
    let (headline, next_step) =
        if text.contains("cost") || text.contains("budget") || text.contains('$') {
            let cap = ((record.cost_usd * 2.0).max(0.5) * 100.0).ceil() / 100.0;
            (
                format!(
                    "The cost limit was reached ({} spent)",
                    fmt::cost(record.cost_usd)
                ),
                format!("Set `max_cost_usd: {cap:.2}` in {CONFIG_PATH} and re-run."),
            )
        } else if text.contains("minute") || text.contains("time") || text.contains("clock") {
            let mins = fmt::run_duration(record);
            let used = record
                .finished_at
                .map(|e| ((e - record.started_at).num_minutes().max(1) as u64) * 2)
                .unwrap_or(60);
            (
                format!(
                    "The time limit was reached{}",
                    mins.map(|m| format!(" after {m}")).unwrap_or_default()
                ),
                format!("Set `max_minutes: {used}` in {CONFIG_PATH} and re-run."),
            )
        } else {
            (
                format!("The turn limit was reached after {} turns", record.turns),
                format!(
                    "Set `max_turns: {}` in {CONFIG_PATH} and re-run.",
                    (record.turns.max(10)) * 2
                ),
            )
        };
    let why = "The model was still working when a limit stopped it. The work so far is kept: \
               see the diff and the transcript for how far it got."
        .to_string();
    Draft {
        headline,
        why,
        next_step,
    }
}

fn no_model(record: &RunRecord) -> Draft {
    let classes: Vec<FailureClass> = record
        .audit
        .iter()
        .flat_map(|a| a.candidates.iter())
        .filter_map(|c| c.class)
        .collect();
    let count = |c: FailureClass| classes.iter().filter(|x| **x == c).count();
    let dominant = [
        FailureClass::Auth,
        FailureClass::Billing,
        FailureClass::Context,
        FailureClass::Rate,
        FailureClass::BadModel,
    ]
    .into_iter()
    .max_by_key(|c| count(*c))
    .filter(|c| count(*c) > 0);
    let mut d = match dominant {
        Some(FailureClass::Auth) | None => auth(record, true),
        Some(FailureClass::Billing) => billing(record, true),
        Some(FailureClass::Context) => context(record),
        Some(FailureClass::Rate) => rate(record),
        Some(_) => bad_model(record),
    };
    let n = record
        .audit
        .as_ref()
        .map(|a| a.candidates.len())
        .unwrap_or(0);
    d.headline = if n == 0 {
        "No model is configured or reachable".into()
    } else {
        format!("None of the {n} candidate models can do this job now")
    };
    d.why = format!(
        "The pre-flight audit checked every candidate before spending anything and found none \
         usable. {}",
        d.why
    );
    d
}

fn config(record: &RunRecord) -> Draft {
    let msg = record
        .failure
        .as_ref()
        .map(|f| f.message.trim().to_string())
        .unwrap_or_default();
    Draft {
        headline: "The run could not start: configuration problem".into(),
        why: if msg.is_empty() {
            "The configuration or the input could not be used.".into()
        } else {
            msg.clone()
        },
        next_step: if msg.is_empty() {
            format!("Check {CONFIG_PATH} and the action inputs against the README, and re-run.")
        } else {
            format!(
                "Fix what the error names ({}) and re-run.",
                fmt::clip_chars(msg.trim_end_matches('.'), 200)
            )
        },
    }
}

fn publish(record: &RunRecord) -> Draft {
    let p = record.publish.clone().unwrap_or_default();
    let text = format!(
        "{}\n{}",
        p.error.clone().unwrap_or_default(),
        error_text(record)
    )
    .to_ascii_lowercase();
    let kept = match (&p.branch, p.pushed) {
        (Some(b), true) => format!(" The fix is on the pushed branch `{b}`."),
        (Some(b), false) => format!(" The fix is committed locally on `{b}` but was not pushed."),
        _ => String::new(),
    };
    let (headline, why, next_step) = if text
        .contains("not permitted to create or approve pull requests")
    {
        (
            "The fix passed, but GitHub Actions may not open pull requests here".to_string(),
            format!("GitHub refused to open the PR (403): the repository does not allow GitHub Actions to create pull requests.{kept}"),
            "Enable Settings → Actions → General → Allow GitHub Actions to create and approve pull requests, then re-run the workflow."
                .to_string(),
        )
    } else if text.contains("workflow")
        && (text.contains("refusing") || text.contains("permission"))
    {
        (
            "The push was refused because the fix touches a workflow file".to_string(),
            format!("GitHub refuses pushes from GITHUB_TOKEN that change .github/workflows/ without the `workflows` permission.{kept}"),
            "Add `.github/workflows/` to `protected_paths` in .github/octagit.yml so the agent leaves workflow files alone, and re-run."
                .to_string(),
        )
    } else if text.contains("resource not accessible")
        || text.contains("403")
        || text.contains("permission")
    {
        (
            "The token may not push or open pull requests".to_string(),
            format!("GitHub refused the request with the workflow's token.{kept}"),
            "Add `permissions: { contents: write, pull-requests: write, issues: write }` to the workflow job and re-run."
                .to_string(),
        )
    } else if let Some(url) = &p.compare_url {
        (
            "The fix passed, but the pull request could not be opened".to_string(),
            format!("Opening the PR failed.{kept}"),
            format!("Open the pull request by hand: {url}"),
        )
    } else {
        (
            "The fix passed, but it could not be published".to_string(),
            format!("Pushing the branch or opening the PR failed.{kept}"),
            "Check the error below (network, branch protection, token scope) and re-run the workflow.".to_string(),
        )
    };
    Draft {
        headline,
        why,
        next_step,
    }
}

fn cancelled(record: &RunRecord) -> Draft {
    let pushed = record.publish.as_ref().is_some_and(|p| p.pushed);
    Draft {
        headline: "The run was cancelled".into(),
        why: format!(
            "The run was stopped by the user or the client before it finished.{}",
            if pushed {
                " A branch had already been pushed."
            } else {
                " Nothing was published."
            }
        ),
        next_step: format!("Re-run{} when ready.", rerun_suffix(record)),
    }
}

fn internal(record: &RunRecord) -> Draft {
    let msg = record
        .failure
        .as_ref()
        .map(|f| f.message.trim().to_string())
        .unwrap_or_default();
    Draft {
        headline: "OctaGit hit an internal error".into(),
        why: format!(
            "{}This is a bug or an environment fault on OctaGit's side, not something the issue or the models did.",
            if msg.is_empty() {
                String::new()
            } else {
                format!("{msg} ")
            }
        ),
        next_step: format!(
            "Open an issue at {} with run.json from the run directory attached (it is redacted).",
            issues_url()
        ),
    }
}

// ---------------------------------------------------------------------------------------
// The model-written version

const SYSTEM: &str = "You write the post-mortem of an automated coding run for the developer who \
started it. Answer with ONLY a JSON object: {\"headline\": string, \"body\": string, \"next_step\": string}.\n\
- headline: one line, at most 120 characters: what happened.\n\
- body: at most 900 characters of plain English: what happened, why, what the agent did manage, what it cost. No lists, no markdown headings.\n\
- next_step: exactly ONE action a person can do now, concrete enough to copy (a setting path, a config line, a secret name, a command), one sentence, at most 240 characters.\n\
Use only the facts given. Never write API keys, tokens or passwords.";

fn request(record: &RunRecord, fallback: &Advice) -> ChatRequest {
    ChatRequest {
        system: SYSTEM.to_string(),
        messages: vec![Message::user(facts(record, fallback))],
        tools: vec![],
        max_tokens: ADVISOR_MAX_TOKENS,
        temperature: Some(0.2),
    }
}

/// The record, as the bounded, redacted fact sheet the advisor model reads.
fn facts(record: &RunRecord, fallback: &Advice) -> String {
    let mut f = String::new();
    let status = match record.status {
        RunStatus::Success => "success",
        RunStatus::Failed => "failed",
        RunStatus::Skipped => "skipped",
        RunStatus::Running => "did not finish",
    };
    f.push_str(&format!(
        "Issue: {}\nOrigin: {}\nStatus: {status}\n",
        fmt::clip_chars(&record.task.issue_title, 200),
        record.task.origin
    ));
    if let Some(fl) = &record.failure {
        f.push_str(&format!(
            "Failure class: {}\nFailure: {}\nRaw error (truncated):\n{}\n",
            fl.class,
            fmt::clip_chars(&fl.message, 400),
            fmt::clip_chars(&fl.raw, 1500)
        ));
    }
    if !record.hops.is_empty() {
        f.push_str("Model calls:\n");
        for h in record.hops.iter().take(20) {
            f.push_str(&format!(
                "- hop {} {} at {}: {} {}{}\n",
                h.hop,
                h.model,
                fmt::clock(h.at),
                h.class
                    .map(|c| c.to_string())
                    .unwrap_or_else(|| "ok".into()),
                h.status.map(|s| format!("HTTP {s} ")).unwrap_or_default(),
                h.error
                    .as_deref()
                    .map(|e| fmt::error_line(e, 200))
                    .unwrap_or_default()
            ));
        }
        if record.hops.len() > 20 {
            f.push_str(&format!("- and {} more calls\n", record.hops.len() - 20));
        }
    }
    let c = chain(record);
    if !c.is_empty() {
        f.push_str(&format!("Fallback chain: {}\n", c.join(" -> ")));
    }
    if let Some(cmd) = &record.gate.command {
        f.push_str(&format!("Test command: {cmd}\n"));
    }
    if let Some(b) = &record.gate.baseline {
        f.push_str(&format!("Tests before: {}\n", fmt::test_run(b)));
    }
    if let Some(a) = &record.gate.after {
        f.push_str(&format!(
            "Tests after: {} (failing: {})\n",
            fmt::test_run(a),
            a.failed_tests
                .iter()
                .take(10)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    f.push_str(&format!(
        "Files explored: {}; edited: {}\nTurns: {}; tokens in/out: {}/{}; cost: {}\n",
        record.files_explored.len(),
        record
            .files_edited
            .iter()
            .take(10)
            .cloned()
            .collect::<Vec<_>>()
            .join(", "),
        record.turns,
        record.tokens_in,
        record.tokens_out,
        fmt::cost(record.cost_usd)
    ));
    if let Some(p) = &record.publish {
        f.push_str(&format!(
            "Publish: branch {} pushed={} pr={} error={}\n",
            p.branch.as_deref().unwrap_or("-"),
            p.pushed,
            p.pr_url.as_deref().unwrap_or("-"),
            p.error
                .as_deref()
                .map(|e| fmt::first_line(e, 200))
                .unwrap_or_default()
        ));
    }
    f.push_str(&format!(
        "Suggested next step (rephrase or improve, keep it one action): {}\n",
        fallback.next_step
    ));
    redact(&f)
}

#[derive(Deserialize)]
struct Answer {
    headline: String,
    body: String,
    next_step: String,
}

/// Parse and check a model's answer. Anything that does not look like a careful, short,
/// single-step post-mortem is rejected, never patched up.
fn validate(answer: &str) -> Result<Advice, String> {
    if answer.len() > ANSWER_MAX {
        return Err(format!(
            "answer is {} bytes, over {ANSWER_MAX}",
            answer.len()
        ));
    }
    let start = answer.find('{').ok_or("no JSON object in the answer")?;
    let end = answer.rfind('}').ok_or("no JSON object in the answer")?;
    if end < start {
        return Err("no JSON object in the answer".into());
    }
    let a: Answer = serde_json::from_str(&answer[start..=end])
        .map_err(|e| format!("not the asked JSON: {e}"))?;
    let headline = a.headline.trim().to_string();
    let body = a.body.trim().to_string();
    let next_step = a.next_step.trim().to_string();
    let check = |name: &str, v: &str, max: usize| -> Result<(), String> {
        if v.is_empty() {
            return Err(format!("{name} is empty"));
        }
        if v.chars().count() > max {
            return Err(format!("{name} is over {max} characters"));
        }
        if redact(v) != v {
            return Err(format!(
                "{name} contains something that looks like a secret"
            ));
        }
        Ok(())
    };
    check("headline", &headline, HEADLINE_MAX)?;
    check("body", &body, BODY_MAX)?;
    check("next_step", &next_step, NEXT_STEP_MAX)?;
    if headline.contains('\n') || next_step.contains('\n') {
        return Err("headline and next step must be one line each".into());
    }
    static LISTED: OnceLock<Regex> = OnceLock::new();
    let listed = LISTED.get_or_init(|| {
        Regex::new(r"(?:^|\s)(?:1[.)]|\(1\)|[-*•]\s)|\b(?:first|1st)\b.*\b(?:second|2nd)\b")
            .expect("static regex")
    });
    if listed.is_match(&next_step.to_ascii_lowercase()) {
        return Err("next step is a list, not one step".into());
    }
    Ok(Advice {
        author: String::new(),
        headline,
        body,
        next_step,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run_record::{AuditCandidate, AuditReport, HopAttempt, TaskInfo};
    use chrono::TimeZone;

    fn record() -> RunRecord {
        let mut r = RunRecord::new(
            "t",
            TaskInfo {
                repo_path: ".".into(),
                issue_title: "Bug".into(),
                origin: "action".into(),
                issue_number: Some(7),
                ..Default::default()
            },
            false,
        );
        r.started_at = Utc.with_ymd_and_hms(2025, 3, 1, 12, 0, 0).unwrap();
        r
    }

    /// From JSON so fields the audit adds later (all defaulted) do not break the test.
    fn candidate(v: serde_json::Value) -> AuditCandidate {
        let mut v = v;
        for k in [
            "input_per_mtok",
            "output_per_mtok",
            "context_window",
            "fits",
            "supports_tools",
            "tpm_limit",
            "tpm_remaining",
            "rpm_limit",
            "rpm_remaining",
            "est_run_cost_usd",
            "probe_ms",
        ] {
            v.as_object_mut()
                .unwrap()
                .entry(k)
                .or_insert(serde_json::Value::Null);
        }
        serde_json::from_value(v).unwrap()
    }

    fn hop(
        i: usize,
        model: &str,
        provider: &str,
        class: FailureClass,
        status: u16,
        error: &str,
    ) -> HopAttempt {
        HopAttempt {
            hop: i,
            model: model.into(),
            provider: provider.into(),
            at: Utc.with_ymd_and_hms(2025, 3, 1, 12, 0, i as u32).unwrap(),
            class: Some(class),
            status: Some(status),
            error: Some(error.into()),
            latency_ms: 100,
            tokens_in: 0,
            tokens_out: 0,
            cost_usd: 0.0,
            action: "next-hop".into(),
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
    }

    #[test]
    fn auth_names_every_provider_and_the_secret() {
        let mut r = record();
        r.hops.push(hop(
            0,
            "anthropic/claude-sonnet-4-5",
            "anthropic",
            FailureClass::Auth,
            401,
            "invalid x-api-key",
        ));
        r.hops.push(hop(
            1,
            "openai/gpt-4o",
            "openai",
            FailureClass::Auth,
            401,
            "Incorrect API key",
        ));
        r.fail(FailureClass::Auth, "every provider refused its key", "401");
        let a = deterministic(&r);
        assert_eq!(a.author, BUILT_IN);
        assert!(
            a.headline.contains("anthropic and openai"),
            "{}",
            a.headline
        );
        assert!(a.next_step.contains("ANTHROPIC_API_KEY"), "{}", a.next_step);
        assert!(a.next_step.contains("OPENAI_API_KEY"), "{}", a.next_step);
        assert!(
            a.next_step.contains("Settings → Secrets"),
            "{}",
            a.next_step
        );
    }

    #[test]
    fn rate_limit_says_when_it_resets() {
        let mut r = record();
        r.hops.push(hop(
            0,
            "openai/gpt-4o",
            "openai",
            FailureClass::Rate,
            429,
            "Rate limit reached. Please try again in 6m0s.",
        ));
        r.fail(FailureClass::Rate, "rate limited", "429");
        let a = deterministic(&r);
        assert!(a.next_step.contains("12:06 UTC"), "{}", a.next_step);
    }

    #[test]
    fn gate_without_command_suggests_one() {
        let mut r = record();
        r.files_explored = vec!["src/a.py".into(), "tests/test_a.py".into()];
        r.fail(FailureClass::Gate, "no test command", "");
        let a = deterministic(&r);
        assert!(
            a.next_step.contains("test_command: pytest -q"),
            "{}",
            a.next_step
        );
    }

    #[test]
    fn no_model_from_missing_keys() {
        let mut r = record();
        r.audit = Some(AuditReport {
            candidates: vec![candidate(serde_json::json!({
                "slug": "openai/gpt-4o", "provider": "openai", "reachable": false,
                "class": "auth", "reason": "no key: set OPENAI_API_KEY",
                "price_source": "unknown", "viable": false
            }))],
            ..Default::default()
        });
        r.fail(FailureClass::NoModel, "no viable model", "");
        let a = deterministic(&r);
        assert!(
            a.next_step
                .starts_with("Add the repository secret OPENAI_API_KEY"),
            "{}",
            a.next_step
        );
    }

    #[test]
    fn every_class_has_one_step() {
        for class in [
            FailureClass::Rate,
            FailureClass::Context,
            FailureClass::Auth,
            FailureClass::Billing,
            FailureClass::BadModel,
            FailureClass::Hallucination,
            FailureClass::Gate,
            FailureClass::Limit,
            FailureClass::NoModel,
            FailureClass::Config,
            FailureClass::Publish,
            FailureClass::Cancelled,
            FailureClass::Internal,
        ] {
            let mut r = record();
            r.fail(class, "something failed", "raw");
            let a = deterministic(&r);
            assert!(!a.headline.is_empty() && !a.body.is_empty(), "{class}");
            assert!(!a.next_step.contains('\n'), "{class}: {}", a.next_step);
            assert!(
                a.next_step.chars().count() <= NEXT_STEP_MAX,
                "{class}: {}",
                a.next_step
            );
        }
    }

    #[test]
    fn validation_rejects_bad_answers() {
        let ok = r#"Sure: {"headline":"Rate limited","body":"The provider said 429.","next_step":"Re-run after 12:06 UTC."}"#;
        assert!(validate(ok).is_ok());
        assert!(validate("I think you should try again").is_err());
        assert!(validate(r#"{"headline":"","body":"x","next_step":"y"}"#).is_err());
        assert!(validate(r#"{"headline":"h","body":"x","next_step":"1. do a\n2. do b"}"#).is_err());
        assert!(
            validate(r#"{"headline":"h","body":"x","next_step":"First do a, second do b"}"#)
                .is_err()
        );
        let long = format!(
            r#"{{"headline":"h","body":"{}","next_step":"y"}}"#,
            "x".repeat(BODY_MAX + 1)
        );
        assert!(validate(&long).is_err());
        let secret =
            r#"{"headline":"h","body":"key sk-proj-abcdefghijklmnopqrstuvwxyz","next_step":"y"}"#;
        assert!(validate(secret).is_err());
    }
}
