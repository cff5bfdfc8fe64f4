//! The resolved configuration: CLI flags > action inputs (`INPUT_*`) > `.github/octagit.yml`
//! > defaults.
//!
//! YAML is read with serde-saphyr: serde_yaml is archived and its libyaml port carries an
//! unmaintained advisory; serde-saphyr is pure Rust, maintained, and reports line numbers.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Where the config file lives, relative to the repository root.
pub const CONFIG_PATH: &str = ".github/octagit.yml";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// The repo's own test command: the gate. Detected when absent.
    pub test_command: Option<String>,
    /// Runs once before the baseline tests (install dependencies, build).
    pub setup_command: Option<String>,
    /// Model slugs to try, in order. Empty: the audit builds the chain.
    pub fallback_chain: Vec<String>,
    pub max_turns: u32,
    pub max_cost_usd: f64,
    pub max_minutes: u32,
    /// Globs the agent may never write (on top of `.git/`).
    pub protected_paths: Vec<String>,
    /// Branch the PR targets. Default: the repo's current branch.
    pub base_branch: Option<String>,
    pub draft: bool,
    pub branch_prefix: String,
    /// Suffix of the branch that keeps partial work of a failed run.
    pub wip_suffix: String,
    pub trigger: Trigger,
    /// Per-provider overrides, keyed by provider name (`openai`, `anthropic`, `ollama`, ...).
    pub providers: BTreeMap<String, ProviderOverride>,
    /// Seconds one model request may take before the hop counts as timed out.
    pub request_timeout_secs: u64,
    /// Seconds the test command may run.
    pub test_timeout_secs: u64,
    /// Minimum permission of the actor who triggers a run: read, triage, write, maintain, admin.
    pub min_permission: String,
    /// Let the agent delete or skip tests that existed before its edits (off: the gate
    /// fails when it does).
    pub allow_test_changes: bool,
    /// Let the test command reach the network (the sandbox turns it off by default; setup
    /// always keeps it).
    pub test_network: bool,
    /// Extra environment variable names passed to the commands the agent causes, on top of
    /// the allowlist (never a credential or a runner file command).
    pub pass_env: Vec<String>,
    /// Run without any isolation on an issue from someone without write access.
    pub allow_unsandboxed: bool,
    /// `reasoning_effort` for reasoning models (gpt-5, o3, o4-mini, ...): minimal, low,
    /// medium or high. Other models never get it. Default: the provider's own default.
    pub reasoning_effort: Option<String>,
    /// Orphan branch the action commits the terrain pictures to, so comments and summaries
    /// can show them. Empty turns the pictures off (the text heatmap stays).
    pub assets_branch: String,
    /// Label the action puts on an issue it fixed; triage skips labelled issues.
    pub done_label: String,
    /// Label the action puts on an issue it could not fix; triage skips it until a person
    /// removes the label.
    pub failed_label: String,
    /// Fail the step (exit 1) when a run ends without a fix. Off: the step succeeds and the
    /// `status`/`failure-class` outputs say what happened.
    pub fail_on_no_fix: bool,
}

/// The values OpenAI documents for `reasoning_effort` (`none` and `xhigh` on gpt-5.1+).
pub const REASONING_EFFORTS: [&str; 6] = ["none", "minimal", "low", "medium", "high", "xhigh"];

/// Default of `assets_branch` (and of the action's `assets-branch` input).
pub const DEFAULT_ASSETS_BRANCH: &str = "octagit-assets";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Trigger {
    /// Issue label that starts a run.
    pub label: String,
    /// Comment phrase that starts a run.
    pub phrase: String,
}

