//! Structural invariants of the source tree, checked by reading it (the way rust-analyzer's
//! tidy tests do): which modules may speak to the outside world, how large a file may grow,
//! how thin `main.rs` stays. ARCHITECTURE.md names these tests beside the rules they hold.

use std::path::{Path, PathBuf};

fn sources() -> Vec<(String, String)> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    walk(&root.join("src"), &mut files);
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let rel = p.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
            (rel, std::fs::read_to_string(&p).unwrap())
        })
        .collect()
}

/// The files whose code (not comments) names `needle`.
fn files_using(needle: &str) -> Vec<String> {
    sources()
        .into_iter()
        .filter(|(_, text)| {
            text.lines()
                .map(str::trim_start)
                .filter(|l| !l.starts_with("//"))
                .any(|l| l.contains(needle))
        })
        .map(|(path, _)| path)
        .collect()
}

fn outside<'a>(files: &'a [String], allowed: &[&str]) -> Vec<&'a String> {
    files
        .iter()
        .filter(|f| !allowed.iter().any(|a| f.starts_with(a)))
        .collect()
}

#[test]
fn no_source_file_is_over_700_lines() {
    let long: Vec<String> = sources()
        .into_iter()
        .map(|(p, t)| (p, t.lines().count()))
        .filter(|(_, n)| *n > 700)
        .map(|(p, n)| format!("{p}: {n} lines"))
        .collect();
    assert!(
        long.is_empty(),
        "split these by concept (one concept per file):\n{}",
        long.join("\n")
    );
}

#[test]
fn main_stays_thin() {
    let main = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/main.rs"))
        .unwrap();
    assert!(
        main.lines().count() <= 40,
        "main.rs parses, calls the library and maps to an exit code; move the rest to src/commands"
    );
}

#[test]
fn only_provider_speaks_llm_http() {
    // failure.rs classifies a transport error the provider code hands it; it sends nothing.
    let files = files_using("reqwest");
    let bad = outside(&files, &["src/provider/", "src/failure.rs"]);
    assert!(bad.is_empty(), "HTTP clients outside src/provider/: {bad:?}");
}

#[test]
fn only_github_speaks_the_github_api() {
    let files = files_using("octocrab");
    let bad = outside(&files, &["src/github/"]);
    assert!(bad.is_empty(), "GitHub API use outside src/github/: {bad:?}");
}

#[test]
fn only_git_and_the_assets_branch_push() {
    let files = files_using("remote_anonymous");
    let bad = outside(&files, &["src/git.rs", "src/github/assets.rs"]);
    assert!(bad.is_empty(), "git remotes opened outside git.rs: {bad:?}");
}
