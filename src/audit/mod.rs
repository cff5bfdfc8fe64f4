//! The pre-flight audit: which models can do this job now, what it will cost, whether the
//! first prompt fits, and in which order to try them. It never blocks on one unreachable
//! provider: every probe runs concurrently with its own timeout, and every failure stays
//! in the report, classified, with a next step.

pub mod fit;
pub mod pricing;
pub mod probe;
pub mod rank;
pub mod risk;

use std::time::{Duration, Instant};

use crate::chain::{ChainWalker, Hop, RetryPolicy};
use crate::failure::FailureClass;
use crate::provider::{ModelClient, ProviderEnv, ProviderKind, ResolveError, parse_slug};
use crate::run_record::{AuditCandidate, AuditReport, PriceSource};

pub use fit::{FIT_FRACTION, FirstPrompt, estimate_first_prompt};
pub use pricing::{Catalogue, PricingOptions};
pub use rank::Workload;

/// One probe may take this long at most, whatever the run's per-hop timeout.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(20);
const RISK_NOTE_TIMEOUT: Duration = Duration::from_secs(20);

#[derive(Debug, Clone, Default)]
pub struct AuditInput {
    /// Slugs: the user's chain, or empty for the default candidates plus detected local hops.
    pub candidates: Vec<String>,
    /// The candidates are the user's chain: keep their order.
    pub user_chain: bool,
    /// Estimated tokens of the first prompt (`estimate_first_prompt`). When 0 and
    /// `first_prompt` is given, it is estimated from that.
    pub prompt_tokens: u64,
    pub est_turns: u32,
    pub env: ProviderEnv,
    pub pricing: PricingOptions,
    /// The first prompt itself, for Anthropic's exact count; `None` keeps the estimate.
    pub first_prompt: Option<FirstPrompt>,
}

/// A sensible default chain across providers: those without a key are reported as
/// "no key: set X" without a network call.
pub fn default_candidates() -> Vec<String> {
    // Today's models (late 2026): a strong and a cheap hop per hosted provider, then the
    // gateways. gpt-5 is a reasoning model: it is sent no temperature (see provider::caps).
    [
        "anthropic/claude-sonnet-4-5",
        "openai/gpt-5",
        "anthropic/claude-haiku-4-5",
        "openai/gpt-4.1",
        "openai/gpt-5-mini",
        "openrouter/anthropic/claude-sonnet-4.5",
        "github/openai/gpt-4.1-mini",
    ]
    .into_iter()
    .map(String::from)
    .collect()
}

/// Each local hop's probe loads its model into memory: probe only the first few.
const MAX_LOCAL_HOPS: usize = 2;

/// Local hops found running on this machine (Ollama, LM Studio, ...).
async fn detected_local_hops(env: &ProviderEnv) -> Vec<String> {
    let statuses = crate::provider::local::detect(env).await;
    let mut hops = crate::provider::local::local_hops(&statuses);
    hops.truncate(MAX_LOCAL_HOPS);
    hops
}

struct Probed {
    slug: String,
    spec: Option<crate::provider::ModelSpec>,
    client: Option<ModelClient>,
    outcome: probe::ProbeOutcome,
    info: pricing::ModelInfo,
    counted: Option<Result<u64, String>>,
    attempts: Vec<crate::run_record::HopAttempt>,
}

/// The hop the run will use for a slug: the client with the capabilities the tables give,
/// and the prices (a conservative default for a model no table prices).
pub fn hop_for(client: ModelClient, info: &pricing::ModelInfo) -> Hop {
    let client = match &info.caps {
        Some(c) => client.with_caps(c.clone()),
        None => client,
    };
    let (assumed_in, assumed_out) = pricing::ASSUMED_PRICE_PER_MTOK;
    let known = info.source != PriceSource::Unknown;
    let per_tok = |p: Option<f64>| p.map(|p| p / 1e6);
    Hop {
        client,
        context_window: info.context_window,
        price_in: per_tok(info.input_per_mtok).unwrap_or(if known {
            0.0
        } else {
            assumed_in / 1e6
        }),
        price_out: per_tok(info.output_per_mtok).unwrap_or(if known {
            0.0
        } else {
            assumed_out / 1e6
        }),
        price_cache_read: per_tok(info.cache_read_per_mtok),
        price_cache_write: per_tok(info.cache_write_per_mtok),
    }
}

