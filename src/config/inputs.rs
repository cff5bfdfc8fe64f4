//! Every input `action.yml` declares, read in one place and typed.
//!
//! The runner hands inputs to the container as `INPUT_<NAME>`, upper-cased with hyphens
//! kept (`test-command` → `INPUT_TEST-COMMAND`), and passes every declared input, empty
//! when the workflow gave none: an empty input counts as unset. The tests below hold this
//! reader and `action.yml` (and `host/action.yml`) to the same list of names.

use std::collections::BTreeMap;

use super::{ConfigError, DEFAULT_ASSETS_BRANCH, LayerSource, Overrides, split_list};
use crate::github::event::Mode;

/// Provider-key inputs and the variable each provider reads. A container action gets its
/// keys as inputs, not as the provider's usual variables.
pub const PROVIDER_INPUTS: &[(&str, &str)] = &[
    ("anthropic-api-key", "ANTHROPIC_API_KEY"),
    ("openai-api-key", "OPENAI_API_KEY"),
    ("openrouter-api-key", "OPENROUTER_API_KEY"),
    ("hf-token", "HF_TOKEN"),
    // GitHub Models authenticate with a GitHub token (`models: read`).
    ("github-token", "GITHUB_TOKEN"),
];

/// The action's inputs. Config keys go to [`Overrides`] (`config`); the rest steer the
/// action itself.
#[derive(Debug, Clone)]
pub struct ActionInputs {
    /// `github-token`.
    pub github_token: Option<String>,
    /// (provider variable, value) for every provider-key input given, `github-token`
    /// included.
    provider_keys: Vec<(&'static str, String)>,
    pub mode: Mode,
    /// `issue-number`, as written (the event decides what a bad one means).
    pub issue_number: Option<String>,
    /// `max-issues`: triage's cap, when given.
    pub max_issues: Option<usize>,
    pub force: bool,
    /// The config layer: `model`, `fallback-chain`, `test-command`, limits, labels, ...
    pub config: Overrides,
}

/// Reads inputs by their declared name and remembers which names were read (the tests
/// compare that list with `action.yml`).
struct Reader<'a> {
    vars: &'a BTreeMap<String, String>,
    read: Vec<&'static str>,
}

impl Reader<'_> {
    /// The input as given, trimmed, even when empty.
    fn raw(&mut self, name: &'static str) -> Option<String> {
        self.read.push(name);
        self.vars
            .get(&format!("INPUT_{}", name.to_ascii_uppercase()))
            .map(|v| v.trim().to_string())
    }

    fn get(&mut self, name: &'static str) -> Option<String> {
        self.raw(name).filter(|v| !v.is_empty())
    }

    fn parsed<T>(
        &mut self,
        name: &'static str,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Result<Option<T>, ConfigError> {
        self.get(name)
            .map(|v| parse(&v).map_err(|m| bad(name, m)))
            .transpose()
    }
}

fn bad(name: &str, message: String) -> ConfigError {
    ConfigError::BadValue {
        source_name: LayerSource::Inputs.noun().into(),
        key: name.into(),
        message,
        next: LayerSource::Inputs.next_step().into(),
    }
}

impl ActionInputs {
    /// Read every input from the process environment (or a test's map).
    pub fn from_vars(vars: &BTreeMap<String, String>) -> Result<ActionInputs, ConfigError> {
        read(&mut Reader {
            vars,
            read: Vec::new(),
        })
    }

    /// The provider variables the inputs supply: an input wins over an empty or absent
    /// variable, never over one the workflow set explicitly in `env:`.
    pub fn provider_vars(&self, env: &BTreeMap<String, String>) -> Vec<(String, String)> {
        self.provider_keys
            .iter()
            .filter(|(var, _)| env.get(*var).is_none_or(|s| s.trim().is_empty()))
            .map(|(var, v)| (var.to_string(), v.clone()))
            .collect()
    }
}

