//! The environment of every command the agent causes: an allowlist, not a blocklist. A
//! variable reaches the command only when it is named here (or in the config's
//! `pass_env`) and is neither a runner file command, a runner credential nor
//! credential-shaped (by name or by value).

/// Names every command gets from our environment when set.
pub const ALLOWED: &[&str] = &[
    "PATH",
    "HOME",
    "USER",
    "LOGNAME",
    "SHELL",
    "LANG",
    "LANGUAGE",
    "TZ",
    "TERM",
    "TMPDIR",
    "CI",
    // Toolchains: where the runtimes and their caches live.
    "JAVA_HOME",
    "GOPATH",
    "GOROOT",
    "GOCACHE",
    "GOMODCACHE",
    "GOFLAGS",
    "GOTOOLCHAIN",
    "CARGO_HOME",
    "RUSTUP_HOME",
    "RUSTUP_TOOLCHAIN",
    "VIRTUAL_ENV",
    "PYTHONPATH",
    "PYENV_ROOT",
    "PYENV_VERSION",
    "CONDA_PREFIX",
    "NODE_PATH",
    "NVM_DIR",
    "GEM_HOME",
    "GEM_PATH",
    "DOTNET_ROOT",
    "ANDROID_HOME",
    "MAVEN_HOME",
    "GRADLE_HOME",
    "PKG_CONFIG_PATH",
    "LD_LIBRARY_PATH",
    "XDG_CACHE_HOME",
    "CARGO_TARGET_DIR",
    "CARGO_BUILD_JOBS",
    "RUSTFLAGS",
    "RUST_BACKTRACE",
    "GOPROXY",
    "GOPRIVATE",
    "GONOSUMDB",
    "GRADLE_USER_HOME",
    "MAVEN_OPTS",
    "JAVA_TOOL_OPTIONS",
    "DEBIAN_FRONTEND",
    // Python's behaviour (not its credentials).
    "PYTHONDONTWRITEBYTECODE",
    "PYTHONUNBUFFERED",
    "PYTHONHASHSEED",
    "PYTHONIOENCODING",
    "PYTHONUTF8",
    "PYTHONWARNINGS",
    "PIP_FIND_LINKS",
    "PIP_NO_INDEX",
    "PIP_DISABLE_PIP_VERSION_CHECK",
    "PIP_DEFAULT_TIMEOUT",
    // Certificate bundles of a proxying network.
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE",
    "NODE_EXTRA_CA_CERTS",
    "GIT_SSL_CAINFO",
    "PIP_CERT",
];

/// Prefixes allowed as a family (locale settings).
const ALLOWED_PREFIXES: &[&str] = &["LC_"];

/// Never passed, even when `pass_env` names them: the runner's file commands (a line
/// there poisons every later step of the job) and the runner's own credentials.
pub fn is_forbidden(name: &str) -> bool {
    let n = name.to_ascii_uppercase();
    matches!(
        n.as_str(),
        "GITHUB_ENV"
            | "GITHUB_PATH"
            | "GITHUB_OUTPUT"
            | "GITHUB_STEP_SUMMARY"
            | "GITHUB_STATE"
            | "GITHUB_TOKEN"
            | "ACTIONS_RUNTIME_TOKEN"
            | "ACTIONS_RUNTIME_URL"
            | "ACTIONS_CACHE_URL"
            | "ACTIONS_RESULTS_URL"
    ) || n.starts_with("ACTIONS_ID_TOKEN_REQUEST_")
        || n.starts_with("INPUT_")
        || n.starts_with("OCTAGIT_SECRET")
        || crate::secret::is_secret_env_name(&n)
}

/// Whether `name` may pass: allowlisted or in `pass_env`, and not forbidden.
pub fn allowed(name: &str, pass_env: &[String]) -> bool {
    if is_forbidden(name) {
        return false;
    }
    ALLOWED.contains(&name)
        || ALLOWED_PREFIXES.iter().any(|p| name.starts_with(p))
        || pass_env.iter().any(|p| p == name)
}

