//! Workspace confinement: the only way the agent's tools turn a model-supplied path into a
//! filesystem path. Paths are relative to the repository root; `..` that leaves it,
//! absolute paths outside it, symlinks that lead out, `.git/` and (for writes) protected
//! globs are refused with a message addressed to the model.

use std::path::{Component, Path, PathBuf};

use globset::{Candidate, GlobSet, GlobSetBuilder};

/// Never written by the agent, whatever the configuration says: the config's defaults
/// (CI workflows, the configuration that chose the gate) and the run's own artefacts, so
/// a caller that builds a workspace without a resolved config gets them too. A configured
/// list adds to these.
fn built_in_protected<'a>() -> impl Iterator<Item = &'a str> {
    crate::config::DEFAULT_PROTECTED
        .into_iter()
        .chain([".octagit/**"])
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkspaceError {
    #[error("refused: `{0}` leaves the repository; paths are relative to the repo root")]
    Escapes(String),
    #[error("refused: `{0}` is outside the repository; use a path relative to the repo root")]
    AbsoluteOutside(String),
    #[error(
        "refused: `{path}` goes through the symlink `{link}`, which points outside the repository or to nothing"
    )]
    SymlinkEscape { path: String, link: String },
    #[error(
        "refused: `{0}` is inside .git/, which the tools never touch; use git_diff to see your changes"
    )]
    GitDir(String),
    #[error(
        "refused: `{path}` is protected (it matches `{pattern}`) and may not be written; make the fix in other files"
    )]
    Protected { path: String, pattern: String },
    #[error("refused: {0}")]
    Invalid(String),
    #[error("cannot use {path} as the repository: {message}")]
    Root { path: String, message: String },
    #[error("protected path pattern `{pattern}` is not a valid glob: {message}")]
    BadGlob { pattern: String, message: String },
}

#[derive(Debug, Clone)]
pub struct Workspace {
    root: PathBuf,
    /// The root as the caller spelled it (absolute), so an absolute path the model copied
    /// from a message still resolves when the root sits behind a symlink.
    alias: PathBuf,
    /// The protected globs as written, and the set that matches them (same order).
    patterns: Vec<String>,
    protected: GlobSet,
}

impl Workspace {
    /// `protected_paths` are globs relative to the root (`**` spans directories, `*` and `?`
    /// stay within one name, `{a,b}` is either); a glob without `/` matches a name at any
    /// depth, a glob that names a directory protects everything below it, and matching
    /// ignores case.
    pub fn new(root: &Path, protected_paths: &[String]) -> Result<Workspace, WorkspaceError> {
        let alias = std::path::absolute(root).unwrap_or_else(|_| root.to_path_buf());
        let root = root.canonicalize().map_err(|e| WorkspaceError::Root {
            path: root.display().to_string(),
            message: format!("{e}; pass the path of a checked-out repository"),
        })?;
        if !root.is_dir() {
            return Err(WorkspaceError::Root {
                path: root.display().to_string(),
                message: "it is not a directory; pass the path of a checked-out repository".into(),
            });
        }
        let mut patterns = Vec::new();
        let mut set = GlobSetBuilder::new();
        for pattern in protected_paths
            .iter()
            .map(String::as_str)
            .chain(built_in_protected())
        {
            let pattern = pattern.trim();
            if pattern.is_empty() {
                continue;
            }
            let glob = protected_glob(pattern).map_err(|e| WorkspaceError::BadGlob {
                pattern: pattern.to_string(),
                message: e.kind().to_string(),
            })?;
            set.add(glob);
            patterns.push(pattern.to_string());
        }
        let protected = set.build().map_err(|e| WorkspaceError::BadGlob {
            pattern: patterns.join(", "),
            message: e.to_string(),
        })?;
        Ok(Workspace {
            root,
            alias,
            patterns,
            protected,
        })
    }

    /// The canonical repository root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// A path the tools may read (a file or a directory, existing or not).
    pub fn resolve_read(&self, rel: &str) -> Result<PathBuf, WorkspaceError> {
        self.resolve(rel)
    }

    /// A path the tools may write: [`Workspace::resolve_read`] plus the protected globs,
    /// checked on both the path as given and the path its symlinks lead to.
    pub fn resolve_write(&self, rel: &str) -> Result<PathBuf, WorkspaceError> {
        let resolved = self.resolve(rel)?;
        let real_rel = self.relative(&resolved);
        if real_rel.is_empty() {
            return Err(WorkspaceError::Invalid(
                "the repository root itself cannot be written; name a file".into(),
            ));
        }
        let given_rel = normalise(rel, &self.root, &self.alias)
            .unwrap_or_default()
            .join("/");
        for candidate in [given_rel.as_str(), real_rel.as_str()] {
            if let Some(pattern) = self.protected_match(candidate) {
                return Err(WorkspaceError::Protected {
                    path: rel.to_string(),
                    pattern: pattern.to_string(),
                });
            }
        }
        Ok(resolved)
    }

