//! The gitignore-aware walk and the file classifier (source/test/config/docs/generated).

use std::path::{Path, PathBuf};

use super::{FileKind, IndexError};

/// A file the walk kept, before it is read.
pub(crate) struct Candidate {
    pub abs: PathBuf,
    /// Relative, '/'-separated.
    pub rel: String,
    pub size: u64,
    /// Modification time in ns since the epoch (0 when unknown): the cache's freshness test.
    pub mtime_ns: u64,
}

/// A path the walk left out, with the reason.
pub(crate) type Skipped = (&'static str, String);

/// Why a file was left out, or `None` to keep it. Checked before reading.
pub(crate) fn skip_reason_by_path(rel: &str, size: u64, max_bytes: u64) -> Option<&'static str> {
    if is_vendored(rel) {
        return Some("vendored");
    }
    if is_generated_name(rel) {
        return Some("generated");
    }
    if is_binary_ext(rel) {
        return Some("binary");
    }
    if size > max_bytes {
        return Some("too large");
    }
    None
}

/// Walk `root` honouring .gitignore (also outside a git checkout), .ignore and hidden-file
/// rules. Returns kept candidates and the skipped paths with their reasons.
pub(crate) fn walk(
    root: &Path,
    max_bytes: u64,
) -> Result<(Vec<Candidate>, Vec<Skipped>), IndexError> {
    if !root.is_dir() {
        return Err(IndexError::NotADirectory(root.to_path_buf()));
    }
    // Parallel, as ripgrep walks: the stat calls were most of a warm index's walk.
    let found = std::sync::Mutex::new((Vec::new(), Vec::new()));
    ignore::WalkBuilder::new(root)
        .require_git(false)
        .follow_links(false)
        .filter_entry(|e| {
            // Skip vendored trees without descending: node_modules can hold 100k files.
            let name = e.file_name().to_string_lossy();
            !(e.file_type().is_some_and(|t| t.is_dir()) && VENDOR_DIRS.contains(&name.as_ref()))
        })
        .build_parallel()
        .run(|| {
            Box::new(|entry| {
                if let Ok(entry) = entry
                    && let Some(found_one) = candidate(root, &entry, max_bytes)
                {
                    let mut f = found.lock().unwrap_or_else(|p| p.into_inner());
                    match found_one {
                        Ok(c) => f.0.push(c),
                        Err(s) => f.1.push(s),
                    }
                }
                ignore::WalkState::Continue
            })
        });
    let (mut kept, mut skipped) = found.into_inner().unwrap_or_else(|p| p.into_inner());
    skipped.sort_by(|a: &Skipped, b: &Skipped| a.1.cmp(&b.1));
    kept.sort_by(|a, b| a.rel.cmp(&b.rel));
    Ok((kept, skipped))
}

/// One walked entry: a file to index, a file skipped by its path, or nothing (a dir).
fn candidate(
    root: &Path,
    entry: &ignore::DirEntry,
    max_bytes: u64,
) -> Option<Result<Candidate, Skipped>> {
    if !entry.file_type().is_some_and(|t| t.is_file()) {
        return None;
    }
    let abs = entry.path().to_path_buf();
    let rel = abs.strip_prefix(root).ok()?;
    let rel = rel.to_string_lossy().replace('\\', "/");
    let meta = entry.metadata().ok();
    let size = meta.as_ref().map_or(0, |m| m.len());
    let mtime_ns = meta
        .and_then(|m| m.modified().ok())
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos() as u64);
    if let Some(reason) = skip_reason_by_path(&rel, size, max_bytes) {
        return Some(Err((reason, rel)));
    }
    Some(Ok(Candidate {
        abs,
        rel,
        size,
        mtime_ns,
    }))
}

const VENDOR_DIRS: &[&str] = &[
    "node_modules",
    "vendor",
    "third_party",
    "third-party",
    "bower_components",
    // Python's copied-in libraries: pip's `_vendor`, astropy's `extern`, scikit-learn's
    // `externals` (joblib, six).
    "_vendor",
    "vendored",
    "extern",
    "externals",
    ".venv",
    "venv",
    "__pycache__",
];

fn is_vendored(rel: &str) -> bool {
    rel.split('/')
        .rev()
        .skip(1)
        .any(|seg| VENDOR_DIRS.contains(&seg))
}

fn file_name(rel: &str) -> &str {
    rel.rsplit('/').next().unwrap_or(rel)
}

fn ext(rel: &str) -> String {
    let name = file_name(rel);
    name.rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default()
}

