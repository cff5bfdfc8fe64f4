//! The built-in advice: one table entry per failure class ([`TABLE`]), each a template
//! filled from the record's facts (`super::facts`). No text names a model of its own: a
//! model to suggest comes from what the run reached, the default chain or the catalogue.
//!
//! `provider.rs` holds the texts of the classes a provider's answer decides (rate, context,
//! auth, billing, bad-model, bad-request, transient, no-model), `outcome.rs` those of the
//! run-level outcomes (success, hallucination, gate, limit, config, publish, cancelled,
//! internal); `super::behaviour` the texts for runs a model's behaviour ended.

mod outcome;
mod provider;

use super::{BUILT_IN, behaviour, facts};
use crate::failure::FailureClass;
use crate::report::fmt;
use crate::run_record::{Advice, Failure, RunRecord, RunStatus};
use crate::secret::redact;

/// One advice before the shared paragraph is added: what happened, why, the one next step.
pub(super) struct Draft {
    pub headline: String,
    pub why: String,
    pub next_step: String,
}

type Template = fn(&RunRecord) -> Draft;

/// The text of each failure class. Every class has exactly one entry
/// (`tests::every_class_has_one_entry`).
const TABLE: [(FailureClass, Template); 15] = [
    (FailureClass::Rate, provider::rate),
    (FailureClass::Context, provider::context),
    (FailureClass::Auth, |r| provider::auth(r, false)),
    (FailureClass::Billing, |r| provider::billing(r, false)),
    (FailureClass::BadModel, provider::bad_model),
    (FailureClass::BadRequest, provider::bad_request),
    (FailureClass::Transient, provider::transient),
    (FailureClass::Hallucination, outcome::hallucination),
    (FailureClass::Gate, outcome::gate),
    (FailureClass::Limit, outcome::limit),
    (FailureClass::NoModel, provider::no_model),
    (FailureClass::Config, outcome::config),
    (FailureClass::Publish, outcome::publish),
    (FailureClass::Cancelled, outcome::cancelled),
    (FailureClass::Internal, outcome::internal),
];

fn template(class: FailureClass) -> Template {
    TABLE
        .iter()
        .find(|(c, _)| *c == class)
        .map_or(outcome::internal as Template, |(_, t)| *t)
}

/// The built-in advice for `record`: one text per failure class, filled in with what the
/// record holds (which providers refused their keys, which hop was rate limited and when it
/// resets, which tests failed).
pub fn deterministic(record: &RunRecord) -> Advice {
    let d = match (record.status, record.failure.as_ref()) {
        (RunStatus::Success, _) => outcome::success(record),
        (
            _,
            Some(Failure {
                reason: Some(b), ..
            }),
        ) => behaviour::behaviour(record, *b),
        (_, Some(f)) => template(f.class)(record),
        (RunStatus::Running, None) => outcome::unfinished(record),
        (RunStatus::Skipped, None) => outcome::skipped(record),
        (RunStatus::Failed, None) => outcome::internal(record),
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

/// What the agent did manage, and what it cost: the same paragraph under every advice.
fn managed(record: &RunRecord) -> String {
    let mut parts: Vec<String> = vec![];
    let explored = record.files_explored.len();
    let edited = &record.files_edited;
    if explored > 0 || !edited.is_empty() {
        let mut s = format!("The agent explored {explored} file{}", plural(explored));
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
        let models = facts::models_tried(record);
        parts.push(format!(
            "{} model call{} across {} ({}).",
            record.hops.len(),
            plural(record.hops.len()),
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
            plural(record.turns as usize)
        ));
    }
    parts.join(" ")
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// "a", "a and b", "a, b and c".
pub(super) fn list(items: &[String]) -> String {
    match items.len() {
        0 => String::new(),
        1 => items[0].clone(),
        2 => format!("{} and {}", items[0], items[1]),
        n => format!("{} and {}", items[..n - 1].join(", "), items[n - 1]),
    }
}

/// At most `max` items in backticks, then "N more".
pub(super) fn code_list(items: &[String], max: usize) -> String {
    let mut shown: Vec<String> = items.iter().take(max).map(|s| format!("`{s}`")).collect();
    if items.len() > max {
        shown.push(format!("{} more", items.len() - max));
    }
    list(&shown)
}

/// How this run's door re-runs: " the workflow ...", " `octagit run`".
pub(super) fn rerun_suffix(record: &RunRecord) -> &'static str {
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

/// The ranking's best guess as a parenthesis for a next step, or nothing.
fn best_guess_hint(record: &RunRecord) -> String {
    facts::best_guess_file(record)
        .map(|p| format!(" (the ranking's best guess was `{p}`)"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests;
