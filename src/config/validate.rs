//! One validation for the resolved config, whatever set each value: the file (named by
//! line), an action input, a CLI flag or an MCP argument (named as the user wrote it).
//!
//! Types reject what they can (a word for a number); this rejects what no type can: zero
//! turns, a negative cost cap (which would read as "unlimited"), durations that overflow
//! the run's clock arithmetic, unknown permissions and providers, and `scripted/` slugs
//! outside the tests.

use super::{Config, ConfigError, Overrides, REASONING_EFFORTS};

/// Test-only: `1` lets config, inputs, flags and MCP name `scripted/<path>` models (canned
/// transcripts). The integration tests set it when they run the binary; `octagit demo`
/// does not need it (it hands its scripted hop to the pipeline directly). A run with a
/// scripted hop is always marked DEMO in its reports.
pub const ALLOW_SCRIPTED_VAR: &str = "OCTAGIT_ALLOW_SCRIPTED";

/// Whether this process may take `scripted/` slugs from its config.
pub fn scripted_allowed() -> bool {
    std::env::var(ALLOW_SCRIPTED_VAR).is_ok_and(|v| v.trim() == "1")
}

const PERMISSIONS: [&str; 5] = ["read", "triage", "write", "maintain", "admin"];

/// Beyond a week a duration is a typo, and one that large overflows the clock arithmetic
/// of the run's deadline and timeouts.
const WEEK_SECS: u64 = 7 * 24 * 3600;

/// Where the resolved values came from: the file's name and text (for line numbers) and
/// the override layers, lowest first.
pub(crate) struct Provenance<'a> {
    pub file: Option<(&'a str, &'a str)>,
    pub layers: &'a [&'a Overrides],
    pub allow_scripted: bool,
}

impl Provenance<'_> {
    /// The error for a bad value of `key`, naming whoever set it last.
    fn fail(&self, key: &str, message: String) -> ConfigError {
        // Values are echoed; a quoted "\n" in one must not split the one-line error
        // (found by tests/it/proptests.rs).
        let message = message.replace('\n', "\\n").replace('\r', "\\r");
        if let Some(layer) = self.layers.iter().rev().find(|l| l.sets(key)) {
            return ConfigError::BadValue {
                source_name: layer.source.noun().into(),
                key: layer.source.name_of(key),
                message,
                next: layer.source.next_step().into(),
            };
        }
        let (file, text) = self.file.unwrap_or((super::CONFIG_PATH, ""));
        ConfigError::Invalid {
            file: file.to_string(),
            line: line_of_key(text, key),
            message: format!("`{key}`: {message}"),
        }
    }
}

/// Values no type can reject but that make no sense, each named where it was set.
pub(crate) fn validate(cfg: &Config, p: &Provenance<'_>) -> Result<(), ConfigError> {
    if cfg.max_turns == 0 {
        return Err(p.fail("max_turns", "must be at least 1, got 0".into()));
    }
    if !(cfg.max_cost_usd.is_finite() && cfg.max_cost_usd >= 0.0) {
        return Err(p.fail(
            "max_cost_usd",
            format!(
                "must be a non-negative number of dollars, got {} (there is no \"unlimited\"; set a real cap)",
                cfg.max_cost_usd
            ),
        ));
    }
    if cfg.max_minutes == 0 {
        return Err(p.fail("max_minutes", "must be at least 1, got 0".into()));
    }
    if u64::from(cfg.max_minutes) * 60 > WEEK_SECS {
        return Err(p.fail(
            "max_minutes",
            format!(
                "must be at most {} (a week), got {}",
                WEEK_SECS / 60,
                cfg.max_minutes
            ),
        ));
    }
    for (key, v) in [
        ("request_timeout_secs", cfg.request_timeout_secs),
        ("test_timeout_secs", cfg.test_timeout_secs),
    ] {
        if v > WEEK_SECS {
            return Err(p.fail(
                key,
                format!("must be at most {WEEK_SECS} (a week), got {v}"),
            ));
        }
    }
    if !PERMISSIONS.contains(&cfg.min_permission.as_str()) {
        return Err(p.fail(
            "min_permission",
            format!(
                "`{}` is not one of {}",
                cfg.min_permission,
                PERMISSIONS.join(", ")
            ),
        ));
    }
    if let Some(e) = &cfg.reasoning_effort
        && !REASONING_EFFORTS.contains(&e.trim().to_ascii_lowercase().as_str())
    {
        return Err(p.fail(
            "reasoning_effort",
            format!("`{e}` is not one of {}", REASONING_EFFORTS.join(", ")),
        ));
    }
    for slug in &cfg.fallback_chain {
        let spec = crate::provider::parse_slug(slug)
            .map_err(|e| p.fail("fallback_chain", e.to_string()))?;
        if spec.provider == crate::provider::ProviderKind::Scripted && !p.allow_scripted {
            return Err(p.fail(
                "fallback_chain",
                format!(
                    "`{slug}` is a scripted model: it replays a recorded transcript and is for OctaGit's own tests and `octagit demo` only; name a real model, e.g. anthropic/claude-sonnet-4-5"
                ),
            ));
        }
    }
    for name in cfg.providers.keys() {
        if crate::provider::parse_slug(&format!("{name}/x")).is_err() {
            return Err(p.fail("providers", format!("unknown provider `{name}`")));
        }
    }
    if let Some(t) = &cfg.test_command
        && t.trim().is_empty()
    {
        return Err(p.fail("test_command", "is empty; remove it to auto-detect".into()));
    }
    Ok(())
}

