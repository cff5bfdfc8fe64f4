//! Secrets and their redaction.
//!
//! Every credential enters the program through [`Secret::new`], which also registers the
//! value with the process-wide redactor. Anything that leaves the process (reports, logs,
//! comments, PR bodies, artefacts) passes through [`redact`], so a key that a provider
//! echoes back in an error body is still masked.

use std::sync::{OnceLock, RwLock};

use aho_corasick::{AhoCorasick, MatchKind};
use regex::Regex;
use serde::{Serialize, Serializer};

/// The text that replaces a secret wherever it would have appeared.
pub const MASK: &str = "***";

/// A credential. `Debug`, `Display` and `Serialize` never show the value.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        let value = value.into();
        register(&value);
        Secret(value)
    }

    /// The raw value, for the one place that needs it (an HTTP header, a git credential).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(MASK)
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(MASK)
    }
}

/// Every registered secret form, and one automaton that finds them all in a single pass:
/// redaction runs on every output, and the registry grows with each credential.
#[derive(Default)]
struct Registry {
    values: Vec<String>,
    matcher: Option<AhoCorasick>,
}

fn registry() -> &'static RwLock<Registry> {
    static REG: OnceLock<RwLock<Registry>> = OnceLock::new();
    REG.get_or_init(|| RwLock::new(Registry::default()))
}

/// Remember a value that must never be printed. Short values are ignored: masking
/// every "abc" in a report would do more harm than good, and real keys are long.
pub fn register(value: &str) {
    let value = value.trim();
    if value.len() < 8 {
        return;
    }
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD;
    // actions/checkout stores the token in .git/config as a basic-auth header, base64 of
    // `x-access-token:<token>`: a test script that prints .git/config must not leak it.
    let forms = [
        value.to_string(),
        b64.encode(value),
        b64.encode(format!("x-access-token:{value}")),
    ];
    let mut reg = registry().write().unwrap_or_else(|e| e.into_inner());
    let before = reg.values.len();
    for form in forms {
        if !reg.values.contains(&form) {
            reg.values.push(form);
        }
    }
    if reg.values.len() != before {
        // Leftmost-longest, so a key that contains another is masked whole.
        reg.matcher = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&reg.values)
            .ok();
    }
}

/// Whether `text` holds a registered secret or a well-known token or private-key shape.
/// Publishing checks the raw diff with this before anything is pushed.
pub fn contains_secret(text: &str) -> bool {
    let reg = registry().read().unwrap_or_else(|e| e.into_inner());
    reg.matcher.as_ref().is_some_and(|m| m.is_match(text)) || token_patterns().is_match(text)
}

/// Shapes of well-known tokens, masked even when we never saw the value itself
/// (a model could echo a key it read from somewhere we did not expect).
fn token_patterns() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(concat!(
            r"(sk-ant-[A-Za-z0-9_\-]{16,}",
            r"|sk-(?:proj-|or-v1-)?[A-Za-z0-9_\-]{20,}",
            r"|gh[pousr]_[A-Za-z0-9]{20,}",
            r"|github_pat_[A-Za-z0-9_]{20,}",
            r"|hf_[A-Za-z0-9]{20,}",
            r"|xox[abpr]-[A-Za-z0-9\-]{10,}",
            r"|-----BEGIN [A-Z ]*PRIVATE KEY-----(?s:.*?)(?:-----END [A-Z ]*PRIVATE KEY-----|\z))"
        ))
        .expect("static regex")
    })
}

/// Mask every registered secret and every well-known token shape in `text`.
pub fn redact(text: &str) -> String {
    let masked = {
        let reg = registry().read().unwrap_or_else(|e| e.into_inner());
        match &reg.matcher {
            Some(m) if m.is_match(text) => m.replace_all(text, &vec![MASK; reg.values.len()]),
            _ => text.to_string(),
        }
    };
    match token_patterns().replace_all(&masked, MASK) {
        std::borrow::Cow::Borrowed(_) => masked,
        std::borrow::Cow::Owned(o) => o,
    }
}

/// Names of environment variables that hold credentials: stripped from every command
/// the agent runs and registered for redaction at start-up.
pub fn is_secret_env_name(name: &str) -> bool {
    let n = name.to_ascii_uppercase();
    n.ends_with("_API_KEY")
        || n.ends_with("_TOKEN")
        || n.ends_with("_SECRET")
        || n.ends_with("_PASSWORD")
        || n.contains("SECRET")
        || n == "HF_TOKEN"
        || n == "INPUT_GITHUB-TOKEN"
        || n.starts_with("INPUT_") && (n.contains("KEY") || n.contains("TOKEN"))
        || n == "ACTIONS_RUNTIME_TOKEN"
        || n == "ACTIONS_ID_TOKEN_REQUEST_TOKEN"
}

/// Register every credential-looking variable of this process's environment.
pub fn register_env_secrets() {
    for (k, v) in std::env::vars() {
        if is_secret_env_name(&k) {
            register(&v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_never_displays() {
        let s = Secret::new("sk-test-0123456789abcdefghij");
        assert_eq!(format!("{s}"), MASK);
        assert_eq!(format!("{s:?}"), "Secret(***)");
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"***\"");
    }

    #[test]
    fn registered_values_and_token_shapes_are_masked() {
        register("plain-secret-value-123");
        let text = "key plain-secret-value-123 and ghp_abcdefghijklmnopqrstuvwxyz012345 end";
        let out = redact(text);
        assert!(!out.contains("plain-secret-value-123"));
        assert!(!out.contains("ghp_abc"));
        assert!(out.starts_with("key *** and *** end"));
    }

    #[test]
    fn base64_forms_of_a_token_are_masked_too() {
        use base64::Engine;
        let token = "ghs_base64formtoken0123456789";
        register(token);
        let header =
            base64::engine::general_purpose::STANDARD.encode(format!("x-access-token:{token}"));
        let config = format!("[http]\n\textraheader = AUTHORIZATION: basic {header}\n");
        assert!(contains_secret(&config));
        assert!(!redact(&config).contains(&header));
        assert!(contains_secret("-----BEGIN OPENSSH PRIVATE KEY-----\nabc"));
        assert!(!contains_secret("nothing to see"));
    }

    #[test]
    fn secret_env_names() {
        assert!(is_secret_env_name("OPENAI_API_KEY"));
        assert!(is_secret_env_name("GITHUB_TOKEN"));
        assert!(is_secret_env_name("INPUT_GITHUB-TOKEN"));
        assert!(!is_secret_env_name("PATH"));
        assert!(!is_secret_env_name("HOME"));
    }
}
