//! The texts of the classes a provider's answer decides: rate, context, auth, billing,
//! bad-model, bad-request, transient, and no-model (the audit found none usable).

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::{Draft, best_guess_hint, code_list, list, rerun_suffix};
use crate::advisor::facts;
use crate::config::CONFIG_PATH;
use crate::failure::FailureClass;
use crate::provider::ProviderKind;
use crate::report::fmt;
use crate::run_record::RunRecord;

pub(super) fn rate(record: &RunRecord) -> Draft {
    let limited = facts::models_failing(record, FailureClass::Rate);
    let providers = facts::providers_failing(record, FailureClass::Rate);
    let all = facts::every_model_ended_with(record, FailureClass::Rate);
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
    let mut why = format!(
        "The provider answered 429 (too many requests or tokens per minute){}. The walker waited \
         where the reset was short and moved to the next hop otherwise, until no hop was left.",
        if providers.is_empty() {
            String::new()
        } else {
            format!(" on {}", list(&names(&providers)))
        }
    );
    let next_step = match facts::soonest_reset(record) {
        Some(r) if r.wait <= Duration::from_secs(2 * 3600) => {
            // Round up to the minute: "after 12:06" must not be before the reset.
            let at: DateTime<Utc> =
                r.at.checked_add_signed(chrono::Duration::seconds(59))
                    .unwrap_or(r.at);
            let at = at.format("%H:%M UTC");
            why.push_str(&format!(
                " The soonest reset is {}'s: {} after its 429 at {}, so around {at}.",
                r.hop.model,
                human_wait(r.wait),
                fmt::clock(r.hop.at),
            ));
            format!(
                "Re-run{} after {at}, when the {} limit has reset.",
                rerun_suffix(record),
                r.hop.model
            )
        }
        _ => add_model_elsewhere(record, &providers),
    };
    Draft {
        headline,
        why,
        next_step,
    }
}