fn line_of_key(text: &str, key: &str) -> u64 {
    text.lines()
        .position(|l| l.trim_start().starts_with(&format!("{key}:")))
        .map(|i| i as u64 + 1)
        .unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use super::super::{CONFIG_PATH, LayerSource};
    use super::*;

    /// The three values the issue names, each as a file line, an input, a flag and an MCP
    /// argument would set it.
    fn cases() -> [(&'static str, Overrides, &'static str); 3] {
        [
            (
                "max_turns: 0\n",
                Overrides {
                    max_turns: Some(0),
                    ..Default::default()
                },
                "at least 1",
            ),
            (
                "max_cost_usd: -1\n",
                Overrides {
                    max_cost_usd: Some(-1.0),
                    ..Default::default()
                },
                "non-negative",
            ),
            (
                "max_minutes: 4294967295\n",
                Overrides {
                    max_minutes: Some(u32::MAX),
                    ..Default::default()
                },
                "at most 10080",
            ),
        ]
    }

    fn check(layers: &[&Overrides], file: Option<(&str, &str)>) -> Result<(), ConfigError> {
        let mut cfg = match file {
            Some((name, text)) => super::super::parse_yaml(text, name)?,
            None => Config::default(),
        };
        for l in layers {
            cfg.apply(l);
        }
        validate(
            &cfg,
            &Provenance {
                file,
                layers,
                allow_scripted: false,
            },
        )
    }

    #[test]
    fn the_file_names_its_line() {
        for (yaml, _, want) in cases() {
            let text = format!("draft: true\n{yaml}");
            let err = check(&[], Some((CONFIG_PATH, &text)))
                .unwrap_err()
                .to_string();
            assert!(err.starts_with(".github/octagit.yml:2: `"), "{err}");
            assert!(
                err.contains(want) && err.contains("fix or remove it"),
                "{err}"
            );
        }
    }

    #[test]
    fn inputs_flags_and_mcp_arguments_are_named_as_written() {
        for (source, names, next) in [
            (
                LayerSource::Inputs,
                ["`max-turns`", "`max-cost-usd`", "`timeout-minutes`"],
                "with:",
            ),
            (
                LayerSource::Flags,
                ["`--max-turns`", "`--max-cost-usd`", "`--max-minutes`"],
                "leave the flag out",
            ),
            (
                LayerSource::Mcp,
                ["`max_turns`", "`max_cost_usd`", "`max_minutes`"],
                "leave the argument out",
            ),
        ] {
            for ((_, mut layer, want), name) in cases().into_iter().zip(names) {
                layer.source = source;
                let err = check(&[&layer], None).unwrap_err().to_string();
                assert!(
                    err.starts_with(&format!("{} {name}: ", source.noun())),
                    "{err}"
                );
                assert!(err.contains(want) && err.contains(next), "{err}");
            }
        }
    }

    #[test]
    fn the_highest_layer_that_set_a_value_is_named() {
        let file = "max_turns: 0\n";
        let inputs = Overrides {
            source: LayerSource::Inputs,
            max_turns: Some(0),
            ..Default::default()
        };
        let flags = Overrides::default();
        let err = check(&[&inputs, &flags], Some((CONFIG_PATH, file)))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("action input `max-turns`"), "{err}");
        // A good flag over a bad file line resolves to a good config.
        let fixed = Overrides {
            max_turns: Some(3),
            ..Default::default()
        };
        check(&[&fixed], Some((CONFIG_PATH, file))).unwrap();
    }

    #[test]
    fn scripted_slugs_are_refused_unless_allowed() {
        let text = "fallback_chain: [scripted//tmp/t.json]\n";
        let cfg = super::super::parse_yaml(text, CONFIG_PATH).unwrap();
        let mut p = Provenance {
            file: Some((CONFIG_PATH, text)),
            layers: &[],
            allow_scripted: false,
        };
        let err = validate(&cfg, &p).unwrap_err().to_string();
        assert!(
            err.starts_with(".github/octagit.yml:1:") && err.contains("scripted model"),
            "{err}"
        );
        let input = Overrides {
            source: LayerSource::Inputs,
            fallback_chain: Some(vec!["scripted/x.json".into()]),
            ..Default::default()
        };
        let err = check(&[&input], None).unwrap_err().to_string();
        assert!(
            err.starts_with("action input `model`/`fallback-chain`"),
            "{err}"
        );
        p.allow_scripted = true;
        validate(&cfg, &p).unwrap();
    }
}
