//! The resolved configuration: CLI flags > action inputs (`INPUT_*`) > `.github/octagit.yml`
//! > defaults.
//!
//! YAML is read with serde-saphyr: serde_yaml is archived and its libyaml port carries an
//! unmaintained advisory; serde-saphyr is pure Rust, maintained, and reports line numbers.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

mod inputs;
mod overrides;
mod validate;

pub use inputs::{ActionInputs, PROVIDER_INPUTS};
pub use overrides::{LayerSource, Overrides, split_list};
pub use validate::{ALLOW_SCRIPTED_VAR, scripted_allowed};
use validate::{Provenance, validate};

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
    /// Globs the agent may never write (on top of `.git/`): always [`DEFAULT_PROTECTED`],
    /// plus what the file, inputs and flags add.
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
            protected_paths: protected_with_defaults(Vec::new()),
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
    /// A bad value from an override layer: `source_name` is the door (`action input`,
    /// `flag`, `argument`), `key` the name as written there.
    #[error("{source_name} `{key}`: {message}; {next}")]
    BadValue {
        source_name: String,
        key: String,
        message: String,
        next: String,
    },
}

/// Globs every run protects, whatever the config says: a user's `protected_paths` adds
/// to these, never replaces them.
pub const DEFAULT_PROTECTED: [&str; 2] = [".github/workflows/**", CONFIG_PATH];

/// The defaults first, then `paths`, each glob once.
pub(crate) fn protected_with_defaults(paths: Vec<String>) -> Vec<String> {
    let mut all: Vec<String> = DEFAULT_PROTECTED.iter().map(|s| s.to_string()).collect();
    for p in paths {
        if !all.contains(&p) {
            all.push(p);
        }
    }
    all
}

/// Parse a config file's text without validating it (validation waits for the layers).
fn parse_yaml(text: &str, file: &str) -> Result<Config, ConfigError> {
    if text.trim().is_empty() {
        return Ok(Config::default());
    }
    let mut cfg: Config = serde_saphyr::from_str(text).map_err(|e| {
        let line = e.location().map(|l| l.line()).unwrap_or(1);
        ConfigError::Invalid {
            file: file.to_string(),
            line,
            message: one_line(&e.to_string()),
        }
    })?;
    cfg.protected_paths = protected_with_defaults(std::mem::take(&mut cfg.protected_paths));
    Ok(cfg)
}

/// The config file's text, `None` when there is none.
fn read_file(repo: &Path) -> Result<Option<(PathBuf, String)>, ConfigError> {
    let path = repo.join(CONFIG_PATH);
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok(Some((path, text))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(ConfigError::Unreadable {
            file: CONFIG_PATH.into(),
            message: e.to_string(),
        }),
    }
}

impl Config {
    /// Parse and validate the YAML text of a config file. `file` names it in errors.
    pub fn from_yaml(text: &str, file: &str) -> Result<Config, ConfigError> {
        let cfg = parse_yaml(text, file)?;
        validate(
            &cfg,
            &Provenance {
                file: Some((file, text)),
                layers: &[],
                allow_scripted: scripted_allowed(),
            },
        )?;
        Ok(cfg)
    }

    /// Read `.github/octagit.yml` under `repo`; defaults when there is none.
    pub fn load_file(repo: &Path) -> Result<(Config, Option<PathBuf>), ConfigError> {
        match read_file(repo)? {
            Some((path, text)) => Ok((Config::from_yaml(&text, CONFIG_PATH)?, Some(path))),
            None => Ok((Config::default(), None)),
        }
    }

    /// The full precedence: flags > inputs > file > defaults, then one validation of the
    /// result that names the file line, input, flag or argument behind a bad value.
    pub fn resolve(
        repo: &Path,
        inputs: &Overrides,
        flags: &Overrides,
    ) -> Result<(Config, Option<PathBuf>), ConfigError> {
        Config::resolve_with(repo, inputs, flags, scripted_allowed())
    }