pub async fn run_audit(input: &AuditInput) -> AuditReport {
    let started = Instant::now();
    let mut slugs: Vec<String> = if input.candidates.is_empty() {
        let mut s = default_candidates();
        s.extend(detected_local_hops(&input.env).await);
        s
    } else {
        input.candidates.clone()
    };
    let mut seen = std::collections::HashSet::new();
    slugs.retain(|s| seen.insert(s.trim().to_string()));
    let user_chain = input.user_chain && !input.candidates.is_empty();

    let prompt_tokens = match (&input.first_prompt, input.prompt_tokens) {
        (Some(p), 0) => p.estimate(),
        (_, n) => n,
    };
    let workload = Workload {
        prompt_tokens,
        turns: input.est_turns.max(1),
    };

    let resolved: Vec<(String, Result<ModelClient, ResolveError>)> = slugs
        .iter()
        .map(|s| (s.clone(), ModelClient::resolve(s, &input.env)))
        .collect();

    // Prices first: whether the catalogue knows a model's tool support decides whether its
    // probe carries the tiny tool. A fresh cache makes this instant.
    let openrouter = resolved.iter().find_map(|(_, r)| {
        r.as_ref()
            .ok()
            .filter(|c| c.provider() == ProviderKind::OpenRouter)
    });
    let (litellm, openrouter_cat) = tokio::join!(pricing::load_litellm(&input.pricing), async {
        match openrouter {
            Some(c) => Some(pricing::load_openrouter(&c.base_url, c.key(), &input.pricing).await),
            None => None,
        }
    });
    let built_in = Catalogue::built_in(None);
    let mut tables: Vec<&Catalogue> = Vec::new();
    if let Some(c) = &openrouter_cat {
        tables.push(c);
    }
    tables.push(&litellm);
    if litellm.source != PriceSource::BuiltIn {
        tables.push(&built_in);
    }
    let mut pricing_notes: Vec<String> = Vec::new();
    if let Some(n) = &litellm.note {
        pricing_notes.push(n.clone());
    }
    if let Some(n) = openrouter_cat.as_ref().and_then(|c| c.note.clone()) {
        pricing_notes.push(format!("OpenRouter: {n}"));
    }

    let probe_timeout = input
        .env
        .request_timeout
        .map_or(PROBE_TIMEOUT, |t| t.min(PROBE_TIMEOUT));
    let first_prompt = input.first_prompt.as_ref();
    let probes = resolved.into_iter().map(|(slug, r)| {
        let tables = &tables;
        async move {
            let spec = parse_slug(&slug).ok();
            let info = spec
                .as_ref()
                .map(|s| pricing::lookup(s, tables))
                .unwrap_or_else(|| pricing::lookup(&unknown_spec(&slug), &[]));
            match r {
                Err(e) => Probed {
                    slug,
                    spec,
                    client: None,
                    outcome: probe::unresolved(&e),
                    info,
                    counted: None,
                    attempts: Vec::new(),
                },
                Ok(client) => {
                    let check_tools = info.supports_tools.is_none();
                    let hop = hop_for(client, &info);
                    let client = hop.client.clone();
                    let (outcome, attempts) = probe::probe(hop, check_tools, probe_timeout).await;
                    let counted = match first_prompt {
                        Some(p)
                            if outcome.reachable
                                && client.provider() == ProviderKind::Anthropic =>
                        {
                            Some(fit::anthropic_count_tokens(&client, p, probe_timeout).await)
                        }
                        _ => None,
                    };
                    Probed {
                        slug,
                        spec,
                        client: Some(client),
                        outcome,
                        info,
                        counted,
                        attempts,
                    }
                }
            }
        }
    });
    let probed = futures::future::join_all(probes).await;

    let mut used_count_tokens = false;
    let mut clients = Vec::new();
    let mut candidates = Vec::new();
    let mut attempts = Vec::new();
    for mut p in probed {
        if matches!(p.counted, Some(Ok(_))) {
            used_count_tokens = true;
        }
        attempts.append(&mut p.attempts);
        let info = p.info.clone();
        let overrulable = user_chain && p.outcome.answered_without_call;
        let (mut cand, client) = assemble(p, &workload);
        if overrulable {
            keep_named_without_tools(&mut cand);
        }
        if let Some(c) = client {
            clients.push((c, info));
        }
        candidates.push(cand);
    }

    let chain = rank::rank(&mut candidates, user_chain, &workload);
    let mut report = AuditReport {
        candidates,
        chain,
        prompt_tokens,
        prompt_tokens_method: if used_count_tokens {
            "tiktoken o200k_base; Anthropic count_tokens for anthropic hops".into()
        } else {
            "tiktoken o200k_base".into()
        },
        risk_note: String::new(),
        risk_note_author: risk::BUILT_IN.into(),
        duration_ms: 0,
        est_turns: workload.turns,
        tokens_per_turn: workload.tokens_per_turn(),
        user_chain,
        pricing_note: (!pricing_notes.is_empty())
            .then(|| crate::secret::redact(&pricing_notes.join("; "))),
        next_step: None,
        attempts,
        cost_usd: 0.0,
    };
    if report.chain.is_empty() {
        report.next_step = Some(overall_next_step(&report.candidates));
    }

    // The cheapest viable hop writes the note; ties go to the earlier hop in the chain.
    let author = report
        .candidates
        .iter()
        .filter(|c| c.viable)
        .min_by(|a, b| {
            let ca = a.est_run_cost_usd.unwrap_or(f64::INFINITY);
            let cb = b.est_run_cost_usd.unwrap_or(f64::INFINITY);
            ca.partial_cmp(&cb).unwrap_or(std::cmp::Ordering::Equal)
        })
        .and_then(|c| clients.iter().find(|(m, _)| m.slug() == c.slug));
    let facts = risk::facts(&report, &workload);
    let written = match author {
        Some((client, info)) => {
            // Through a walker like every call: recorded, priced, counted.
            let mut walker =
                ChainWalker::new(vec![hop_for(client.clone(), info)], RetryPolicy::probe())
                    .with_purpose("risk-note");
            let text = risk::ask_model(&mut walker, &facts, RISK_NOTE_TIMEOUT).await;
            report.attempts.extend(walker.attempts().iter().cloned());
            text.map(|t| (t, client.slug().to_string()))
        }
        None => None,
    };
    match written {
        Some((text, slug)) => {
            report.risk_note = text;
            report.risk_note_author = slug;
        }
        None => report.risk_note = crate::secret::redact(&risk::deterministic(&report, &workload)),
    }
    report.cost_usd = report.attempts.iter().map(|a| a.cost_usd).sum();
    report.duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    report
}