impl Default for Trigger {
    fn default() -> Self {
        Trigger {
            label: "octagit".into(),
            phrase: "/octagit".into(),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderOverride {
    pub base_url: Option<String>,
    /// Name of the environment variable that holds the key.
    pub api_key_env: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            test_command: None,
            setup_command: None,
            fallback_chain: Vec::new(),
            max_turns: 30,
            max_cost_usd: 2.0,
            max_minutes: 20,
            protected_paths: vec![".github/workflows/**".into(), CONFIG_PATH.into()],
            base_branch: None,
            draft: true,
            branch_prefix: "octagit/".into(),
            wip_suffix: "-wip".into(),
            trigger: Trigger::default(),
            providers: BTreeMap::new(),
            request_timeout_secs: 120,
            test_timeout_secs: 900,
            min_permission: "write".into(),
            allow_test_changes: false,
            test_network: false,
            pass_env: Vec::new(),
            allow_unsandboxed: false,
            reasoning_effort: None,
            assets_branch: DEFAULT_ASSETS_BRANCH.into(),
            done_label: "octagit:done".into(),
            failed_label: "octagit:failed".into(),
            fail_on_no_fix: true,
        }
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConfigError {
    #[error("{file}:{line}: {message} (fix or remove it; every key is listed in the README)")]
    Invalid {
        file: String,
        line: u64,
        message: String,
    },
    #[error("{file}: {message}")]
    Unreadable { file: String, message: String },
    #[error("{source_name}: bad value for `{key}`: {message}")]
    BadValue {
        source_name: String,
        key: String,
        message: String,
    },
}

/// Values that override the file: from CLI flags or from action inputs. `None` keeps what
/// the lower layer said.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub test_command: Option<String>,
    pub setup_command: Option<String>,
    pub fallback_chain: Option<Vec<String>>,
    pub max_turns: Option<u32>,
    pub max_cost_usd: Option<f64>,
    pub max_minutes: Option<u32>,
    pub protected_paths: Option<Vec<String>>,
    pub base_branch: Option<String>,
    pub draft: Option<bool>,
    pub branch_prefix: Option<String>,
    pub trigger_label: Option<String>,
    pub trigger_phrase: Option<String>,
    pub min_permission: Option<String>,
    pub test_network: Option<bool>,
    pub allow_unsandboxed: Option<bool>,
    pub assets_branch: Option<String>,
    pub done_label: Option<String>,
    pub failed_label: Option<String>,
    pub fail_on_no_fix: Option<bool>,
}

impl Overrides {
    /// Read action inputs the way the runner names them: `INPUT_<NAME>` upper-cased with
    /// hyphens kept (`test-command` → `INPUT_TEST-COMMAND`). Empty inputs count as unset,
    /// because the runner passes every declared input, empty when the workflow gave none.
    pub fn from_inputs(vars: &BTreeMap<String, String>) -> Result<Overrides, ConfigError> {
        let get = |name: &str| {
            vars.get(&format!("INPUT_{}", name.to_ascii_uppercase()))
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let bad = |key: &str, message: String| ConfigError::BadValue {
            source_name: "action input".into(),
            key: key.into(),
            message,
        };
        let num = |key: &str| -> Result<Option<u32>, ConfigError> {
            get(key)
                .map(|v| {
                    v.parse::<u32>()
                        .map_err(|_| bad(key, format!("`{v}` is not a whole number")))
                })
                .transpose()
        };
        let list = |key: &str| get(key).map(|v| split_list(&v));
        let fallback_chain = match (list("fallback-chain"), get("model")) {
            (Some(chain), Some(model)) => {
                let rest: Vec<String> = chain.into_iter().filter(|m| *m != model).collect();
                let mut c = vec![model];
                c.extend(rest);
                Some(c)
            }
            (Some(chain), None) => Some(chain),
            (None, Some(model)) => Some(vec![model]),
            (None, None) => None,
        };
        Ok(Overrides {
            test_command: get("test-command"),
            setup_command: get("setup-command"),
            fallback_chain,
            max_turns: num("max-turns")?,
            max_cost_usd: get("max-cost-usd")
                .map(|v| parse_cost(&v).map_err(|m| bad("max-cost-usd", m)))
                .transpose()?,
            max_minutes: num("timeout-minutes")?,
            protected_paths: list("protected-paths"),
            base_branch: get("base-branch"),
            draft: get("draft")
                .map(|v| parse_bool(&v).map_err(|m| bad("draft", m)))
                .transpose()?,
            branch_prefix: get("branch-prefix"),
            trigger_label: get("label"),
            trigger_phrase: get("trigger-phrase"),
            min_permission: get("min-permission"),
            test_network: get("test-network")
                .map(|v| parse_bool(&v).map_err(|m| bad("test-network", m)))
                .transpose()?,
            allow_unsandboxed: get("allow-unsandboxed")
                .map(|v| parse_bool(&v).map_err(|m| bad("allow-unsandboxed", m)))
                .transpose()?,
            // An empty input turns the pictures off, so presence counts, not content. The
            // input's declared default defers to the config file: the runner passes every
            // declared input, so the default is indistinguishable from "not given".
            assets_branch: vars
                .get("INPUT_ASSETS-BRANCH")
                .map(|v| v.trim().to_string())
                .filter(|v| v != DEFAULT_ASSETS_BRANCH),
            done_label: get("done-label"),
            failed_label: get("failed-label"),
            fail_on_no_fix: get("fail-on-no-fix")
                .map(|v| parse_bool(&v).map_err(|m| bad("fail-on-no-fix", m)))
                .transpose()?,
        })
    }
}

/// Split a comma- or newline-separated list, as action inputs carry lists.
pub fn split_list(v: &str) -> Vec<String> {
    v.split([',', '\n'])
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

fn parse_bool(v: &str) -> Result<bool, String> {
    match v.to_ascii_lowercase().as_str() {
        "true" | "yes" | "1" | "on" => Ok(true),
        "false" | "no" | "0" | "off" => Ok(false),
        _ => Err(format!("`{v}` is not true or false")),
    }
}

fn parse_cost(v: &str) -> Result<f64, String> {
    match v.trim_start_matches('$').parse::<f64>() {
        Ok(c) if c.is_finite() && c >= 0.0 => Ok(c),
        _ => Err(format!("`{v}` is not a non-negative number of dollars")),
    }
}

const PERMISSIONS: [&str; 5] = ["read", "triage", "write", "maintain", "admin"];

impl Config {
    /// Parse the YAML text of a config file. `file` names it in errors.
    pub fn from_yaml(text: &str, file: &str) -> Result<Config, ConfigError> {
        if text.trim().is_empty() {
            return Ok(Config::default());
        }
        let cfg: Config = serde_saphyr::from_str(text).map_err(|e| {
            let line = e.location().map(|l| l.line()).unwrap_or(1);
            ConfigError::Invalid {
                file: file.to_string(),
                line,
                message: one_line(&e.to_string()),
            }
        })?;
        cfg.validate(file, text)?;
        Ok(cfg)
    }

    /// Read `.github/octagit.yml` under `repo`; defaults when there is none.
    pub fn load_file(repo: &Path) -> Result<(Config, Option<PathBuf>), ConfigError> {
        let path = repo.join(CONFIG_PATH);
        match std::fs::read_to_string(&path) {
            Ok(text) => Ok((Config::from_yaml(&text, CONFIG_PATH)?, Some(path))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok((Config::default(), None)),
            Err(e) => Err(ConfigError::Unreadable {
                file: CONFIG_PATH.into(),
                message: e.to_string(),
            }),
        }
    }

    /// Values no type can reject but that make no sense; named with their line.
    fn validate(&self, file: &str, text: &str) -> Result<(), ConfigError> {
        let fail = |key: &str, message: String| ConfigError::Invalid {
            file: file.to_string(),
            line: line_of_key(text, key),
            // Values are echoed; a quoted "\n" in one must not split the one-line error
            // (found by tests/it/proptests.rs).
            message: format!(
                "`{key}`: {}",
                message.replace('\n', "\\n").replace('\r', "\\r")
            ),
        };
        if self.max_turns == 0 {
            return Err(fail("max_turns", "must be at least 1".into()));
        }
        if !(self.max_cost_usd.is_finite() && self.max_cost_usd >= 0.0) {
            return Err(fail("max_cost_usd", "must be a non-negative number".into()));
        }
        if self.max_minutes == 0 {
            return Err(fail("max_minutes", "must be at least 1".into()));
        }
        // Beyond a week a number is a typo, and a duration that large overflows the clock
        // arithmetic of the run's deadline and timeouts.
        const WEEK_SECS: u64 = 7 * 24 * 3600;
        if u64::from(self.max_minutes) * 60 > WEEK_SECS {
            return Err(fail("max_minutes", "must be at most 10080 (a week)".into()));
        }
        for (key, v) in [
            ("request_timeout_secs", self.request_timeout_secs),
            ("test_timeout_secs", self.test_timeout_secs),
        ] {
            if v > WEEK_SECS {
                return Err(fail(key, format!("must be at most {WEEK_SECS} (a week)")));
            }
        }
        if !PERMISSIONS.contains(&self.min_permission.as_str()) {
            return Err(fail(
                "min_permission",
                format!(
                    "`{}` is not one of {}",
                    self.min_permission,
                    PERMISSIONS.join(", ")
                ),
            ));
        }
        if let Some(e) = &self.reasoning_effort
            && !REASONING_EFFORTS.contains(&e.trim().to_ascii_lowercase().as_str())
        {
            return Err(fail(
                "reasoning_effort",
                format!("`{e}` is not one of {}", REASONING_EFFORTS.join(", ")),
            ));
        }
        for slug in &self.fallback_chain {
            if let Err(e) = crate::provider::parse_slug(slug) {
                return Err(fail("fallback_chain", e.to_string()));
            }
        }
        for name in self.providers.keys() {
            if crate::provider::parse_slug(&format!("{name}/x")).is_err() {
                return Err(fail("providers", format!("unknown provider `{name}`")));
            }
        }
        if let Some(t) = &self.test_command
            && t.trim().is_empty()
        {
            return Err(fail(
                "test_command",
                "is empty; remove the key to auto-detect".into(),
            ));
        }
        Ok(())
    }

    /// Apply a layer of overrides on top of this config.
    pub fn apply(&mut self, o: &Overrides) {
        macro_rules! set {
            ($field:ident) => {
                if let Some(v) = &o.$field {
                    self.$field = v.clone().into();
                }
            };
        }
        set!(test_command);
        set!(setup_command);
        set!(fallback_chain);
        set!(max_turns);
        set!(max_cost_usd);
        set!(max_minutes);
        set!(protected_paths);
        set!(base_branch);
        set!(draft);
        set!(branch_prefix);
        set!(min_permission);
        set!(test_network);
        set!(allow_unsandboxed);
        set!(assets_branch);
        set!(done_label);
        set!(failed_label);
        set!(fail_on_no_fix);
        if let Some(l) = &o.trigger_label {
            self.trigger.label = l.clone();
        }
        if let Some(p) = &o.trigger_phrase {
            self.trigger.phrase = p.clone();
        }
    }

    /// The full precedence: flags > inputs > file > defaults.
    pub fn resolve(
        repo: &Path,
        inputs: &Overrides,
        flags: &Overrides,
    ) -> Result<(Config, Option<PathBuf>), ConfigError> {
        let (mut cfg, path) = Config::load_file(repo)?;
        cfg.apply(inputs);
        cfg.apply(flags);
        for slug in &cfg.fallback_chain {
            crate::provider::parse_slug(slug).map_err(|e| ConfigError::BadValue {
                source_name: "fallback chain".into(),
                key: slug.clone(),
                message: e.to_string(),
            })?;
        }
        Ok((cfg, path))
    }
}

fn one_line(s: &str) -> String {
    // serde-saphyr renders a snippet below the message; the first line is the message.
    s.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or(s)
        .to_string()
}

fn line_of_key(text: &str, key: &str) -> u64 {
    text.lines()
        .position(|l| l.trim_start().starts_with(&format!("{key}:")))
        .map(|i| i as u64 + 1)
        .unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_file_parses() {
        let yaml = r#"
test_command: pytest -q
setup_command: pip install -e .
fallback_chain: [anthropic/claude-sonnet-4-5, openai/gpt-4o-mini]
max_turns: 12
max_cost_usd: 0.5
max_minutes: 10
protected_paths: [".github/**", "secrets/**"]
base_branch: main
draft: false
branch_prefix: bot/
trigger:
  label: fix-me
  phrase: /fix
providers:
  openai:
    base_url: http://127.0.0.1:9999/v1
    api_key_env: MY_OPENAI_KEY
"#;
        let c = Config::from_yaml(yaml, CONFIG_PATH).unwrap();
        assert_eq!(c.test_command.as_deref(), Some("pytest -q"));
        assert_eq!(c.fallback_chain.len(), 2);
        assert_eq!(c.max_turns, 12);
        assert!(!c.draft);
        assert_eq!(c.trigger.phrase, "/fix");
        assert_eq!(
            c.providers["openai"].api_key_env.as_deref(),
            Some("MY_OPENAI_KEY")
        );
        // Unset keys keep their defaults.
        assert_eq!(c.request_timeout_secs, 120);
    }

    #[test]
    fn unknown_key_names_file_and_line() {
        let yaml = "max_turns: 5\ntest_comand: make test\n";
        let err = Config::from_yaml(yaml, CONFIG_PATH).unwrap_err();
        let msg = err.to_string();
        assert!(msg.starts_with(".github/octagit.yml:2:"), "{msg}");
        assert!(msg.contains("test_comand"), "{msg}");
        assert!(!msg.contains('\n'), "{msg}");
    }

    #[test]
    fn bad_values_name_file_and_line() {
        let err = Config::from_yaml("draft: true\nmax_turns: lots\n", CONFIG_PATH).unwrap_err();
        assert!(
            err.to_string().starts_with(".github/octagit.yml:2:"),
            "{err}"
        );
        let err = Config::from_yaml("max_turns: 0\n", CONFIG_PATH).unwrap_err();
        assert!(err.to_string().contains(":1:"), "{err}");
        let err =
            Config::from_yaml("draft: true\nfallback_chain: [acme/x]\n", CONFIG_PATH).unwrap_err();
        assert!(
            err.to_string().contains(":2:") && err.to_string().contains("acme"),
            "{err}"
        );
    }

    #[test]
    fn precedence_flags_over_inputs_over_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(".github")).unwrap();
        std::fs::write(
            dir.path().join(CONFIG_PATH),
            "test_command: from-file\nmax_turns: 7\nsetup_command: setup-file\n",
        )
        .unwrap();
        let mut vars = BTreeMap::new();
        vars.insert("INPUT_TEST-COMMAND".to_string(), "from-input".to_string());
        vars.insert("INPUT_MAX-TURNS".to_string(), "9".to_string());
        vars.insert("INPUT_SETUP-COMMAND".to_string(), "".to_string());
        let inputs = Overrides::from_inputs(&vars).unwrap();
        let flags = Overrides {
            test_command: Some("from-flag".into()),
            ..Default::default()
        };
        let (c, path) = Config::resolve(dir.path(), &inputs, &flags).unwrap();
        assert!(path.is_some());
        assert_eq!(c.test_command.as_deref(), Some("from-flag"));
        assert_eq!(c.max_turns, 9);
        assert_eq!(
            c.setup_command.as_deref(),
            Some("setup-file"),
            "empty input keeps the file"
        );
    }

    #[test]
    fn inputs_reject_bad_numbers() {
        let mut vars = BTreeMap::new();
        vars.insert("INPUT_MAX-TURNS".to_string(), "many".to_string());
        let err = Overrides::from_inputs(&vars).unwrap_err().to_string();
        assert!(err.contains("max-turns") && err.contains("many"), "{err}");
    }
}