/// The environment a command gets: `base` filtered through the allowlist (a value that
/// looks like a token is dropped whatever its name), plus settings that keep test runners
/// non-interactive and their output parseable.
pub fn allowlisted(
    base: impl IntoIterator<Item = (String, String)>,
    pass_env: &[String],
) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = base
        .into_iter()
        .filter(|(k, v)| allowed(k, pass_env) && !crate::secret::contains_secret(v))
        .collect();
    for (k, v) in [
        ("CI", "true"),
        ("NO_COLOR", "1"),
        ("CARGO_TERM_COLOR", "never"),
        ("PY_COLORS", "0"),
        ("FORCE_COLOR", "0"),
        ("GIT_TERMINAL_PROMPT", "0"),
        // A source edited within the same second at the same size as its cached bytecode
        // would run stale (CPython checks mtime and size); no bytecode, no stale runs and
        // no __pycache__ in the tree.
        ("PYTHONDONTWRITEBYTECODE", "1"),
        // An empty `credential.helper` resets the helper list: a helper configured in the
        // system or global git config (`gh auth setup-git`, a store) must not answer for
        // the test command's own git calls. Config from the environment outranks files.
        ("GIT_CONFIG_COUNT", "1"),
        ("GIT_CONFIG_KEY_0", "credential.helper"),
        ("GIT_CONFIG_VALUE_0", ""),
    ] {
        if !env.iter().any(|(name, _)| name == k) {
            env.push((k.to_string(), v.to_string()));
        }
    }
    env
}

/// `pass_env` entries that will not pass, with why: said once as a warning.
pub fn refused_pass_env(pass_env: &[String]) -> Vec<String> {
    pass_env
        .iter()
        .filter(|n| is_forbidden(n))
        .map(|n| format!("`pass_env` names `{n}`, a credential or runner file; it is never passed to commands"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn only_allowlisted_names_pass() {
        let out = allowlisted(
            env(&[
                ("PATH", "/bin"),
                ("HOME", "/root"),
                ("LC_ALL", "C.UTF-8"),
                ("JAVA_HOME", "/jdk"),
                ("GITHUB_ENV", "/github/file_commands/set_env"),
                ("GITHUB_PATH", "/github/file_commands/add_path"),
                ("GITHUB_OUTPUT", "/x"),
                ("GITHUB_STEP_SUMMARY", "/y"),
                ("ACTIONS_RUNTIME_TOKEN", "eyJhbGciOi"),
                ("ACTIONS_ID_TOKEN_REQUEST_URL", "https://x"),
                ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "abc"),
                ("ACTIONS_CACHE_URL", "https://cache"),
                ("RANDOM_THING", "x"),
                ("MY_FLAG", "1"),
            ]),
            &["MY_FLAG".to_string(), "GITHUB_ENV".to_string()],
        );
        let names: Vec<&str> = out.iter().map(|(k, _)| k.as_str()).collect();
        for n in ["PATH", "HOME", "LC_ALL", "JAVA_HOME", "MY_FLAG", "CI"] {
            assert!(names.contains(&n), "{n} missing: {names:?}");
        }
        for n in [
            "GITHUB_ENV",
            "GITHUB_PATH",
            "GITHUB_OUTPUT",
            "GITHUB_STEP_SUMMARY",
            "ACTIONS_RUNTIME_TOKEN",
            "ACTIONS_ID_TOKEN_REQUEST_URL",
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
            "ACTIONS_CACHE_URL",
            "RANDOM_THING",
        ] {
            assert!(!names.contains(&n), "{n} passed: {names:?}");
        }
    }

    #[test]
    fn a_token_shaped_value_is_dropped_whatever_its_name() {
        let out = allowlisted(
            env(&[(
                "PKG_CONFIG_PATH",
                "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
            )]),
            &[],
        );
        assert!(!out.iter().any(|(k, _)| k == "PKG_CONFIG_PATH"));
    }

    #[test]
    fn forbidden_pass_env_is_reported() {
        let w = refused_pass_env(&["OPENAI_API_KEY".into(), "FOO".into()]);
        assert_eq!(w.len(), 1);
        assert!(w[0].contains("OPENAI_API_KEY"));
    }
}
