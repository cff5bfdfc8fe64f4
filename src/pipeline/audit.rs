//! Audit: which hops can do this job now, in which order.

use std::time::Duration;

use super::index::TaskText;
use super::{EarlyEnd, Run, RunOptions};
use crate::audit::{self, AuditInput};
use crate::chain::Hop;
use crate::cli::exit;
use crate::config::Config;
use crate::failure::FailureClass;
use crate::provider::{ModelClient, ProviderEnv};
use crate::run_record::{RunRecord, StageStatus};

/// The first prompt, built once and shared by the audit (fit, probe) and the loop.
pub(super) struct Prompt {
    pub system: String,
    pub first_user: String,
}

impl Prompt {
    pub(super) fn new(test_command: Option<&str>, task: &TaskText, repo_map: &str) -> Prompt {
        Prompt {
            system: crate::agent::prompt::system_prompt(test_command),
            first_user: crate::agent::prompt::first_message(&task.title, &task.body, repo_map),
        }
    }
}

/// The environment the run's provider calls use.
pub(super) fn provider_env(cfg: &Config, opts: &RunOptions) -> ProviderEnv {
    let mut env = opts
        .provider_env
        .clone()
        .unwrap_or_else(|| ProviderEnv::from_process(cfg.providers.clone()));
    env.request_timeout = Some(Duration::from_secs(cfg.request_timeout_secs));
    if cfg.reasoning_effort.is_some() {
        env.reasoning_effort = cfg.reasoning_effort.clone();
    }
    env
}

/// The audit stage: the hops to walk, or an early end as `no-model`.
pub(super) async fn audit(
    run: &mut Run,
    cfg: &Config,
    opts: &mut RunOptions,
    prompt: &Prompt,
) -> Result<Vec<Hop>, EarlyEnd> {
    let stage = run.begin("audit");
    let env = provider_env(cfg, opts);
    let hops = match opts.hops.take() {
        Some(h) => {
            run.end(
                stage,
                StageStatus::Skipped,
                Some("hops given by the caller".into()),
            );
            h
        }
        None => {
            let hops = resolve_hops(run, cfg, &env, opts.no_audit, prompt).await;
            let status = if hops.is_empty() {
                StageStatus::Failed
            } else {
                StageStatus::Ok
            };
            run.end(stage, status, None);
            hops
        }
    };
    if hops.is_empty() {
        let (msg, raw) = no_model_message(&run.record);
        run.record.fail(FailureClass::NoModel, msg, raw);
        return Err(EarlyEnd::with(exit::NO_MODEL));
    }
    // Before any model call, the audit's ranking is the best knowledge of who answers.
    if run.record.audit.is_some() {
        run.advisor = crate::chain::cheapest(&hops).cloned();
    }
    Ok(hops)
}

/// Resolve the chain: through the audit, or as given with `--no-audit`.
async fn resolve_hops(
    run: &mut Run,
    cfg: &Config,
    env: &ProviderEnv,
    no_audit: bool,
    prompt: &Prompt,
) -> Vec<Hop> {
    if no_audit && !cfg.fallback_chain.is_empty() {
        return cfg
            .fallback_chain
            .iter()
            .filter_map(|s| match ModelClient::resolve(s, env) {
                Ok(c) => Some(Hop::new(c)),
                Err(e) => {
                    run.record.warnings.push(format!("{s}: {e}"));
                    None
                }
            })
            .collect();
    }
    let specs = crate::agent::tools::specs();
    let input = AuditInput {
        candidates: cfg.fallback_chain.clone(),
        user_chain: !cfg.fallback_chain.is_empty(),
        prompt_tokens: audit::estimate_first_prompt(&prompt.system, &prompt.first_user, "", &specs),
        est_turns: cfg.max_turns.min(15),
        env: env.clone(),
        pricing: audit::pricing::PricingOptions::from_vars(&env.vars),
        first_prompt: Some(audit::FirstPrompt {
            system: prompt.system.clone(),
            user: prompt.first_user.clone(),
            tools: specs.clone(),
        }),
    };
    let report = audit::run_audit(&input).await;
    let hops: Vec<Hop> = report
        .chain
        .iter()
        .filter_map(|slug| {
            let cand = report.candidates.iter().find(|c| &c.slug == slug)?;
            let client = ModelClient::resolve(slug, env).ok()?;
            let client = match &cand.caps {
                Some(c) => client.with_caps(c.clone()),
                None => client,
            };
            // A model no table prices still has a spend bound.
            let (assumed_in, assumed_out) = if cand.price_assumed {
                audit::pricing::ASSUMED_PRICE_PER_MTOK
            } else {
                (0.0, 0.0)
            };
            Some(Hop {
                client,
                context_window: cand.context_window,
                price_in: cand.input_per_mtok.unwrap_or(assumed_in) / 1e6,
                price_out: cand.output_per_mtok.unwrap_or(assumed_out) / 1e6,
                price_cache_read: cand.cache_read_per_mtok.map(|p| p / 1e6),
                price_cache_write: cand.cache_write_per_mtok.map(|p| p / 1e6),
            })
        })
        .collect();
    for c in report
        .candidates
        .iter()
        .filter(|c| c.price_assumed && c.viable)
    {
        let (i, o) = audit::pricing::ASSUMED_PRICE_PER_MTOK;
        run.record.warnings.push(format!(
            "{}: no known price; its cost is counted at ${i}/${o} per million tokens in/out so max_cost_usd still bounds it",
            c.slug
        ));
    }
    // The audit's own calls (probes, the risk note) are part of the run's spend, and count
    // against max_cost_usd like every turn.
    run.record.cost_usd += report.cost_usd;
    run.record.audit = Some(report);
    hops
}

fn no_model_message(record: &RunRecord) -> (String, String) {
    let Some(audit) = &record.audit else {
        return (
            "no model in the chain could be resolved".into(),
            record.warnings.join("; "),
        );
    };
    let raw = audit
        .candidates
        .iter()
        .map(|c| {
            format!(
                "{}: {}",
                c.slug,
                c.reason.clone().unwrap_or_else(|| "not viable".into())
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    ("no model can do this job now: none of the candidates is reachable, fits the prompt and supports tools".into(), raw)
}
