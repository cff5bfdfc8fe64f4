//! Is the gate's test runner installed here? Checked once before a run, so a missing
//! `pytest` or `npm` becomes one line with the next step instead of a baseline that fails
//! for a reason no edit can fix. Only fixed probes run (`python -c "import pytest"`); the
//! command itself comes from the repository's config or detection, never from the issue.

use std::path::Path;
use std::process::{Command, Stdio};

/// The next step when `command`'s runner is missing in this environment, else `None`.
pub fn missing_runner(command: &str, repo: &Path) -> Option<String> {
    missing_runner_on(command, repo, &std::env::var_os("PATH").unwrap_or_default())
}

fn missing_runner_on(command: &str, repo: &Path, path: &std::ffi::OsStr) -> Option<String> {
    let words: Vec<&str> = command.split_whitespace().collect();
    let first = *words.first()?;
    if first.contains('/') || first.contains('=') || is_shell_word(first) {
        return None;
    }
    let is_pytest = first == "pytest"
        || (matches!(first, "python" | "python3") && words.get(2) == Some(&"pytest"));
    let Some(found) = find_on(path, first) else {
        let how = match first {
            "python" | "python3" | "pytest" => {
                "install Python with `setup-command`, or run the host-mode action after actions/setup-python"
            }
            "npm" | "npx" | "node" | "yarn" | "pnpm" => {
                "install Node.js with `setup-command`, or run the host-mode action after actions/setup-node"
            }
            _ => {
                "install it with `setup-command`, or run the host-mode action (host/action.yml) after the step that sets it up"
            }
        };
        return Some(format!(
            "`{first}` is not installed here, so the test command `{command}` cannot run: {how}."
        ));
    };
    if is_pytest && first != "pytest" && !probe(&found, &["-c", "import pytest"], repo) {
        return Some(format!(
            "pytest is not installed for `{first}`: add `setup-command: pip install -e .[test]` (or `pip install pytest`)."
        ));
    }
    if first == "npm" && needs_node_modules(repo) {
        return Some(
            "package.json lists dependencies but node_modules is missing: add `setup-command: npm ci`."
                .into(),
        );
    }
    None
}

fn is_shell_word(w: &str) -> bool {
    matches!(
        w,
        "cd" | "set" | "export" | "if" | "true" | "false" | "exit" | "env" | "(" | "{"
    )
}

fn find_on(path: &std::ffi::OsStr, bin: &str) -> Option<std::path::PathBuf> {
    std::env::split_paths(path).map(|d| d.join(bin)).find(|f| {
        std::fs::metadata(f).is_ok_and(|m| {
            use std::os::unix::fs::PermissionsExt;
            m.is_file() && m.permissions().mode() & 0o111 != 0
        })
    })
}

fn probe(bin: &Path, args: &[&str], repo: &Path) -> bool {
    Command::new(bin)
        .args(args)
        .current_dir(repo)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn needs_node_modules(repo: &Path) -> bool {
    if repo.join("node_modules").is_dir() {
        return false;
    }
    let Ok(text) = std::fs::read_to_string(repo.join("package.json")) else {
        return false;
    };
    let Ok(json) = serde_json::from_str::<serde_json::Value>(&text) else {
        return false;
    };
    ["dependencies", "devDependencies"].iter().any(|k| {
        json.get(k)
            .and_then(|d| d.as_object())
            .is_some_and(|o| !o.is_empty())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_binary_names_the_next_step() {
        let dir = tempfile::tempdir().unwrap();
        let hint = missing_runner("octagit-no-such-runner --all", dir.path()).unwrap();
        assert!(hint.contains("host-mode action"), "{hint}");
        assert!(
            hint.contains("`octagit-no-such-runner` is not installed"),
            "{hint}"
        );
        assert!(hint.contains("setup-command"), "{hint}");
    }

    #[test]
    fn installed_runners_and_shell_lines_pass() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(missing_runner("sh -c true", dir.path()), None);
        assert_eq!(missing_runner("cd sub && make test", dir.path()), None);
        assert_eq!(missing_runner("./run-tests.sh", dir.path()), None);
    }

    #[test]
    fn npm_with_dependencies_and_no_node_modules_asks_for_npm_ci() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("package.json"),
            r#"{"scripts":{"test":"jest"},"devDependencies":{"jest":"^29"}}"#,
        )
        .unwrap();
        let path = fake_bin(dir.path(), "npm", 0);
        let hint = missing_runner_on("npm test", dir.path(), &path).unwrap();
        assert!(hint.contains("`setup-command: npm ci`"), "{hint}");
        std::fs::create_dir(dir.path().join("node_modules")).unwrap();
        assert_eq!(missing_runner_on("npm test", dir.path(), &path), None);
    }

    /// A directory holding one executable `name` that exits with `code`; its PATH value.
    fn fake_bin(root: &Path, name: &str, code: i32) -> std::ffi::OsString {
        use std::os::unix::fs::PermissionsExt;
        let bin = root.join(format!("bin-{name}-{code}"));
        std::fs::create_dir_all(&bin).unwrap();
        let f = bin.join(name);
        std::fs::write(&f, format!("#!/bin/sh\nexit {code}\n")).unwrap();
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o755)).unwrap();
        bin.into_os_string()
    }

    #[test]
    fn python_without_pytest_asks_for_the_setup_command() {
        let dir = tempfile::tempdir().unwrap();
        // A `python` whose `import pytest` fails (exit 1), as an interpreter without it does.
        let without = fake_bin(dir.path(), "python", 1);
        let hint = missing_runner_on("python -m pytest -q", dir.path(), &without).unwrap();
        assert!(
            hint.contains("add `setup-command: pip install -e .[test]`"),
            "{hint}"
        );
        let with = fake_bin(dir.path(), "python", 0);
        assert_eq!(
            missing_runner_on("python -m pytest -q", dir.path(), &with),
            None
        );
        let none = dir.path().join("empty").into_os_string();
        let hint = missing_runner_on("python -m pytest -q", dir.path(), &none).unwrap();
        assert!(hint.contains("`python` is not installed"), "{hint}");
    }
}
