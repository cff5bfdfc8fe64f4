//! Advice for runs that ended on how a model behaved (`agent::behaviour`): prose only,
//! invalid calls, one call repeated, empty answers, answers cut at the output limit.
//!
//! None of these is fixed by more turns, so the next step is always a model that drives the
//! tools, named from what this run could actually use: a model the audit reached that
//! answered its tool probe with a call, else one whose key is missing, else the first model
//! of the default chain.

use super::facts::{self, ToolModel};
use super::texts::{Draft, rerun_suffix};
use crate::config::CONFIG_PATH;
use crate::run_record::{Behaviour, RunRecord};

pub(super) fn behaviour(record: &RunRecord, b: Behaviour) -> Draft {
    let finding = record.behaviour.iter().rev().find(|f| f.behaviour == b);
    let model = finding
        .map(|f| f.model.clone())
        .unwrap_or_else(|| "The model".into());
    let turns = finding.map(|f| f.turns).unwrap_or(0);
    let local = facts::provider_of(&model).is_some_and(|p| p.is_local());
    let next = model_with_tools(
        record,
        &[],
        match b {
            Behaviour::RepeatedCall => "Use a stronger model",
            Behaviour::InvalidToolJson => "Use a model with reliable tool calling",
            Behaviour::ProseOnly => "Use a model with tool calling",
            Behaviour::EmptyAnswers | Behaviour::OutputCut => "Use another model with tool calling",
        },
    );
    let (headline, why) = match b {
        Behaviour::ProseOnly => (
            format!("{model} answered in prose and never called a tool"),
            format!(
                "Over its first {turns} turns {model} wrote text but made no tool call. The agent \
                 works only through tool calls (read, edit, run the tests), so more turns would not \
                 help: this model, or the way its server runs it, cannot drive the tools.{}",
                if local {
                    " Small local models, and servers started without a tool-calling chat \
                     template, often answer like this."
                } else {
                    ""
                }
            ),
        ),
        Behaviour::InvalidToolJson => (
            format!("{model} made only invalid tool calls"),
            format!(
                "For {turns} turns every call {model} made had arguments that are not valid JSON \
                 or named a tool that does not exist; each was sent back with the error and it \
                 did not recover.{}",
                if local {
                    " A local server needs a tool-calling chat template for this model \
                     (llama.cpp's server: start it with `--jinja`)."
                } else {
                    ""
                }
            ),
        ),
        Behaviour::RepeatedCall => (
            format!("{model} repeated the same tool call"),
            format!(
                "{model} made the identical call {turns} turns in a row without changing anything \
                 in between: it was stuck in a loop, and the walker stopped it."
            ),
        ),
        Behaviour::EmptyAnswers => (
            format!("{model} returned empty answers"),
            format!(
                "{turns} answers in a row had no text and no tool call. That is usually a \
                 provider-side filter, an overloaded local server, or a chat template that drops \
                 the output."
            ),
        ),
        Behaviour::OutputCut => (
            format!("{model}'s answers were cut at the output limit"),
            format!(
                "{turns} answers in a row stopped at the output-token limit before a tool call \
                 was complete. Reasoning models can spend the whole budget thinking."
            ),
        ),
    };
    Draft {
        headline,
        why,
        next_step: format!("{next}, and re-run{}.", rerun_suffix(record)),
    }
}

/// "`lead`: X" for a model with tool calling this user can run (`facts::model_with_tools`);
/// never one in `avoid` or one this run already saw misbehave.
pub(super) fn model_with_tools(record: &RunRecord, avoid: &[String], lead: &str) -> String {
    match facts::model_with_tools(record, avoid) {
        ToolModel::Reached(slug) => format!(
            "{lead}: put `{slug}` (reachable now, and it answered the audit's tool probe with a call) first in `fallback_chain` in {CONFIG_PATH}"
        ),
        ToolModel::NeedsKey(slug, p) => {
            let env = facts::key_env(p);
            let how = if facts::in_action(record) {
                format!(
                    "add the `{}` input from a repository secret",
                    env.to_ascii_lowercase().replace('_', "-")
                )
            } else {
                format!("set `{env}`")
            };
            format!("{lead}: {how} so the chain can use `{slug}`")
        }
        ToolModel::Other(slug) => format!("{lead}, such as `{slug}`"),
    }
}
