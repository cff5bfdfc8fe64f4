//! `octagit models [--json]`: which providers could serve a run from here, and why not.
//!
//! Credentials are shown by the name of the variable that holds them, never by value.
//! Local servers are probed (loopback, well under a second); hosted providers are not
//! called: that costs a request per provider and belongs to `octagit audit`.

use std::collections::BTreeMap;
use std::time::Instant;

use serde::Serialize;

use crate::cli::ModelsArgs;
use crate::config::Config;
use crate::provider::local::{self, LocalStatus};
use crate::provider::{ProviderEnv, ProviderKind, Wire};

const NOT_PROBED: &str = "not probed; run `octagit audit` to probe";

#[derive(Debug, Serialize)]
struct ProviderRow {
    provider: &'static str,
    local: bool,
    wire: Wire,
    base_url: String,
    /// The variable the credential was found in.
    credential_env: Option<String>,
    /// Where a credential is looked for (empty: none needed).
    credential_envs: Vec<String>,
    credential_present: bool,
    /// `None`: not probed.
    reachable: Option<bool>,
    reachability: String,
    models: Vec<String>,
    skipped: Vec<String>,
    /// Whether a fallback-chain hop can be built for this provider now.
    usable: bool,
    why_not: Option<String>,
}

/// One model of the chain and what an agent turn sends it.
#[derive(Debug, Serialize)]
struct ModelParams {
    slug: String,
    wire: Option<Wire>,
    /// `temperature=0, max_tokens=4096`; reasoning models: `no temperature,
    /// max_completion_tokens=..., reasoning_effort=...`.
    params: Option<String>,
    reasoning: Option<bool>,
    /// Where the capabilities come from: built-in table or the model's name (the audit
    /// refines them from the LiteLLM catalogue).
    capabilities_from: Option<crate::provider::CapsSource>,
    error: Option<String>,
}

#[derive(Debug, Serialize)]
struct ModelsReport {
    providers: Vec<ProviderRow>,
    /// The configured chain (or the default candidates), with the parameters each gets.
    chain: Vec<ModelParams>,
    /// Slugs of the local hops the chain would append.
    local_hops: Vec<String>,
    usable_providers: Vec<&'static str>,
    summary: String,
    probe_ms: u64,
    config_error: Option<String>,
}

pub async fn run(args: &ModelsArgs) -> anyhow::Result<i32> {
    // A broken config file must not hide the answer to "what can I use": report it and
    // carry on without its overrides.
    let cwd = std::env::current_dir()?;
    let (cfg, config_error) = match Config::load_file(&cwd) {
        Ok((cfg, _)) => (cfg, None),
        Err(e) => (
            Config::default(),
            Some(crate::secret::redact(&e.to_string())),
        ),
    };
    let env = ProviderEnv::from_process(cfg.providers.clone());
    let mut report = build(&env, config_error).await;
    report.chain = chain_params(&cfg);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", render_text(&report));
    }
    Ok(0)
}

async fn build(env: &ProviderEnv, config_error: Option<String>) -> ModelsReport {
    let started = Instant::now();
    let statuses = local::detect(env).await;
    let probe_ms = started.elapsed().as_millis() as u64;
    let by_kind: BTreeMap<ProviderKind, &LocalStatus> =
        statuses.iter().map(|s| (s.provider, s)).collect();

    let providers: Vec<ProviderRow> = ProviderKind::ALL
        .iter()
        .map(|&p| match by_kind.get(&p) {
            Some(s) => local_row(p, s),
            None => hosted_row(p, env),
        })
        .collect();
    let usable_providers: Vec<&'static str> = providers
        .iter()
        .filter(|r| r.usable)
        .map(|r| r.provider)
        .collect();
    let summary = summary(&providers);
    ModelsReport {
        local_hops: local::local_hops(&statuses),
        usable_providers,
        summary,
        probe_ms,
        config_error,
        providers,
        chain: Vec::new(),
    }
}

/// The parameters each model of the chain will be sent.
fn chain_params(cfg: &Config) -> Vec<ModelParams> {
    let slugs = if cfg.fallback_chain.is_empty() {
        crate::audit::default_candidates()
    } else {
        cfg.fallback_chain.clone()
    };
    slugs
        .into_iter()
        .map(|slug| {
            match crate::provider::caps::params_for(&slug, cfg.reasoning_effort.as_deref()) {
                Ok((wire, params, caps)) => ModelParams {
                    slug,
                    wire: Some(wire),
                    params: Some(params),
                    reasoning: Some(caps.reasoning),
                    capabilities_from: Some(caps.source),
                    error: None,
                },
                Err(e) => ModelParams {
                    slug,
                    wire: None,
                    params: None,
                    reasoning: None,
                    capabilities_from: None,
                    error: Some(e.to_string()),
                },
            }
        })
        .collect()
}

fn hosted_row(p: ProviderKind, env: &ProviderEnv) -> ProviderRow {
    let credential_envs: Vec<String> = match env
        .overrides
        .get(p.name())
        .and_then(|o| o.api_key_env.clone())
    {
        Some(name) => vec![name],
        None => p.key_envs().iter().map(|s| s.to_string()).collect(),
    };
    let found = env.key_for(p).map(|(name, _secret)| name);
    let why_not = match &found {
        Some(_) => None,
        None => Some(format!(
            "no credential: set {} (a repository secret in the action)",
            credential_envs.join(" or ")
        )),
    };
    ProviderRow {
        provider: p.name(),
        local: false,
        wire: p.wire(),
        base_url: env.base_url_for(p),
        credential_present: found.is_some(),
        credential_env: found,
        credential_envs,
        reachable: None,
        reachability: NOT_PROBED.into(),
        models: Vec::new(),
        skipped: Vec::new(),
        usable: why_not.is_none(),
        why_not,
    }
}

