//! Which test command the gate runs: the configured one, or one detected from the files at
//! the repository root. Never from the issue text.

use std::path::Path;
use std::sync::OnceLock;

use regex::Regex;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GateCommand {
    pub command: String,
    /// How it was chosen: `config`, `flag`, `input`, or `detected from Cargo.toml`.
    pub source: String,
}

/// The configured command when there is one, otherwise the detected one.
pub fn choose(configured: Option<&str>, source: &str, repo: &Path) -> Option<GateCommand> {
    match configured.map(str::trim).filter(|c| !c.is_empty()) {
        Some(c) => Some(GateCommand {
            command: c.to_string(),
            source: source.to_string(),
        }),
        None => detect(repo),
    }
}

/// Guess the test command from the files at the repository root, in a fixed order.
pub fn detect(repo: &Path) -> Option<GateCommand> {
    let found = |name: &str| repo.join(name).is_file();
    let detected = |command: &str, file: &str| {
        Some(GateCommand {
            command: command.to_string(),
            source: format!("detected from {file}"),
        })
    };
    if found("Cargo.toml") {
        return detected("cargo test", "Cargo.toml");
    }
    if found("go.mod") {
        // Our own choice, so we may ask for machine-readable results.
        return detected("go test -json ./...", "go.mod");
    }
    if found("package.json") && package_json_has_test(&repo.join("package.json")) {
        return detected("npm test", "package.json");
    }
    for marker in [
        "pyproject.toml",
        "setup.cfg",
        "pytest.ini",
        "tox.ini",
        "setup.py",
    ] {
        if found(marker) {
            return detected("python -m pytest -q", marker);
        }
    }
    for makefile in ["GNUmakefile", "makefile", "Makefile"] {
        if found(makefile) && makefile_has_test(&repo.join(makefile)) {
            return detected("make test", makefile);
        }
    }
    None
}

fn package_json_has_test(path: &Path) -> bool {
    let Ok(text) = std::fs::read_to_string(path) else {
        return false;
    };
    let Ok(json) = serde_json::from_str::<serde_json::Value>(&text) else {
        return false;
    };
    json.pointer("/scripts/test")
        .and_then(|t| t.as_str())
        // `npm init` writes a placeholder that always fails.
        .is_some_and(|t| !t.trim().is_empty() && !t.contains("no test specified"))
}

fn makefile_has_test(path: &Path) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| Regex::new(r"(?m)^test\s*:(?:[^=]|$)").expect("static regex"));
    std::fs::read_to_string(path).is_ok_and(|t| re.is_match(&t))
}
