//! Workspace confinement on arbitrary path strings: a resolved path is always inside the
//! canonical root (also after following symlinks), never inside .git/, and writes never
//! land on a protected glob. Mirrors `confinement_holds_for_hostile_paths` in proptests.rs.
#![no_main]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use octagit::agent::workspace::Workspace;

fn fixture() -> &'static (tempfile::TempDir, Workspace) {
    static F: OnceLock<(tempfile::TempDir, Workspace)> = OnceLock::new();
    F.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir");
        let repo = dir.path().join("repo");
        for d in ["sub", ".git", ".github/workflows"] {
            std::fs::create_dir_all(repo.join(d)).expect("mkdir");
        }
        std::fs::create_dir_all(dir.path().join("outside")).expect("mkdir");
        use std::os::unix::fs::symlink;
        for (name, target) in [
            ("out", "../outside"),
            ("loop", "loop"),
            ("gitlink", ".git"),
            ("wflink", ".github/workflows"),
            ("etc", "/etc"),
            ("sub/up", ".."),
        ] {
            symlink(target, repo.join(name)).expect("symlink");
        }
        let ws = Workspace::new(&repo, &[".github/workflows/**".into(), "*.pem".into()]).expect("workspace");
        (dir, ws)
    })
}

/// Where a path really lands: its longest existing ancestor, canonicalised.
fn anchor(p: &Path) -> PathBuf {
    let mut cur = p.to_path_buf();
    loop {
        if let Ok(c) = cur.canonicalize() {
            return c;
        }
        if !cur.pop() {
            return cur;
        }
    }
}

fn check(ws: &Workspace, p: &Path) {
    let root = ws.root();
    assert!(p.starts_with(root) && anchor(p).starts_with(root), "{} escapes", p.display());
    for rel in [ws.relative(p), ws.relative(&anchor(p))] {
        assert!(!rel.split('/').any(|s| s.eq_ignore_ascii_case(".git")), "{rel} is in .git");
    }
}

fuzz_target!(|data: &[u8]| {
    let (_dir, ws) = fixture();
    let text = String::from_utf8_lossy(data);
    // Also as an absolute path below the root, as a model may copy one from a message.
    for path in [text.to_string(), format!("{}/{}", ws.root().display(), text)] {
        if let Ok(p) = ws.resolve_read(&path) {
            assert!(!path.contains('\0'));
            check(ws, &p);
        }
        if let Ok(p) = ws.resolve_write(&path) {
            check(ws, &p);
            for rel in [ws.relative(&p), ws.relative(&anchor(&p))] {
                assert!(!rel.starts_with(".github/workflows") && !rel.ends_with(".pem"), "wrote {rel}");
                assert!(!rel.starts_with(".octagit") && rel != ".github/octagit.yml", "wrote {rel}");
            }
        }
    }
});