fn unknown_spec(slug: &str) -> crate::provider::ModelSpec {
    crate::provider::ModelSpec {
        slug: slug.to_string(),
        provider: ProviderKind::OpenAi,
        model: slug.to_string(),
    }
}

fn assemble(p: Probed, w: &Workload) -> (AuditCandidate, Option<ModelClient>) {
    let Probed {
        slug,
        spec,
        client,
        outcome,
        info,
        counted,
        attempts: _,
    } = p;
    let mut notes = Vec::new();
    let prompt_tokens = match &counted {
        Some(Ok(n)) => {
            notes.push(format!("Anthropic count_tokens: {n} tokens"));
            *n
        }
        Some(Err(e)) => {
            notes.push(format!(
                "count_tokens failed ({e}); using the tiktoken estimate"
            ));
            w.prompt_tokens
        }
        None => w.prompt_tokens,
    };
    let price_assumed = info.source == PriceSource::Unknown;
    match info.source {
        PriceSource::BuiltIn => notes.push("price from the built-in table".into()),
        PriceSource::Unknown => {
            let (i, o) = pricing::ASSUMED_PRICE_PER_MTOK;
            notes.push(format!(
                "price unknown: counted at ${i}/${o} per million tokens in/out as a spend bound"
            ));
        }
        _ => {}
    }
    let caps = client.as_ref().map(|c| c.caps.clone());
    let params = client.as_ref().map(|c| c.describe_params());
    if info.context_window.is_none() {
        notes.push("window unknown".into());
    }
    if spec
        .as_ref()
        .is_some_and(|s| s.provider == ProviderKind::GitHub)
    {
        notes.push(format!(
            "GitHub Models accepts at most {} input tokens per request unless paid usage is on",
            pricing::GITHUB_MODELS_INPUT_CAP
        ));
    }
    let supports_tools = outcome.supports_tools.or(info.supports_tools);
    if supports_tools.is_none() && outcome.reachable {
        notes.push("tool support unknown".into());
    }
    let provider = spec
        .as_ref()
        .map(|s| s.provider.name().to_string())
        .unwrap_or_default();
    let mut cand = AuditCandidate {
        slug,
        provider,
        reachable: outcome.reachable,
        class: outcome.class,
        reason: outcome.reason.clone(),
        input_per_mtok: info.input_per_mtok,
        output_per_mtok: info.output_per_mtok,
        price_source: info.source,
        context_window: info.context_window,
        fits: fit::fits(prompt_tokens, info.context_window),
        supports_tools,
        tpm_limit: outcome.tpm_limit(),
        tpm_remaining: outcome.tpm_remaining(),
        rpm_limit: outcome.limits.requests_limit,
        rpm_remaining: outcome.limits.requests_remaining,
        est_run_cost_usd: None,
        probe_ms: outcome.probe_ms,
        viable: false,
        next_step: outcome.next_step.clone(),
        prompt_tokens: Some(prompt_tokens),
        headroom_turns: None,
        notes,
        params,
        cache_read_per_mtok: info.cache_read_per_mtok,
        cache_write_per_mtok: info.cache_write_per_mtok,
        caps,
        price_assumed,
    };
    cand.est_run_cost_usd = w.run_cost(&cand);
    cand.headroom_turns = w.headroom_turns(&cand);
    if let Some(why) = rank::drop_reason(&cand) {
        // A rate-limited hop that is also too small reports the harder problem.
        let class = if cand.fits == Some(false) {
            FailureClass::Context
        } else {
            FailureClass::BadModel
        };
        cand.class = Some(class);
        cand.next_step = Some(if class == FailureClass::Context {
            "choose a model with a larger window, or shrink the repo map".into()
        } else {
            "choose a model with tool calling".into()
        });
        // The probe's own words ("answered in prose when asked to call a tool") say more
        // than the generic drop reason.
        let probe_said = cand
            .reason
            .take()
            .filter(|_| cand.supports_tools == Some(false));
        cand.reason = Some(match probe_said {
            Some(r) if class == FailureClass::BadModel => r,
            _ => why,
        });
    }
    if let Some(h) = cand.headroom_turns.filter(|h| *h < 1.0)
        && cand.reachable
    {
        cand.notes
            .push(format!("remaining TPM covers {h:.1} turns: expect waits"));
    }
    cand.viable = rank::is_viable(&cand);
    (cand, client)
}