/// Every read is unconditional, so reading an empty map visits every name.
fn read(r: &mut Reader<'_>) -> Result<ActionInputs, ConfigError> {
    let mut provider_keys = Vec::new();
    let mut github_token = None;
    for (input, var) in PROVIDER_INPUTS {
        let v = r.get(input);
        if *input == "github-token" {
            github_token = v.clone();
        }
        if let Some(v) = v {
            provider_keys.push((*var, v));
        }
    }
    let chain = r.get("fallback-chain").map(|v| split_list(&v));
    let model = r.get("model");
    let fallback_chain = match (chain, model) {
        (Some(chain), Some(model)) => {
            let rest = chain.into_iter().filter(|m| *m != model);
            Some(std::iter::once(model.clone()).chain(rest).collect())
        }
        (Some(chain), None) => Some(chain),
        (None, Some(model)) => Some(vec![model]),
        (None, None) => None,
    };
    let mode = r.raw("mode");
    let mode = Mode::parse(mode.as_deref()).map_err(|m| bad("mode", m))?;
    // An empty `assets-branch` turns the pictures off, so presence counts, not content.
    // Its declared default defers to the config file: the runner passes every declared
    // input, so the default is indistinguishable from "not given".
    let assets_branch = r
        .raw("assets-branch")
        .filter(|v| v != DEFAULT_ASSETS_BRANCH);
    let config = Overrides {
        source: LayerSource::Inputs,
        test_command: r.get("test-command"),
        setup_command: r.get("setup-command"),
        fallback_chain,
        max_turns: r.parsed("max-turns", whole)?,
        max_cost_usd: r.parsed("max-cost-usd", dollars)?,
        max_minutes: r.parsed("timeout-minutes", whole)?,
        protected_paths: r.get("protected-paths").map(|v| split_list(&v)),
        base_branch: r.get("base-branch"),
        draft: r.parsed("draft", parse_bool)?,
        branch_prefix: r.get("branch-prefix"),
        trigger_label: r.get("label"),
        trigger_phrase: r.get("trigger-phrase"),
        min_permission: r.get("min-permission"),
        test_network: r.parsed("test-network", parse_bool)?,
        allow_unsandboxed: r.parsed("allow-unsandboxed", parse_bool)?,
        assets_branch,
        done_label: r.get("done-label"),
        failed_label: r.get("failed-label"),
        fail_on_no_fix: r.parsed("fail-on-no-fix", parse_bool)?,
    };
    Ok(ActionInputs {
        github_token,
        provider_keys,
        mode,
        issue_number: r.get("issue-number"),
        max_issues: r.parsed("max-issues", |v| {
            v.parse::<usize>()
                .map_err(|_| format!("`{v}` is not a whole number"))
        })?,
        force: r.parsed("force", parse_bool)?.unwrap_or(false),
        config,
    })
}

/// A whole number; its range is checked with the rest of the config
/// (`super::validate`), the same way for every source.
fn whole(v: &str) -> Result<u32, String> {
    v.parse::<u32>()
        .map_err(|_| format!("`{v}` is not a whole number"))
}

/// Dollars, `$` allowed; the sign is checked with the rest of the config.
fn dollars(v: &str) -> Result<f64, String> {
    match v.trim_start_matches('$').parse::<f64>() {
        Ok(c) if !c.is_nan() => Ok(c),
        _ => Err(format!("`{v}` is not a number of dollars")),
    }
}

