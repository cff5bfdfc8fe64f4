//! `octagit audit`: the pre-flight audit on its own, as a table or JSON
//! (docs/audit-schema.md). Exit 0 when at least one hop is viable, 3 when none.

use std::path::Path;
use std::time::Duration;

use anyhow::Context;

use crate::audit::{AuditInput, FirstPrompt, PricingOptions, run_audit};
use crate::cli::{AuditArgs, exit};
use crate::config::{Config, LayerSource, Overrides};
use crate::provider::ProviderEnv;
use crate::run_record::{AuditCandidate, AuditReport, PriceSource};

/// Tokens of repo map in the first prompt: the pipeline's budget, so the estimate is the
/// prompt the agent will really send.
const REPO_MAP_TOKENS: usize = 2_000;
/// Turns a typical run is costed at (the pipeline uses the same cap).
const EST_TURNS_CAP: u32 = 15;

pub async fn run(args: &AuditArgs) -> anyhow::Result<i32> {
    let task = &args.task;
    anyhow::ensure!(
        task.repo.is_dir(),
        "{} is not a directory; pass the repository's root with --repo",
        task.repo.display()
    );
    let issue = match (&task.issue_file, &task.issue) {
        (Some(f), _) => std::fs::read_to_string(f).with_context(|| {
            format!("cannot read the issue file {}; check the path", f.display())
        })?,
        (None, Some(text)) => text.clone(),
        (None, None) => anyhow::bail!("no issue given: pass --issue-file FILE or --issue TEXT"),
    };
    let report = audit_report(&task.repo, &issue, chain_flag(task), LayerSource::Flags).await?;

    if args.json {
        let json = serde_json::to_string_pretty(&report)?;
        println!("{}", crate::secret::redact(&json));
    } else {
        print!("{}", crate::secret::redact(&render_table(&report)));
    }
    if report.chain.is_empty() {
        eprintln!(
            "{}",
            crate::secret::redact(&format!(
                "error: no model can do this job now (every candidate failed the audit). Next step: {}.",
                report
                    .next_step
                    .as_deref()
                    .unwrap_or("add a key for one provider")
            ))
        );
        return Ok(exit::NO_MODEL);
    }
    Ok(exit::OK)
}

/// The audit for `issue` on `repo` with the configured chain (or `chain`, when given, by
/// the door `source` names in errors): what `octagit audit` prints and the MCP
/// `octagit_audit` tool returns.
pub(crate) async fn audit_report(
    repo: &Path,
    issue: &str,
    chain: Option<Vec<String>>,
    source: LayerSource,
) -> anyhow::Result<AuditReport> {
    let flags = Overrides {
        source,
        fallback_chain: chain,
        ..Default::default()
    };
    let (cfg, _) = Config::resolve(repo, &Overrides::default(), &flags)?;
    crate::secret::register_env_secrets();
    let mut env = ProviderEnv::from_process(cfg.providers.clone());
    env.request_timeout = Some(Duration::from_secs(cfg.request_timeout_secs));
    env.reasoning_effort = cfg.reasoning_effort.clone();

    let first_prompt = first_prompt(repo, issue, cfg.test_command.as_deref());
    let input = AuditInput {
        candidates: cfg.fallback_chain.clone(),
        user_chain: !cfg.fallback_chain.is_empty(),
        prompt_tokens: first_prompt.estimate(),
        est_turns: cfg.max_turns.min(EST_TURNS_CAP),
        pricing: PricingOptions::from_vars(&env.vars),
        env,
        first_prompt: Some(first_prompt),
    };
    Ok(run_audit(&input).await)
}

fn chain_flag(task: &crate::cli::TaskArgs) -> Option<Vec<String>> {
    let mut chain: Vec<String> = task.model.iter().cloned().collect();
    for s in task.fallback_chain.iter().flatten() {
        let s = s.trim().to_string();
        if !s.is_empty() && !chain.contains(&s) {
            chain.push(s);
        }
    }
    (!chain.is_empty()).then_some(chain)
}

/// The agent's first prompt for this issue: its system prompt, the issue (sanitized, as
/// the pipeline sends it) with the ranked repo map, and its tool schemas.
fn first_prompt(repo: &Path, issue: &str, test_command: Option<&str>) -> FirstPrompt {
    let issue = crate::pipeline::Issue::from_text(issue);
    let title = crate::sanitize::sanitize(&issue.title).text;
    let body = crate::sanitize::sanitize(&issue.body).text;
    let opts = crate::index::IndexOptions {
        cache_dir: crate::index::default_cache_dir(repo),
        ..Default::default()
    };
    // An index that cannot be built only makes the estimate smaller; the audit goes on.
    let map = match crate::index::build(repo, &opts) {
        Ok(idx) => {
            let ranked = crate::index::rank(&idx, &format!("{title}\n{body}"));
            crate::index::repo_map(&idx, &ranked, REPO_MAP_TOKENS)
        }
        Err(e) => {
            tracing::warn!("index failed, estimating without a repo map: {e}");
            String::new()
        }
    };
    FirstPrompt {
        system: crate::agent::prompt::system_prompt(test_command),
        user: crate::agent::prompt::first_message(&title, &body, &map),
        tools: crate::agent::tools::specs(),
    }
}