    /// The root-relative form of a path this workspace resolved, with `/` separators.
    pub fn relative(&self, path: &Path) -> String {
        path.strip_prefix(&self.root)
            .map(|p| {
                p.components()
                    .filter_map(|c| match c {
                        Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
                        _ => None,
                    })
                    .collect::<Vec<_>>()
                    .join("/")
            })
            .unwrap_or_else(|_| path.display().to_string())
    }

    /// Whether a root-relative path matches a protected glob; returns the glob.
    pub fn protected_match(&self, rel: &str) -> Option<&str> {
        let rel = rel.trim_start_matches("./").trim_end_matches('/');
        // The path itself and each directory above it: `dir/**` and `dir` both protect
        // everything under `dir`.
        let mut prefixes = vec![rel];
        let mut cut = rel;
        while let Some(i) = cut.rfind('/') {
            cut = &cut[..i];
            prefixes.push(cut);
        }
        // `dir/**` also protects the name `dir` itself: a file planted there (`.octagit`)
        // would block the directory (found by tests/it/proptests.rs).
        let as_dir = format!("{rel}/");
        // The first glob, in the order given, that matches any of them.
        std::iter::once(as_dir.as_str())
            .chain(prefixes)
            .flat_map(|p| self.protected.matches_candidate(&Candidate::new(p)))
            .min()
            .map(|i| self.patterns[i].as_str())
    }

    fn resolve(&self, rel: &str) -> Result<PathBuf, WorkspaceError> {
        if rel.contains('\0') {
            return Err(WorkspaceError::Invalid(
                "the path contains a NUL byte".into(),
            ));
        }
        let parts = normalise(rel, &self.root, &self.alias).map_err(|kind| match kind {
            Escape::Parent => WorkspaceError::Escapes(rel.to_string()),
            Escape::Absolute => WorkspaceError::AbsoluteOutside(rel.to_string()),
        })?;
        if parts.iter().any(|p| is_git_dir(p)) {
            return Err(WorkspaceError::GitDir(rel.to_string()));
        }
        // Walk from the root one name at a time so every symlink on the way is seen,
        // including a dangling one at the end that a write would follow out.
        let mut cur = self.root.clone();
        let mut exists = true;
        for (i, part) in parts.iter().enumerate() {
            let next = cur.join(part);
            if !exists {
                cur = next;
                continue;
            }
            match std::fs::symlink_metadata(&next) {
                Ok(m) if m.file_type().is_symlink() => {
                    let link = parts[..=i].join("/");
                    let target =
                        next.canonicalize()
                            .map_err(|_| WorkspaceError::SymlinkEscape {
                                path: rel.to_string(),
                                link: link.clone(),
                            })?;
                    if !target.starts_with(&self.root) {
                        return Err(WorkspaceError::SymlinkEscape {
                            path: rel.to_string(),
                            link,
                        });
                    }
                    cur = target;
                }
                Ok(_) => cur = next,
                Err(_) => {
                    exists = false;
                    cur = next;
                }
            }
        }
        let real_rel = self.relative(&cur);
        if real_rel.split('/').any(is_git_dir) {
            return Err(WorkspaceError::GitDir(rel.to_string()));
        }
        Ok(cur)
    }
}

fn is_git_dir(name: &str) -> bool {
    name.eq_ignore_ascii_case(".git")
}

enum Escape {
    Parent,
    Absolute,
}

/// Lexically normalise a model-supplied path into names below the root. An absolute path
/// is accepted when it lies inside the root.
fn normalise(rel: &str, root: &Path, alias: &Path) -> Result<Vec<String>, Escape> {
    let rel = rel.trim();
    let path = Path::new(rel);
    let path = if path.is_absolute() {
        match path
            .strip_prefix(root)
            .or_else(|_| path.strip_prefix(alias))
        {
            Ok(inside) => inside.to_path_buf(),
            Err(_) => return Err(Escape::Absolute),
        }
    } else {
        path.to_path_buf()
    };
    let mut parts: Vec<String> = Vec::new();
    for c in path.components() {
        match c {
            Component::Normal(s) => parts.push(s.to_string_lossy().into_owned()),
            Component::CurDir => {}
            Component::ParentDir => {
                if parts.pop().is_none() {
                    return Err(Escape::Parent);
                }
            }
            Component::RootDir | Component::Prefix(_) => return Err(Escape::Absolute),
        }
    }
    Ok(parts)
}