/// A model the user named runs even when it answered the tool probe in prose: they may
/// know better (a template the probe does not trigger), but the table says so.
fn keep_named_without_tools(cand: &mut AuditCandidate) {
    if cand.viable
        || !cand.reachable
        || cand.supports_tools != Some(false)
        || cand.fits == Some(false)
    {
        return;
    }
    let why = cand
        .reason
        .take()
        .unwrap_or_else(|| "no tool calling".into());
    cand.notes
        .push(format!("warning: {why}; it runs only because you named it"));
    cand.class = None;
    cand.next_step = None;
    cand.viable = true;
}

/// The one thing to do when no hop is viable.
fn overall_next_step(cands: &[AuditCandidate]) -> String {
    let all_missing_keys = !cands.is_empty()
        && cands
            .iter()
            .all(|c| c.reason.as_deref().is_some_and(|r| r.starts_with("no key")));
    if all_missing_keys {
        let mut envs: Vec<String> = cands
            .iter()
            .filter_map(|c| {
                c.reason
                    .as_deref()?
                    .strip_prefix("no key: set ")
                    .map(str::to_string)
            })
            .collect();
        let mut seen = std::collections::HashSet::new();
        envs.retain(|e| seen.insert(e.clone()));
        return format!(
            "set one of {} (a repository secret in the action), or start Ollama (`ollama serve`) and pull a model",
            envs.join(", ")
        );
    }
    cands
        .iter()
        .find_map(|c| c.next_step.clone())
        .unwrap_or_else(|| "name at least one model with --fallback-chain".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offline_pricing(dir: &std::path::Path) -> PricingOptions {
        PricingOptions {
            url: "http://127.0.0.1:9/unused".into(),
            cache_dir: dir.to_path_buf(),
            timeout: Duration::from_millis(200),
            offline: true,
        }
    }

    /// Every local provider pointed at a port nothing listens on, whatever runs here.
    fn no_local_servers() -> ProviderEnv {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut env = ProviderEnv::default();
        for p in crate::provider::local::LOCAL_PROVIDERS {
            env.overrides.insert(
                p.name().to_string(),
                crate::config::ProviderOverride {
                    base_url: Some(format!("http://127.0.0.1:{port}/v1")),
                    api_key_env: None,
                },
            );
        }
        env
    }

    #[tokio::test]
    async fn no_keys_means_no_network_and_a_next_step() {
        let dir = tempfile::tempdir().unwrap();
        let input = AuditInput {
            prompt_tokens: 5_000,
            est_turns: 10,
            pricing: offline_pricing(dir.path()),
            env: no_local_servers(),
            ..Default::default()
        };
        let report = run_audit(&input).await;
        assert!(report.chain.is_empty());
        assert_eq!(report.candidates.len(), default_candidates().len());
        for c in &report.candidates {
            assert_eq!(c.class, Some(FailureClass::Auth), "{}", c.slug);
            assert!(
                c.reason.as_deref().unwrap().starts_with("no key: set "),
                "{:?}",
                c.reason
            );
            assert!(c.probe_ms.is_none(), "no probe without a key");
            assert_eq!(c.price_source, PriceSource::BuiltIn);
        }
        let step = report.next_step.unwrap();
        assert!(
            step.contains("ANTHROPIC_API_KEY") && step.contains("OPENAI_API_KEY"),
            "{step}"
        );
        assert_eq!(report.risk_note_author, "built-in");
        assert!(
            report
                .risk_note
                .starts_with("No model can take this job now"),
            "{}",
            report.risk_note
        );
    }

    #[tokio::test]
    async fn scripted_hops_rank_and_write_the_note() {
        let dir = tempfile::tempdir().unwrap();
        let script = |turns: &str| {
            let p = dir.path().join(format!("s{}.json", turns.len()));
            std::fs::write(&p, turns).unwrap();
            format!("scripted/{}", p.display())
        };
        // Probe answers, then the risk note (only the author is asked).
        let good = script(
            r#"[{"text": "OK"}, {"text": "The only hop is a scripted model. Nothing else can take over if it fails."}]"#,
        );
        let refused = script(
            r#"[{"status": 401, "body": "{\"error\":{\"message\":\"Incorrect API key provided\",\"code\":\"invalid_api_key\"}}"}]"#,
        );
        let input = AuditInput {
            candidates: vec![refused.clone(), good.clone()],
            user_chain: true,
            prompt_tokens: 2_000,
            est_turns: 5,
            pricing: offline_pricing(dir.path()),
            ..Default::default()
        };
        let report = run_audit(&input).await;
        assert_eq!(report.chain, vec![good.clone()]);
        let bad = report
            .candidates
            .iter()
            .find(|c| c.slug == refused)
            .unwrap();
        assert_eq!(bad.class, Some(FailureClass::Auth));
        assert!(!bad.viable);
        assert_eq!(report.risk_note_author, good);
        assert!(
            report
                .risk_note
                .starts_with("The only hop is a scripted model.")
        );
    }
}