fn is_generated_name(rel: &str) -> bool {
    let name = file_name(rel);
    name.ends_with(".min.js")
        || name.ends_with(".min.css")
        || name.ends_with("_pb2.py")
        || name.ends_with("_pb2_grpc.py")
        || name.ends_with(".pb.go")
        || name.ends_with(".pb.cc")
        || name.ends_with(".pb.h")
        || name.contains(".generated.")
        || name.ends_with(".map")
        || matches!(
            name,
            "Cargo.lock"
                | "package-lock.json"
                | "yarn.lock"
                | "pnpm-lock.yaml"
                | "poetry.lock"
                | "Gemfile.lock"
                | "composer.lock"
                | "go.sum"
                | "uv.lock"
        )
}

/// Markers tools put at the top of generated files.
pub(crate) fn is_generated_content(head: &[u8]) -> bool {
    let head = &head[..head.len().min(400)];
    let text = String::from_utf8_lossy(head);
    text.contains("@generated")
        || text.contains("DO NOT EDIT")
        || text.contains("Code generated by")
}

/// Minified or copied-in third-party code, judged by content: very long lines or almost
/// no whitespace (minified), or a library banner with a version and a licence in the
/// first comment of a JS/CSS file (`/*! jQuery v3.5.1 | (c) OpenJS Foundation`).
pub(crate) fn is_vendored_content(rel: &str, bytes: &[u8]) -> bool {
    if bytes.len() < 2048 {
        return false;
    }
    let lines = bytes.iter().filter(|b| **b == b'\n').count() + 1;
    let avg = bytes.len() / lines;
    let sample = &bytes[..bytes.len().min(64 * 1024)];
    let ws = sample.iter().filter(|b| b.is_ascii_whitespace()).count();
    if avg > 300 || ws * 100 < sample.len() * 4 {
        return true;
    }
    let e = ext(rel);
    if !matches!(e.as_str(), "js" | "mjs" | "cjs" | "css") {
        return false;
    }
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(1024)]).to_ascii_lowercase();
    let t = head.trim_start();
    if !(t.starts_with("/*") || t.starts_with("//") || t.starts_with("(function")) {
        return false;
    }
    let versioned = head
        .split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .any(|w| {
            w.split('.')
                .filter(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
                .count()
                >= 3
                && !w.starts_with('.')
        });
    let licensed = head.contains("license") || head.contains("(c)") || head.contains("copyright");
    versioned && licensed
}

fn is_binary_ext(rel: &str) -> bool {
    matches!(
        ext(rel).as_str(),
        "png"
            | "jpg"
            | "jpeg"
            | "gif"
            | "bmp"
            | "ico"
            | "webp"
            | "pdf"
            | "zip"
            | "gz"
            | "tgz"
            | "xz"
            | "bz2"
            | "zst"
            | "7z"
            | "tar"
            | "jar"
            | "war"
            | "class"
            | "so"
            | "dylib"
            | "dll"
            | "exe"
            | "o"
            | "a"
            | "lib"
            | "pyc"
            | "pyo"
            | "wasm"
            | "woff"
            | "woff2"
            | "ttf"
            | "otf"
            | "eot"
            | "mp3"
            | "mp4"
            | "mov"
            | "avi"
            | "wav"
            | "ogg"
            | "sqlite"
            | "db"
            | "bin"
            | "dat"
            | "npy"
            | "pkl"
            | "rlib"
    )
}

/// A NUL byte in the first 8 KiB means binary, as git decides.
pub(crate) fn looks_binary(bytes: &[u8]) -> bool {
    bytes[..bytes.len().min(8192)].contains(&0)
}