/// One protected glob as globset reads it, over `/`-separated root-relative paths: `*`
/// and `?` stay within one name, `**` spans directories, a glob without `/` matches a name
/// at any depth. Case-insensitive on every OS: on a case-insensitive filesystem (macOS,
/// Windows) `.GitHub/Workflows/x.yml` is the workflow file.
fn protected_glob(pattern: &str) -> Result<globset::Glob, globset::Error> {
    let pattern = pattern.trim_start_matches("./").trim_end_matches('/');
    let pattern = if pattern.contains('/') {
        pattern.trim_start_matches('/').to_string()
    } else {
        format!("**/{pattern}")
    };
    globset::GlobBuilder::new(&pattern)
        .literal_separator(true)
        .case_insensitive(true)
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ws(protected: &[&str]) -> (tempfile::TempDir, Workspace) {
        let dir = tempfile::tempdir().unwrap();
        let p: Vec<String> = protected.iter().map(|s| s.to_string()).collect();
        let w = Workspace::new(dir.path(), &p).unwrap();
        (dir, w)
    }

    #[test]
    fn globs() {
        let (_d, w) = ws(&[
            ".github/workflows/**",
            "*.pem",
            "secrets",
            "docs/*.md",
            "a/**/z",
        ]);
        for yes in [
            ".github/workflows/ci.yml",
            ".github/workflows/sub/x.yml",
            "key.pem",
            "deep/dir/key.pem",
            "secrets/x",
            "secrets",
            "docs/a.md",
            "a/z",
            "a/b/c/z",
            ".octagit/run-1/run.json",
            ".github/octagit.yml",
        ] {
            assert!(
                w.protected_match(yes).is_some(),
                "{yes} should be protected"
            );
        }
        for no in [
            ".github/dependabot.yml",
            "src/pem.rs",
            "docs/sub/a.md",
            "mysecrets/x",
            "a/zz",
        ] {
            assert!(
                w.protected_match(no).is_none(),
                "{no} should not be protected"
            );
        }
    }

    #[test]
    fn protected_matching_ignores_case_and_covers_the_directory_name() {
        let (_d, w) = ws(&[".github/workflows/**", "*.PEM", "{dist,out}/**"]);
        for yes in [
            ".GitHub/Workflows/x.yml",
            ".GITHUB/WORKFLOWS/sub/y.yaml",
            ".github/Octagit.yml",
            ".OctaGit/run-1/run.json",
            // A file planted where the protected directory goes would block it.
            ".octagit",
            ".github/workflows",
            "deep/Key.pem",
            "dist/app.js",
            "OUT/x",
        ] {
            assert!(
                w.protected_match(yes).is_some(),
                "{yes} should be protected"
            );
        }
        assert_eq!(
            w.protected_match(".GitHub/Workflows/x.yml"),
            Some(".github/workflows/**"),
            "the glob named is the one given"
        );
        for no in [".github/dependabot.yml", "src/dist.rs", "output/x"] {
            assert!(
                w.protected_match(no).is_none(),
                "{no} should not be protected"
            );
        }
        assert!(matches!(
            w.resolve_write(".GitHub/Workflows/ci.yml"),
            Err(WorkspaceError::Protected { .. })
        ));
    }

    #[test]
    fn a_configured_list_adds_to_the_built_in_globs() {
        let (_d, w) = ws(&["secrets/**"]);
        for yes in [
            ".github/workflows/ci.yml",
            ".github/octagit.yml",
            ".octagit/x",
            "secrets/k",
        ] {
            assert!(
                w.protected_match(yes).is_some(),
                "{yes} should be protected"
            );
        }
        let (_d, w) = ws(&[]);
        assert_eq!(
            w.protected_match(".github/workflows/ci.yml"),
            Some(".github/workflows/**")
        );
    }

    #[test]
    fn bad_glob_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let err = Workspace::new(dir.path(), &["[abc".to_string()]).unwrap_err();
        assert!(err.to_string().contains("[abc"), "{err}");
    }

    #[test]
    fn lexical_escapes() {
        let (_d, w) = ws(&[]);
        assert!(matches!(
            w.resolve_read("../x"),
            Err(WorkspaceError::Escapes(_))
        ));
        assert!(matches!(
            w.resolve_read("a/../../x"),
            Err(WorkspaceError::Escapes(_))
        ));
        assert!(matches!(
            w.resolve_read("/etc/passwd"),
            Err(WorkspaceError::AbsoluteOutside(_))
        ));
        assert!(matches!(
            w.resolve_read(".git/config"),
            Err(WorkspaceError::GitDir(_))
        ));
        assert!(matches!(
            w.resolve_read("sub/.GIT/x"),
            Err(WorkspaceError::GitDir(_))
        ));
        assert_eq!(w.resolve_read("a/./b/../c").unwrap(), w.root().join("a/c"));
        assert_eq!(w.resolve_read("").unwrap(), w.root());
        let abs = w.root().join("src/lib.rs");
        assert_eq!(w.resolve_read(abs.to_str().unwrap()).unwrap(), abs);
    }
}