    /// [`Config::resolve`] with the scripted-model gate given instead of read from
    /// [`ALLOW_SCRIPTED_VAR`].
    pub fn resolve_with(
        repo: &Path,
        inputs: &Overrides,
        flags: &Overrides,
        allow_scripted: bool,
    ) -> Result<(Config, Option<PathBuf>), ConfigError> {
        let file = read_file(repo)?;
        let mut cfg = match &file {
            Some((_, text)) => parse_yaml(text, CONFIG_PATH)?,
            None => Config::default(),
        };
        cfg.apply(inputs);
        cfg.apply(flags);
        validate(
            &cfg,
            &Provenance {
                file: file.as_ref().map(|(_, text)| (CONFIG_PATH, text.as_str())),
                layers: &[inputs, flags],
                allow_scripted,
            },
        )?;
        Ok((cfg, file.map(|(path, _)| path)))
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

    fn repo_with(config: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(".github")).unwrap();
        std::fs::write(dir.path().join(CONFIG_PATH), config).unwrap();
        dir
    }

    fn inputs(pairs: &[(&str, &str)]) -> Overrides {
        let vars: BTreeMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Overrides::from_inputs(&vars).unwrap()
    }

    /// The three values the issue names, as action inputs, end to end through
    /// `ActionInputs` and `resolve`.
    #[test]
    fn bad_limits_from_inputs_name_the_input() {
        let dir = repo_with("max_turns: 5\n");
        for (k, v, want) in [
            (
                "INPUT_MAX-TURNS",
                "0",
                "action input `max-turns`: must be at least 1",
            ),
            (
                "INPUT_MAX-COST-USD",
                "-1",
                "action input `max-cost-usd`: must be a non-negative",
            ),
            (
                "INPUT_TIMEOUT-MINUTES",
                "4294967295",
                "action input `timeout-minutes`: must be at most 10080",
            ),
        ] {
            let err =
                Config::resolve_with(dir.path(), &inputs(&[(k, v)]), &Overrides::default(), false)
                    .unwrap_err()
                    .to_string();
            assert!(err.starts_with(want) && err.contains("with:"), "{err}");
        }
    }

    #[test]
    fn protected_paths_add_to_the_defaults_from_every_source() {
        let defaults: Vec<String> = DEFAULT_PROTECTED.iter().map(|s| s.to_string()).collect();
        assert_eq!(Config::default().protected_paths, defaults);
        let dir = repo_with("protected_paths: [\"secrets/**\", \".github/workflows/**\"]\n");
        let (file_only, _) = Config::resolve_with(
            dir.path(),
            &Overrides::default(),
            &Overrides::default(),
            false,
        )
        .unwrap();
        assert_eq!(
            file_only.protected_paths,
            [defaults.clone(), vec!["secrets/**".to_string()]].concat(),
            "defaults first, each glob once"
        );
        let flags = Overrides {
            protected_paths: Some(vec!["infra/**".into()]),
            ..Default::default()
        };
        let (c, _) = Config::resolve_with(
            dir.path(),
            &inputs(&[("INPUT_PROTECTED-PATHS", "keys/**, secrets/**")]),
            &flags,
            false,
        )
        .unwrap();
        assert_eq!(
            c.protected_paths,
            [
                defaults,
                vec!["secrets/**".into(), "keys/**".into(), "infra/**".into()]
            ]
            .concat()
        );
        let empty = Config::from_yaml("protected_paths: []\n", CONFIG_PATH).unwrap();
        assert_eq!(empty.protected_paths, Config::default().protected_paths);
    }

    #[test]
    fn scripted_slugs_need_the_test_switch_at_resolve() {
        let dir = repo_with("fallback_chain: [scripted//tmp/t.json]\n");
        let none = Overrides::default();
        let err = Config::resolve_with(dir.path(), &none, &none, false)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with(".github/octagit.yml:1:") && err.contains("scripted model"),
            "{err}"
        );
        let (c, _) = Config::resolve_with(dir.path(), &none, &none, true).unwrap();
        assert_eq!(c.fallback_chain, vec!["scripted//tmp/t.json".to_string()]);
    }
}