fn names(providers: &[ProviderKind]) -> Vec<String> {
    providers.iter().map(|p| p.name().to_string()).collect()
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

/// "Add a model from another provider ..." with a model of a provider not in `avoid`,
/// named from the facts; without one, where to find one.
fn add_model_elsewhere(record: &RunRecord, avoid: &[ProviderKind]) -> String {
    match facts::model_elsewhere(record, avoid) {
        Some(m) => format!(
            "Add a model from another provider to the chain in {CONFIG_PATH}, e.g. `{}`, and re-run.",
            chain_with(record, &m)
        ),
        None => format!(
            "Add a model from another provider to `fallback_chain` in {CONFIG_PATH} (`octagit models` lists the ones your keys reach), and re-run."
        ),
    }
}

fn chain_with(record: &RunRecord, extra: &str) -> String {
    let mut c = facts::chain(record);
    c.retain(|m| m != extra);
    c.push(extra.to_string());
    format!("fallback_chain: [{}]", c.join(", "))
}

pub(super) fn context(record: &RunRecord) -> Draft {
    let models = facts::models_failing(record, FailureClass::Context);
    let prompt = facts::prompt_tokens(record);
    let max_window = facts::largest_audit_window(record);
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
    let next_step = match facts::model_with_larger_window(record) {
        Some((big, window)) => {
            let mut c = facts::chain(record);
            c.retain(|m| m != &big);
            c.insert(0, big.clone());
            format!(
                "Put `{big}` ({}-token window) first in {CONFIG_PATH}: `fallback_chain: [{}]`, and re-run.",
                window_size(window),
                c.join(", ")
            )
        }
        None => format!(
            "Edit the issue to name the one file and function to change{} so less of the repository is needed, and re-run.",
            best_guess_hint(record)
        ),
    };
    Draft {
        headline,
        why,
        next_step,
    }
}

/// A window as people say it: "200k", "1M", "1.05M".
fn window_size(tokens: u64) -> String {
    if tokens >= 1_000_000 && tokens.is_multiple_of(1_000_000) {
        format!("{}M", tokens / 1_000_000)
    } else if tokens >= 1_000_000 {
        format!("{:.2}M", tokens as f64 / 1e6)
    } else if tokens >= 1_000 && tokens.is_multiple_of(1_000) {
        format!("{}k", tokens / 1_000)
    } else {
        fmt::tokens(tokens)
    }
}

pub(super) fn auth(record: &RunRecord, from_audit: bool) -> Draft {
    let providers = facts::providers_failing(record, FailureClass::Auth);
    let names = names(&providers);
    let all_hops = facts::every_hop_failed_with(record, FailureClass::Auth);
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
    let missing = facts::key_missing(record);
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
        .or_else(facts::default_chain_provider)
        .unwrap_or(ProviderKind::Anthropic);
    let env = facts::key_env(first);
    let also = if providers.len() > 1 {
        let others: Vec<String> = providers[1..].iter().map(|p| facts::key_env(*p)).collect();
        format!(
            "; one working provider is enough ({} {} refused too)",
            list(&others),
            if others.len() == 1 { "was" } else { "were" }
        )
    } else {
        String::new()
    };
    let verb = if missing { "Add" } else { "Replace" };
    let next_step = if facts::in_action(record) {
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

pub(super) fn billing(record: &RunRecord, from_audit: bool) -> Draft {
    let providers = facts::providers_failing(record, FailureClass::Billing);
    let names = names(&providers);
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
        None => add_model_elsewhere(record, &providers),
    };
    Draft {
        headline,
        why,
        next_step,
    }
}

pub(super) fn bad_model(record: &RunRecord) -> Draft {
    let bad = facts::bad_models(record);
    let models = &bad.models;
    let headline = match models.len() {
        0 => "The model could not be used".into(),
        1 => format!("{} could not be used", models[0]),
        _ => format!("None of the models could be used ({})", list(models)),
    };
    let (why, next_step) = if let Some(m) = bad.unknown.first() {
        (
            format!(
                "The provider does not know {} or the key has no access to it (404 model_not_found).",
                code_list(&bad.unknown, 4)
            ),
            format!(
                "Replace `{m}` in `fallback_chain` in {CONFIG_PATH} with a model your key can use (`octagit models` lists them) and re-run."
            ),
        )
    } else if let Some(m) = bad.no_tools.first() {
        (
            format!(
                "{} cannot call tools, and the agent works only through tool calls.",
                code_list(&bad.no_tools, 4)
            ),
            format!(
                "{}, and re-run{}.",
                crate::advisor::behaviour::model_with_tools(
                    record,
                    &bad.no_tools,
                    &format!(
                        "Replace `{m}` in `fallback_chain` in {CONFIG_PATH} with a model that calls tools"
                    )
                ),
                rerun_suffix(record)
            ),
        )
    } else {
        let providers = facts::hop_providers(record, FailureClass::BadModel);
        (
            "The provider was overloaded (529/5xx), unreachable, or did not answer in time. This is \
             usually temporary."
                .to_string(),
            add_model_elsewhere(record, &providers),
        )
    };
    Draft {
        headline,
        why,
        next_step,
    }
}

/// Bad-request and transient name their cause in `failure::provider_advice`.
pub(super) fn bad_request(record: &RunRecord) -> Draft {
    provider_named(record, FailureClass::BadRequest)
}

pub(super) fn transient(record: &RunRecord) -> Draft {
    provider_named(record, FailureClass::Transient)
}

fn provider_named(record: &RunRecord, class: FailureClass) -> Draft {
    match crate::failure::provider_advice(class, record) {
        Some((headline, why, next_step)) => Draft {
            headline,
            why,
            next_step,
        },
        None => bad_model(record),
    }
}

pub(super) fn no_model(record: &RunRecord) -> Draft {
    let mut d = match facts::dominant_audit_class(record) {
        Some(FailureClass::Auth) | None => auth(record, true),
        Some(FailureClass::Billing) => billing(record, true),
        Some(FailureClass::Context) => context(record),
        Some(FailureClass::Rate) => rate(record),
        Some(_) => bad_model(record),
    };
    let n = facts::audit_candidate_count(record);
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
