//! A layer of values on top of the config file: action inputs, CLI flags or MCP arguments.
//! Each layer knows which door it came from, so a bad value is named the way the user
//! wrote it (`max-turns`, `--max-turns`, `max_turns`).

use super::{Config, protected_with_defaults};

/// The door a layer of overrides came through.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum LayerSource {
    /// `octagit run` and `octagit audit` flags.
    #[default]
    Flags,
    /// The action's `with:` inputs (`INPUT_*`).
    Inputs,
    /// Arguments of an MCP tool call.
    Mcp,
}

/// One config key as each door spells it: (key, action input, CLI flag, MCP argument).
/// `None`: that door cannot set the key.
type KeyNames = (
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
    Option<&'static str>,
);

const KEY_NAMES: &[KeyNames] = &[
    (
        "fallback_chain",
        Some("model`/`fallback-chain"),
        Some("--model`/`--fallback-chain"),
        Some("model`/`fallback_chain"),
    ),
    (
        "max_turns",
        Some("max-turns"),
        Some("--max-turns"),
        Some("max_turns"),
    ),
    (
        "max_cost_usd",
        Some("max-cost-usd"),
        Some("--max-cost-usd"),
        Some("max_cost_usd"),
    ),
    (
        "max_minutes",
        Some("timeout-minutes"),
        Some("--max-minutes"),
        Some("max_minutes"),
    ),
    (
        "test_command",
        Some("test-command"),
        Some("--test-command"),
        Some("test_command"),
    ),
    ("min_permission", Some("min-permission"), None, None),
];

impl LayerSource {
    /// What the error calls this door.
    pub fn noun(self) -> &'static str {
        match self {
            LayerSource::Flags => "flag",
            LayerSource::Inputs => "action input",
            LayerSource::Mcp => "argument",
        }
    }

    /// What to do about a bad value that came through this door.
    pub fn next_step(self) -> &'static str {
        match self {
            LayerSource::Flags => "pass a valid value or leave the flag out",
            LayerSource::Inputs => {
                "change it in the workflow's `with:` block, or remove it to use the config file's value"
            }
            LayerSource::Mcp => "pass a valid value or leave the argument out",
        }
    }

    /// `key` (a config file key) as this door spells it.
    pub fn name_of(self, key: &str) -> String {
        KEY_NAMES
            .iter()
            .find(|k| k.0 == key)
            .and_then(|k| match self {
                LayerSource::Inputs => k.1,
                LayerSource::Flags => k.2,
                LayerSource::Mcp => k.3,
            })
            .unwrap_or(key)
            .to_string()
    }
}

/// Values that override the file: from CLI flags, action inputs or MCP arguments. `None`
/// keeps what the lower layer said.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// Which door these values came through (names them in errors).
    pub source: LayerSource,
    pub test_command: Option<String>,
    pub setup_command: Option<String>,
    pub fallback_chain: Option<Vec<String>>,
    pub max_turns: Option<u32>,
    pub max_cost_usd: Option<f64>,
    pub max_minutes: Option<u32>,
    /// Added to the defaults and the lower layers' globs, never replacing them.
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
    /// Read action inputs (see [`super::ActionInputs`]) and keep the config layer.
    pub fn from_inputs(
        vars: &std::collections::BTreeMap<String, String>,
    ) -> Result<Overrides, super::ConfigError> {
        Ok(super::ActionInputs::from_vars(vars)?.config)
    }

    /// Does this layer set the config file key `key`? Only keys that validation checks
    /// are asked about.
    pub(crate) fn sets(&self, key: &str) -> bool {
        match key {
            "test_command" => self.test_command.is_some(),
            "fallback_chain" => self.fallback_chain.is_some(),
            "max_turns" => self.max_turns.is_some(),
            "max_cost_usd" => self.max_cost_usd.is_some(),
            "max_minutes" => self.max_minutes.is_some(),
            "min_permission" => self.min_permission.is_some(),
            _ => false,
        }
    }
}

impl Config {
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
        if let Some(more) = &o.protected_paths {
            let mut all = std::mem::take(&mut self.protected_paths);
            all.extend(more.iter().cloned());
            self.protected_paths = protected_with_defaults(all);
        }
        if let Some(l) = &o.trigger_label {
            self.trigger.label = l.clone();
        }
        if let Some(p) = &o.trigger_phrase {
            self.trigger.phrase = p.clone();
        }
    }
}

/// Split a comma- or newline-separated list, as action inputs carry lists.
pub fn split_list(v: &str) -> Vec<String> {
    v.split([',', '\n'])
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}
