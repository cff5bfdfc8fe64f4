//! The bundled demo: a small Python package with a real bug and a failing test, and a
//! scripted model transcript that fixes it. Runs the whole pipeline with no network and
//! no keys; every output is labelled DEMO.

use std::path::Path;

use crate::provider::scripted::{Script, ScriptTurn};

/// The demo repository's files, bundled into the binary.
pub const FILES: &[(&str, &str)] = &[
    (
        "calc/__init__.py",
        include_str!("../demo/repo/calc/__init__.py"),
    ),
    ("calc/stats.py", include_str!("../demo/repo/calc/stats.py")),
    (
        "calc/report.py",
        include_str!("../demo/repo/calc/report.py"),
    ),
    (
        "tests/__init__.py",
        include_str!("../demo/repo/tests/__init__.py"),
    ),
    (
        "tests/test_stats.py",
        include_str!("../demo/repo/tests/test_stats.py"),
    ),
    (
        ".github/octagit.yml",
        include_str!("../demo/repo/.github/octagit.yml"),
    ),
    ("README.md", include_str!("../demo/repo/README.md")),
];

pub const ISSUE: &str = include_str!("../demo/issue.md");
const SCRIPT: &str = include_str!("../demo/script.json");

/// The scripted model's turns.
pub fn script() -> Script {
    let turns: Vec<ScriptTurn> =
        serde_json::from_str(SCRIPT).expect("bundled demo script is valid JSON");
    Script::new(turns)
}

/// Write the demo repository into `dir` and commit it, so the agent works on a real git
/// checkout like any other.
pub fn materialize(dir: &Path) -> Result<(), git2::Error> {
    for (rel, text) in FILES {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| git2::Error::from_str(&e.to_string()))?;
        }
        std::fs::write(&path, text).map_err(|e| git2::Error::from_str(&e.to_string()))?;
    }
    let mut opts = git2::RepositoryInitOptions::new();
    opts.initial_head("main");
    let repo = git2::Repository::init_opts(dir, &opts)?;
    let mut index = repo.index()?;
    index.add_all(["*"], git2::IndexAddOption::DEFAULT, None)?;
    index.write()?;
    let tree = repo.find_tree(index.write_tree()?)?;
    let sig = git2::Signature::now("OctaGit Demo", "demo@octagit.invalid")?;
    repo.commit(
        Some("HEAD"),
        &sig,
        &sig,
        "Demo repository: calc",
        &tree,
        &[],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn bundled_script_parses_and_uses_known_tools() {
        let s: Vec<serde_json::Value> = serde_json::from_str(super::SCRIPT).unwrap();
        assert!(s.len() >= 5);
        let last = &s[s.len() - 1]["tool_calls"][0]["name"];
        assert_eq!(last, "finish");
    }
}
