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

/// Peak resident memory of this process so far, from /proc (Linux).
fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// The 100,000-file strange repository, in CI (where `.ci/run` sets CI=true): index and
/// terrain finish, skip what they must and say why, in bounded memory. It takes a couple of
/// minutes on two cores, so a developer's `cargo test` runs it only with OCTAGIT_BIG_REPO=1;
/// `scripts/bench-bigrepo.sh` prints the same figures against ctags.
#[test]
fn big_strange_repo_of_100k_files_in_bounded_memory() {
    let wanted = std::env::var("CI").is_ok_and(|v| v == "true")
        || std::env::var("OCTAGIT_BIG_REPO").is_ok_and(|v| v == "1");
    if !wanted {
        eprintln!("skipping the 100,000-file run: set CI=true or OCTAGIT_BIG_REPO=1");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let spec = strange_tree::Spec::big();
    let started = std::time::Instant::now();
    let m = strange_tree::generate(dir.path(), &spec).expect("generate");
    let generated = started.elapsed();
    assert!(m.files() >= spec.files, "generated {} files", m.files());
    let started = std::time::Instant::now();
    let idx = index_within(dir.path(), Duration::from_secs(900));
    let indexed = started.elapsed();
    let svg = terrain::render_svg(&idx, None);
    roxmltree::Document::parse(&svg).expect("the terrain is well-formed XML");
    let s = &idx.stats;
    assert!(s.files > 90_000, "{s:?}");
    assert!(
        s.skipped > 0 && !s.skipped_reasons.is_empty(),
        "skips are counted and named: {s:?}"
    );
    let peak = peak_rss_mb().unwrap_or(0.0);
    println!(
        "100k strange repo: generated in {:.1}s, indexed {} files ({} skipped: {:?}) in {:.1}s, terrain {} KB, peak RSS {:.0} MB",
        generated.as_secs_f64(),
        s.files,
        s.skipped,
        s.skipped_reasons,
        indexed.as_secs_f64(),
        svg.len() / 1024,
        peak
    );
    // The whole test process, other tests included: an upper bound on the index's share.
    assert!(peak < 1024.0, "peak RSS {peak:.0} MB");
}