fn local_row(p: ProviderKind, s: &LocalStatus) -> ProviderRow {
    let reachability = if s.reachable {
        format!("yes ({} ms)", s.probe_ms)
    } else {
        "no".to_string()
    };
    ProviderRow {
        provider: p.name(),
        local: true,
        wire: p.wire(),
        base_url: s.base_url.clone(),
        credential_env: None,
        credential_envs: Vec::new(),
        credential_present: false,
        reachable: Some(s.reachable),
        reachability,
        models: s.models.clone(),
        skipped: s.skipped.clone(),
        usable: s.usable(),
        why_not: s.why_not.clone(),
    }
}

fn summary(rows: &[ProviderRow]) -> String {
    let keyed: Vec<&str> = rows
        .iter()
        .filter(|r| !r.local && r.usable)
        .map(|r| r.provider)
        .collect();
    let local: Vec<String> = rows
        .iter()
        .filter(|r| r.local && r.usable)
        .map(|r| {
            format!(
                "{} ({} model{})",
                r.provider,
                r.models.len(),
                if r.models.len() == 1 { "" } else { "s" }
            )
        })
        .collect();
    if keyed.is_empty() && local.is_empty() {
        let envs: Vec<String> = rows
            .iter()
            .filter(|r| !r.local)
            .flat_map(|r| r.credential_envs.iter().cloned())
            .collect();
        return format!(
            "No model is usable from here: no API key is set ({}) and no local model server answered. Set one key, or start a local server (for example `ollama serve`, then `ollama pull qwen2.5-coder:7b`).",
            envs.join(", ")
        );
    }
    let mut parts = Vec::new();
    if !keyed.is_empty() {
        parts.push(format!(
            "credentials set for {} (not probed; `octagit audit` checks and prices them)",
            keyed.join(", ")
        ));
    }
    if !local.is_empty() {
        parts.push(format!("local models on {}", local.join(", ")));
    }
    format!("Usable: {}.", parts.join("; "))
}

fn render_text(r: &ModelsReport) -> String {
    let mut out = String::new();
    out.push_str("Providers (credentials are named by variable, never shown)\n\n");
    for row in &r.providers {
        let kind = if row.local { "local" } else { "hosted" };
        out.push_str(&format!(
            "{:<12} {kind:<6}  {}\n",
            row.provider, row.base_url
        ));
        let cred = match &row.credential_env {
            _ if row.local => "not needed".to_string(),
            Some(name) => format!("{name} is set"),
            None => format!("none (looked in {})", row.credential_envs.join(", ")),
        };
        out.push_str(&format!("  credential  {cred}\n"));
        out.push_str(&format!("  reachable   {}\n", row.reachability));
        if !row.models.is_empty() {
            out.push_str(&format!("  models      {}\n", row.models.join(", ")));
        }
        if !row.skipped.is_empty() {
            out.push_str(&format!("  skipped     {}\n", row.skipped.join(", ")));
        }
        if let Some(why) = &row.why_not {
            out.push_str(&format!("  why not     {why}\n"));
        }
    }
    if !r.chain.is_empty() {
        out.push_str("\nModels of the chain and the parameters an agent turn sends them\n\n");
        for m in &r.chain {
            match (&m.params, &m.error) {
                (Some(p), _) => {
                    let wire = match m.wire {
                        Some(Wire::Responses) => " (Responses API)",
                        _ => "",
                    };
                    out.push_str(&format!("{}{wire}\n  sends       {p}\n", m.slug));
                }
                (None, Some(e)) => out.push_str(&format!("{}\n  error       {e}\n", m.slug)),
                _ => {}
            }
        }
    }
    out.push_str(&format!("\nLocal probe took {} ms.\n", r.probe_ms));
    if let Some(e) = &r.config_error {
        out.push_str(&format!("Config file ignored: {e}\n"));
    }
    out.push_str(&r.summary);
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosted_rows_name_the_variable_never_the_value() {
        let mut env = ProviderEnv::default();
        env.vars.insert(
            "ANTHROPIC_API_KEY".into(),
            "sk-ant-test-value-0123456789abcdef".into(),
        );
        let row = hosted_row(ProviderKind::Anthropic, &env);
        assert!(row.usable);
        assert_eq!(row.credential_env.as_deref(), Some("ANTHROPIC_API_KEY"));
        let json = serde_json::to_string(&row).unwrap();
        assert!(!json.contains("sk-ant-test-value"), "{json}");
        assert_eq!(row.reachability, NOT_PROBED);

        let row = hosted_row(ProviderKind::GitHub, &ProviderEnv::default());
        assert!(!row.usable);
        assert_eq!(
            row.why_not.as_deref(),
            Some(
                "no credential: set GITHUB_API_KEY or GITHUB_TOKEN (a repository secret in the action)"
            )
        );
    }

    #[test]
    fn summary_says_plainly_when_nothing_is_usable() {
        let rows: Vec<ProviderRow> = [ProviderKind::Anthropic, ProviderKind::OpenAi]
            .iter()
            .map(|&p| hosted_row(p, &ProviderEnv::default()))
            .collect();
        let s = summary(&rows);
        assert!(s.starts_with("No model is usable from here"), "{s}");
        assert!(s.contains("ANTHROPIC_API_KEY, OPENAI_API_KEY"), "{s}");
    }
}