fn parse_bool(v: &str) -> Result<bool, String> {
    match v.to_ascii_lowercase().as_str() {
        "true" | "yes" | "1" | "on" => Ok(true),
        "false" | "no" | "0" | "off" => Ok(false),
        _ => Err(format!("`{v}` is not true or false")),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    fn names_read() -> BTreeSet<&'static str> {
        let empty = BTreeMap::new();
        let mut r = Reader {
            vars: &empty,
            read: Vec::new(),
        };
        read(&mut r).unwrap();
        r.read.into_iter().collect()
    }

    #[derive(serde::Deserialize)]
    struct ActionYml {
        inputs: BTreeMap<String, InputDecl>,
    }

    #[derive(serde::Deserialize)]
    struct InputDecl {
        description: String,
    }

    /// A declared input nobody reads is a setting that silently does nothing; an input the
    /// code reads but `action.yml` does not declare can never be set.
    #[test]
    fn action_yml_declares_exactly_the_inputs_read() {
        let yml: ActionYml =
            serde_saphyr::from_str(include_str!("../../action.yml")).expect("action.yml parses");
        for (name, decl) in &yml.inputs {
            assert!(
                !decl.description.trim().is_empty(),
                "`{name}` has no description"
            );
        }
        let declared: BTreeSet<&str> = yml.inputs.keys().map(String::as_str).collect();
        let read = names_read();
        let unread: Vec<_> = declared.difference(&read).collect();
        let undeclared: Vec<_> = read.difference(&declared).collect();
        assert!(
            unread.is_empty(),
            "declared in action.yml, never read: {unread:?}"
        );
        assert!(
            undeclared.is_empty(),
            "read, not declared in action.yml: {undeclared:?}"
        );
    }

    /// The host-mode action passes its inputs on as `INPUT_*` by hand: the same list.
    #[test]
    fn host_action_passes_exactly_the_inputs_read() {
        let text = include_str!("../../host/action.yml");
        let passed: BTreeSet<String> = text
            .lines()
            .filter_map(|l| l.trim().strip_prefix("INPUT_"))
            .filter_map(|l| l.split_once(':'))
            .map(|(name, _)| name.to_ascii_lowercase())
            .collect();
        let read: BTreeSet<String> = names_read().into_iter().map(String::from).collect();
        assert_eq!(
            passed, read,
            "host/action.yml's INPUT_* env and the reader differ"
        );
    }

    #[test]
    fn provider_inputs_map_to_provider_vars_without_overriding_env() {
        let mut vars = BTreeMap::new();
        vars.insert(
            "INPUT_ANTHROPIC-API-KEY".to_string(),
            "sk-ant-xxxxxxxxxxxxxxxxxxxx".to_string(),
        );
        vars.insert("INPUT_OPENAI-API-KEY".to_string(), "".to_string());
        vars.insert("INPUT_HF-TOKEN".to_string(), "hf_input".to_string());
        vars.insert("HF_TOKEN".to_string(), "hf_env".to_string());
        let got = ActionInputs::from_vars(&vars).unwrap().provider_vars(&vars);
        assert_eq!(
            got,
            vec![(
                "ANTHROPIC_API_KEY".to_string(),
                "sk-ant-xxxxxxxxxxxxxxxxxxxx".to_string()
            )]
        );
    }

    #[test]
    fn model_goes_first_and_steering_inputs_are_typed() {
        let vars: BTreeMap<String, String> = [
            ("INPUT_FALLBACK-CHAIN", "a/x, b/y\nc/z"),
            ("INPUT_MODEL", "b/y"),
            ("INPUT_MODE", "Triage"),
            ("INPUT_MAX-ISSUES", "3"),
            ("INPUT_FORCE", "yes"),
            ("INPUT_ASSETS-BRANCH", DEFAULT_ASSETS_BRANCH),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let i = ActionInputs::from_vars(&vars).unwrap();
        assert_eq!(
            i.config.fallback_chain.as_deref(),
            Some(&["b/y".to_string(), "a/x".into(), "c/z".into()][..])
        );
        assert_eq!(i.mode, Mode::Triage);
        assert_eq!(i.max_issues, Some(3));
        assert!(i.force);
        assert_eq!(
            i.config.assets_branch, None,
            "the default defers to the file"
        );
        assert_eq!(i.config.source, LayerSource::Inputs);
    }

    #[test]
    fn bad_inputs_name_the_input_and_the_next_step() {
        for (k, v, name) in [
            ("INPUT_MAX-TURNS", "many", "max-turns"),
            ("INPUT_MODE", "fixx", "mode"),
            ("INPUT_MAX-ISSUES", "-1", "max-issues"),
            ("INPUT_FORCE", "maybe", "force"),
        ] {
            let vars = BTreeMap::from([(k.to_string(), v.to_string())]);
            let err = ActionInputs::from_vars(&vars).unwrap_err().to_string();
            assert!(
                err.contains(&format!("`{name}`")) && err.contains("with:"),
                "{err}"
            );
        }
    }
}