fn k(n: u64) -> String {
    match n {
        n if n >= 1_000_000 => format!("{:.1}M", n as f64 / 1e6),
        n if n >= 10_000 => format!("{}k", n / 1000),
        n => n.to_string(),
    }
}

fn status(c: &AuditCandidate) -> String {
    if c.viable {
        return "ok".into();
    }
    c.class
        .map(|x| x.to_string())
        .unwrap_or_else(|| "dropped".into())
}

fn price_source(s: PriceSource) -> &'static str {
    match s {
        PriceSource::Live => "live",
        PriceSource::Cache => "cache",
        PriceSource::BuiltIn => "built-in",
        PriceSource::Local => "local",
        PriceSource::Unknown => "unknown",
    }
}

/// The readable form: one row per candidate, the reason under each dead one, then the
/// chain and the risk note.
pub fn render_table(r: &AuditReport) -> String {
    let mut out = format!(
        "Pre-flight audit ({} ms): first prompt ~{} tokens ({}); {} turns of ~{} input tokens\n\n",
        r.duration_ms,
        k(r.prompt_tokens),
        r.prompt_tokens_method,
        r.est_turns,
        k(r.tokens_per_turn)
    );
    let width = r
        .candidates
        .iter()
        .map(|c| c.slug.len())
        .max()
        .unwrap_or(5)
        .max(5);
    out.push_str(&format!(
        "  #  {:width$}  {:9}  {:>6}  {:>5}  {:5}  {:>9}  {:>9}  {:>8}  price\n",
        "model", "status", "window", "fits", "tools", "TPM left", "turns/min", "$/run"
    ));
    for c in &r.candidates {
        let pos = r
            .chain
            .iter()
            .position(|s| s == &c.slug)
            .map(|i| (i + 1).to_string())
            .unwrap_or_else(|| "-".into());
        let fits = match (c.prompt_tokens, c.context_window) {
            (Some(p), Some(w)) if w > 0 => format!("{:.0}%", 100.0 * p as f64 / w as f64),
            _ => "?".into(),
        };
        let tools = match c.supports_tools {
            Some(true) => "yes",
            Some(false) => "no",
            None => "?",
        };
        out.push_str(&format!(
            "  {:>1}  {:width$}  {:9}  {:>6}  {:>5}  {:5}  {:>9}  {:>9}  {:>8}  {}\n",
            pos,
            c.slug,
            status(c),
            c.context_window.map(k).unwrap_or_else(|| "?".into()),
            fits,
            tools,
            c.tpm_remaining.map(k).unwrap_or_else(|| "-".into()),
            c.headroom_turns
                .map(|h| format!("{h:.1}"))
                .unwrap_or_else(|| "-".into()),
            c.est_run_cost_usd
                .map(|x| format!("{x:.3}"))
                .unwrap_or_else(|| "?".into()),
            price_source(c.price_source),
        ));
        if let Some(reason) = &c.reason {
            // "no key: set X" already is the step; do not say it twice.
            let step = c
                .next_step
                .as_deref()
                .filter(|s| !reason.contains(s.split(" (").next().unwrap_or(s)))
                .map(|s| format!(" → {s}"))
                .unwrap_or_default();
            out.push_str(&format!("     {:width$}  {reason}{step}\n", ""));
        }
        if let Some(p) = &c.params {
            out.push_str(&format!("     {:width$}  sends: {p}\n", ""));
        }
    }
    out.push('\n');
    if r.chain.is_empty() {
        out.push_str("Chain: none viable\n");
    } else {
        out.push_str(&format!("Chain: {}\n", r.chain.join(" → ")));
    }
    if let Some(n) = &r.pricing_note {
        out.push_str(&format!("Prices: {n}\n"));
    }
    if !r.attempts.is_empty() {
        out.push_str(&format!(
            "Audit calls: {} (probes and the risk note), ${:.4}\n",
            r.attempts.len(),
            r.cost_usd
        ));
    }
    out.push_str(&format!("Risk ({}): {}\n", r.risk_note_author, r.risk_note));
    if let Some(step) = &r.next_step {
        out.push_str(&format!("Next step: {step}\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_shows_every_candidate_and_the_reason() {
        let report = AuditReport {
            candidates: vec![AuditCandidate {
                slug: "openai/gpt-4o-mini".into(),
                provider: "openai".into(),
                reachable: false,
                class: Some(crate::failure::FailureClass::Auth),
                reason: Some("no key: set OPENAI_API_KEY".into()),
                input_per_mtok: Some(0.15),
                output_per_mtok: Some(0.6),
                price_source: PriceSource::BuiltIn,
                context_window: Some(128_000),
                fits: Some(true),
                supports_tools: Some(true),
                est_run_cost_usd: Some(0.02),
                viable: false,
                next_step: Some("set OPENAI_API_KEY".into()),
                prompt_tokens: Some(12_800),
                ..Default::default()
            }],
            next_step: Some("set OPENAI_API_KEY".into()),
            risk_note: "No model.".into(),
            risk_note_author: "built-in".into(),
            ..Default::default()
        };
        let t = render_table(&report);
        assert!(t.contains("openai/gpt-4o-mini  auth"), "{t}");
        assert!(t.contains("10%"), "{t}");
        assert!(t.contains("no key: set OPENAI_API_KEY\n"), "{t}");
        assert!(t.contains("Chain: none viable"), "{t}");
    }
}
