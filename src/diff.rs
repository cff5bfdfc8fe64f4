//! The working tree's change against HEAD, as a unified diff and a stat: what the agent
//! did, for `patch.diff`, the reports and the handoff summary.

use std::path::Path;

use git2::{DiffFormat, DiffOptions, Repository};

use crate::run_record::DiffStat;

/// Diff of HEAD against the working tree, untracked files included, redacted.
pub fn workdir_diff(repo: &Path) -> Result<(String, DiffStat), git2::Error> {
    workdir_diff_raw(repo).map(|(text, stat)| (crate::secret::redact(&text), stat))
}

/// The same diff unredacted: only for the pre-publish secret scan, never for output.
pub fn workdir_diff_raw(repo: &Path) -> Result<(String, DiffStat), git2::Error> {
    diff_raw(repo, DiffOptions::new())
}

/// [`workdir_diff_raw`] limited to `paths` (the agent's edits, root-relative): what a run
/// publishes. No paths, no diff.
pub fn workdir_diff_raw_paths(
    repo: &Path,
    paths: &[String],
) -> Result<(String, DiffStat), git2::Error> {
    if paths.is_empty() {
        return Ok((
            String::new(),
            DiffStat {
                files: 0,
                insertions: 0,
                deletions: 0,
            },
        ));
    }
    let mut opts = DiffOptions::new();
    opts.disable_pathspec_match(true);
    for p in paths {
        opts.pathspec(p.trim_start_matches("./"));
    }
    diff_raw(repo, opts)
}

fn diff_raw(repo: &Path, mut opts: DiffOptions) -> Result<(String, DiffStat), git2::Error> {
    let r = Repository::open(repo)?;
    let head = r.head().ok().and_then(|h| h.peel_to_tree().ok());
    opts.include_untracked(true)
        .recurse_untracked_dirs(true)
        .show_untracked_content(true)
        .context_lines(3);
    let diff = r.diff_tree_to_workdir_with_index(head.as_ref(), Some(&mut opts))?;
    let stats = diff.stats()?;
    let mut text = String::new();
    diff.print(DiffFormat::Patch, |_, _, line| {
        if matches!(line.origin(), '+' | '-' | ' ') {
            text.push(line.origin());
        }
        text.push_str(&String::from_utf8_lossy(line.content()));
        true
    })?;
    Ok((
        text,
        DiffStat {
            files: stats.files_changed(),
            insertions: stats.insertions(),
            deletions: stats.deletions(),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    #[test]
    fn diff_includes_edits_and_new_files() {
        let dir = tempfile::tempdir().unwrap();
        let git = |args: &[&str]| {
            let ok = Command::new("git")
                .args(args)
                .current_dir(dir.path())
                .output()
                .unwrap();
            assert!(
                ok.status.success(),
                "{}",
                String::from_utf8_lossy(&ok.stderr)
            );
        };
        git(&["init", "-q"]);
        std::fs::write(dir.path().join("a.txt"), "one\ntwo\n").unwrap();
        git(&["add", "."]);
        git(&[
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@t",
            "commit",
            "-qm",
            "init",
        ]);
        std::fs::write(dir.path().join("a.txt"), "one\n2\n").unwrap();
        std::fs::write(dir.path().join("b.txt"), "new\n").unwrap();
        let (text, stat) = workdir_diff(dir.path()).unwrap();
        assert!(
            text.contains("-two") && text.contains("+2") && text.contains("+new"),
            "{text}"
        );
        assert_eq!(stat.files, 2);
        assert_eq!(stat.insertions, 2);
        assert_eq!(stat.deletions, 1);
    }
}
