//! Index and terrain over a small strange repository: the same generator as the 100,000-file
//! benchmark (examples/bench_bigrepo.rs), at 2,000 files with every kind of strangeness.
//! It must finish, skip what it must and say why, and draw well-formed SVG.

#[path = "../../examples/common/strange_tree.rs"]
mod strange_tree;

use std::sync::mpsc;
use std::time::Duration;

use octagit::index::{self, ContextGraph, Index, IndexOptions};
use octagit::terrain;

/// Index on another thread so a hang (a FIFO opened for reading, a symlink loop followed)
/// fails the test instead of stalling CI.
fn index_within(dir: &std::path::Path, limit: Duration) -> Index {
    let (tx, rx) = mpsc::channel();
    let dir = dir.to_path_buf();
    std::thread::spawn(move || {
        let opts = IndexOptions {
            threads: Some(2),
            ..IndexOptions::default()
        };
        let _ = tx.send(index::build(&dir, &opts));
    });
    match rx.recv_timeout(limit) {
        Ok(result) => result.expect("the index builds"),
        Err(_) => panic!("indexing the strange repo did not finish within {limit:?}"),
    }
}

#[test]
fn strange_repo_is_indexed_skipped_and_drawn() {
    let dir = tempfile::tempdir().unwrap();
    let spec = strange_tree::Spec::small();
    let m = strange_tree::generate(dir.path(), &spec).expect("generate");
    assert!(m.files() >= spec.files, "generated {} files", m.files());

    let idx = index_within(dir.path(), Duration::from_secs(120));
    let s = &idx.stats;
    let reason = |r: &str| s.skipped_reasons.get(r).copied().unwrap_or(0);

    // Skipped, and said so.
    assert!(
        reason("binary") >= m.binary,
        "binary: {:?} vs {}",
        s.skipped_reasons,
        m.binary
    );
    assert!(
        reason("too large") >= m.huge,
        "too large: {:?} vs {}",
        s.skipped_reasons,
        m.huge
    );
    assert!(
        reason("generated") >= m.generated,
        "generated: {:?} vs {}",
        s.skipped_reasons,
        m.generated
    );
    assert_eq!(
        s.skipped,
        s.skipped_reasons.values().sum::<usize>(),
        "skipped is the sum of its reasons"
    );
    assert_eq!(s.files, idx.files.len());

    // Never indexed: ignored or vendored trees, symlinks (loops, dangling, out of the tree), FIFOs.
    for f in &idx.files {
        let p = &f.path;
        assert!(!p.starts_with("build/"), "gitignored file indexed: {p}");
        assert!(!p.contains("node_modules/"), "vendored file indexed: {p}");
        assert!(!p.starts_with("loops/"), "a symlink was followed: {p}");
        assert!(
            !p.starts_with("pipe") && !p.starts_with("pipes/"),
            "a FIFO was indexed: {p}"
        );
        assert!(!p.starts_with("huge/"), "a huge file was indexed: {p}");
    }
    let mut paths: Vec<&str> = idx.files.iter().map(|f| f.path.as_str()).collect();
    paths.dedup();
    assert_eq!(paths.len(), idx.files.len(), "a file was indexed twice");

    // Kept: files tree-sitter cannot parse, deep files, strange names (non-UTF-8 ones
    // under their lossy spelling).
    for rel in &m.unparsable {
        assert!(
            idx.position(rel).is_some(),
            "unparsable {rel} is missing from the index"
        );
    }
    let deep = idx
        .files
        .iter()
        .filter(|f| f.path.starts_with("deep/"))
        .count();
    assert_eq!(deep, m.deep_files, "files of the {}-level chain", m.deepest);
    let lossy = idx
        .files
        .iter()
        .filter(|f| f.path.contains('\u{FFFD}'))
        .count();
    assert_eq!(lossy, m.non_utf8, "non-UTF-8 names");
    let odd = idx
        .files
        .iter()
        .filter(|f| f.path.starts_with("odd "))
        .count();
    assert_eq!(
        odd, m.odd_names,
        "names with control characters and XML specials"
    );
    let expected_kept = m.normal + m.unparsable.len() + m.deep_files + m.non_utf8 + m.odd_names; // .gitignore is hidden: not walked
    assert_eq!(
        s.files, expected_kept,
        "kept files; skipped: {:?}",
        s.skipped_reasons
    );
    assert!(s.symbols > 0 && s.parsed > 0);

    // The terrain: well-formed XML even with those names as labels and trail titles.
    let ranked = index::rank(&idx, "ctl rtl xml nonchar crash in f3_1");
    let mut graph = ContextGraph::new(&idx, &ranked);
    for f in idx.files.iter().filter(|f| f.path.starts_with("odd ")) {
        graph.mark_explored(&f.path);
    }
    if let Some(f) = idx.files.iter().find(|f| f.path.contains('\u{FFFD}')) {
        graph.mark_edited(&f.path);
    }
    for g in [None, Some(&graph)] {
        let svg = terrain::render_svg(&idx, g);
        if let Err(e) = roxmltree::Document::parse(&svg) {
            let at = e.pos();
            let line = svg.lines().nth(at.row as usize - 1).unwrap_or("");
            panic!("the terrain SVG is not well-formed XML: {e}\n{line}");
        }
        assert!(
            svg.contains("odd "),
            "the odd top-level directory is not labelled"
        );
    }
    let heat = terrain::heatmap_text(&idx, Some(&graph), 60, 16);
    assert!(heat.lines().count() >= 16);
    let peaks = terrain::describe_peaks(&idx, 5);
    assert!(peaks.contains("Peaks"), "{peaks}");
}
