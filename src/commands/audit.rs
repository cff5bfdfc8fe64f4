//! `octagit audit`: the pre-flight audit on its own, as a table or JSON
//! (docs/audit-schema.md). Exit 0 when at least one hop is viable, 3 when none.

use std::path::Path;
use std::time::Duration;

use anyhow::Context;

use crate::audit::{AuditInput, FirstPrompt, PricingOptions, run_audit};
use crate::cli::{AuditArgs, exit};
use crate::config::{Config, Overrides};
use crate::provider::ProviderEnv;
use crate::run_record::{AuditCandidate, AuditReport, PriceSource};

/// Stands in for the agent's system prompt and tool schemas until the agent module exposes
/// them (a typical system prompt plus eight tool schemas measures about this much).
// TODO(lead): replace with the agent's real system prompt and `ToolSpec`s once src/agent/
// exists, so count_tokens sees the exact first prompt.
const SYSTEM_PLACEHOLDER_TOKENS: usize = 2_000;
/// The file listing that stands in for the repo map is cut at this many tokens.
const LISTING_BUDGET_TOKENS: usize = 6_000;

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
    let flags = Overrides {
        fallback_chain: chain_flag(task),
        ..Default::default()
    };
    let (cfg, _) = Config::resolve(&task.repo, &Overrides::default(), &flags)?;
    crate::secret::register_env_secrets();
    let mut env = ProviderEnv::from_process(cfg.providers.clone());
    env.request_timeout = Some(Duration::from_secs(cfg.request_timeout_secs));

    let first_prompt = FirstPrompt {
        system: "x ".repeat(SYSTEM_PLACEHOLDER_TOKENS),
        user: format!("{issue}\n\n{}", file_listing(&task.repo)),
        tools: vec![],
    };
    let input = AuditInput {
        candidates: cfg.fallback_chain.clone(),
        user_chain: !cfg.fallback_chain.is_empty(),
        prompt_tokens: first_prompt.estimate(),
        // A typical run uses about half its turn budget.
        est_turns: cfg.max_turns.div_ceil(2).max(1),
        pricing: PricingOptions::from_vars(&env.vars),
        env,
        first_prompt: Some(first_prompt),
    };
    let report = run_audit(&input).await;

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

/// Paths of the repository (gitignore-aware), cut at a token budget: the stand-in for the
/// repo map in the prompt estimate.
// TODO(lead): use `crate::index::build` + `rank` + `repo_map` here once the index module
// compiles with them, so the estimate matches the agent's real first prompt.
fn file_listing(repo: &Path) -> String {
    let mut out = String::new();
    let mut tokens = 0;
    for entry in ignore::WalkBuilder::new(repo).build().flatten() {
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        let Ok(rel) = entry.path().strip_prefix(repo) else {
            continue;
        };
        let line = format!("{}\n", rel.display());
        tokens += crate::tokens::count(&line);
        if tokens > LISTING_BUDGET_TOKENS {
            break;
        }
        out.push_str(&line);
    }
    out
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
        "  #  {:width$}  {:9}  {:>6}  {:>5}  {:5}  {:>9}  {:>7}  {:>8}  price\n",
        "model", "status", "window", "fits", "tools", "TPM left", "turns", "$/run"
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
            "  {:>1}  {:width$}  {:9}  {:>6}  {:>5}  {:5}  {:>9}  {:>7}  {:>8}  {}\n",
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
            let step = c
                .next_step
                .as_deref()
                .map(|s| format!(" → {s}"))
                .unwrap_or_default();
            out.push_str(&format!("     {:width$}  {reason}{step}\n", ""));
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
                tpm_limit: None,
                tpm_remaining: None,
                rpm_limit: None,
                rpm_remaining: None,
                est_run_cost_usd: Some(0.02),
                probe_ms: None,
                viable: false,
                next_step: Some("set OPENAI_API_KEY".into()),
                prompt_tokens: Some(12_800),
                headroom_turns: None,
                notes: vec![],
            }],
            next_step: Some("set OPENAI_API_KEY".into()),
            risk_note: "No model.".into(),
            risk_note_author: "built-in".into(),
            ..Default::default()
        };
        let t = render_table(&report);
        assert!(t.contains("openai/gpt-4o-mini  auth"), "{t}");
        assert!(t.contains("10%"), "{t}");
        assert!(
            t.contains("no key: set OPENAI_API_KEY → set OPENAI_API_KEY"),
            "{t}"
        );
        assert!(t.contains("Chain: none viable"), "{t}");
    }
}