/// Classify by path alone (content markers for generated files are checked by the caller).
pub fn classify(rel: &str, has_grammar: bool) -> FileKind {
    let lower = rel.to_ascii_lowercase();
    let name = file_name(&lower);
    let e = ext(&lower);
    let segs: Vec<&str> = lower.split('/').collect();
    let dirs = &segs[..segs.len().saturating_sub(1)];
    let code_ext = has_grammar || SOURCE_EXTS.contains(&e.as_str());

    let test_dir = dirs.iter().any(|d| {
        matches!(
            *d,
            "test" | "tests" | "__tests__" | "spec" | "testing" | "testdata"
        )
    });
    let stem = name.split('.').next().unwrap_or(name);
    let test_name = stem.starts_with("test_")
        || stem.ends_with("_test")
        || stem.ends_with("_tests")
        || stem.ends_with("_spec")
        || name.contains(".test.")
        || name.contains(".spec.")
        || (e == "java" && stem.ends_with("test"))
        || stem == "conftest"
        || stem == "tests";
    if code_ext && (test_dir || test_name) {
        return FileKind::Test;
    }
    if code_ext {
        return FileKind::Source;
    }
    if matches!(
        e.as_str(),
        "md" | "rst" | "txt" | "adoc" | "markdown" | "rdoc" | "org" | "tex"
    ) || stem == "readme"
        || stem == "license"
        || stem == "changelog"
        || dirs.iter().any(|d| matches!(*d, "docs" | "doc"))
    {
        return FileKind::Docs;
    }
    if matches!(
        e.as_str(),
        "toml"
            | "yaml"
            | "yml"
            | "json"
            | "ini"
            | "cfg"
            | "conf"
            | "xml"
            | "properties"
            | "env"
            | "lock"
            | "editorconfig"
            | "gitignore"
            | "dockerignore"
            | "gradle"
            | "cmake"
            | "mk"
            | "nix"
    ) || matches!(
        name,
        "makefile" | "dockerfile" | "cmakelists.txt" | "justfile" | "procfile"
    ) || dirs.first().is_some_and(|d| *d == ".github")
    {
        return FileKind::Config;
    }
    FileKind::Other
}

/// Code without a grammar here still counts as source (it is listed and ranked lexically).
const SOURCE_EXTS: &[&str] = &[
    "cs", "kt", "kts", "swift", "scala", "sh", "bash", "zsh", "lua", "pl", "pm", "r", "jl", "ex",
    "exs", "erl", "hs", "ml", "mli", "clj", "dart", "m", "mm", "vue", "svelte", "sql", "zig",
    "nim", "pyx", "pxd", "f90", "groovy", "ps1", "fs", "elm", "v", "sv", "vhd", "asm", "s",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_common_layouts() {
        assert_eq!(classify("src/lib.rs", true), FileKind::Source);
        assert_eq!(classify("tests/it/main.rs", true), FileKind::Test);
        assert_eq!(classify("pkg/foo_test.go", true), FileKind::Test);
        assert_eq!(classify("app/test_views.py", true), FileKind::Test);
        assert_eq!(classify("web/button.spec.ts", true), FileKind::Test);
        assert_eq!(classify("Cargo.toml", false), FileKind::Config);
        assert_eq!(
            classify(".github/workflows/ci.yml", false),
            FileKind::Config
        );
        assert_eq!(classify("README.md", false), FileKind::Docs);
        assert_eq!(classify("docs/guide/intro.html", false), FileKind::Docs);
        assert_eq!(classify("scripts/run.sh", false), FileKind::Source);
        assert_eq!(classify("assets/logo.svg", false), FileKind::Other);
    }

    #[test]
    fn skips_vendored_generated_binary_and_large() {
        assert_eq!(
            skip_reason_by_path("web/node_modules/x/index.js", 10, 100),
            Some("vendored")
        );
        assert_eq!(
            skip_reason_by_path("api/service_pb2.py", 10, 100),
            Some("generated")
        );
        assert_eq!(
            skip_reason_by_path("Cargo.lock", 10, 100),
            Some("generated")
        );
        assert_eq!(skip_reason_by_path("img/a.png", 10, 100), Some("binary"));
        assert_eq!(
            skip_reason_by_path("src/big.rs", 1000, 100),
            Some("too large")
        );
        assert_eq!(skip_reason_by_path("src/ok.rs", 10, 100), None);
        assert!(looks_binary(b"abc\0def"));
        assert!(is_generated_content(
            b"// Code generated by protoc. DO NOT EDIT.\n"
        ));
    }

    #[test]
    fn detects_vendored_and_minified_by_content() {
        let body = "function even(a) {\n  return a % 2 == 0;\n}\n".repeat(100);
        let jq = format!(
            "/*!\n * jQuery JavaScript Library v3.5.1\n * Released under the MIT license\n */\n{body}"
        );
        assert!(is_vendored_content(
            "docs/_static/jquery-3.5.1.js",
            jq.as_bytes()
        ));
        let own = format!("// The site's menu.\n{body}");
        assert!(!is_vendored_content("web/menu.js", own.as_bytes()));
        let minified = "var a=1;".repeat(2000);
        assert!(is_vendored_content("web/app.js", minified.as_bytes()));
        // A Python file with a version in its header is not a library banner.
        let py = format!("# Copyright 2020, version 1.2.3\n{}", "x = 1\n".repeat(500));
        assert!(!is_vendored_content("pkg/x.py", py.as_bytes()));
    }
}
