//! Big-and-strange repository benchmark:
//! `cargo run --release --example bench_bigrepo -- [FILES] [DIR]`.
//!
//! Generates a repository of FILES files (default 100,000; see examples/common/strange_tree.rs
//! for every kind of strangeness in it) in DIR (default: a temp dir, removed afterwards),
//! then runs what `octagit terrain` runs (index, rank, context graph, SVG) and prints the
//! time, files indexed and skipped with their reasons, and the peak resident memory
//! (VmHWM). Then it runs `ctags -R` over the same tree as the reference and prints the
//! ratio. Exits 1 when peak memory reaches 1 GiB or the SVG is not well-formed XML.
//! scripts/bench-bigrepo.sh builds and runs it.

#[path = "common/strange_tree.rs"]
mod strange_tree;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use octagit::index::{self, ContextGraph, IndexOptions};
use octagit::terrain;

const MEMORY_LIMIT_MB: f64 = 1024.0;

fn status_mb(field: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with(field)).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|v| v.parse::<f64>().ok())
            })
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Run `ctags -R` over `dir` with a time limit; its time and, through /usr/bin/time when
/// there is one, its peak RSS in MB. Symlinks are not followed, as the index does not
/// follow them (ctags would otherwise index /etc through the tree's `loops/etc`).
fn ctags(dir: &Path, limit: Duration) -> Result<(f64, Option<f64>), String> {
    let rss_file = tempfile::NamedTempFile::new().map_err(|e| e.to_string())?;
    let timed = Path::new("/usr/bin/time").exists();
    let mut cmd = if timed {
        let mut c = std::process::Command::new("/usr/bin/time");
        c.args(["-f", "%M", "-o"]).arg(rss_file.path()).arg("ctags");
        c
    } else {
        std::process::Command::new("ctags")
    };
    // `-f /dev/null` makes ctags fail at once (it cannot truncate it): write to stdout.
    cmd.args(["-R", "--links=no", "-f", "-"]).arg(dir);
    let started = Instant::now();
    let mut child = cmd
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|e| {
            format!("cannot run ctags ({e}); install it with apt-get install universal-ctags")
        })?;
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("ctags did not finish within {}s", limit.as_secs()));
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let secs = started.elapsed().as_secs_f64();
    if !status.success() {
        return Err(format!("ctags failed ({status}) after {secs:.2}s"));
    }
    let rss = std::fs::read_to_string(rss_file.path())
        .ok()
        .and_then(|s| s.trim().lines().last()?.trim().parse::<f64>().ok())
        .map(|kb| kb / 1024.0);
    Ok((secs, rss))
}

fn main() {
    let mut args = std::env::args().skip(1);
    let files: usize = match args.next().map(|a| a.parse()) {
        None => 100_000,
        Some(Ok(n)) => n,
        Some(Err(_)) => {
            eprintln!("usage: bench_bigrepo [FILES] [DIR]");
            std::process::exit(2);
        }
    };
    let temp = tempfile::tempdir().expect("a temp dir");
    let dir: PathBuf = args
        .next()
        .map(PathBuf::from)
        .unwrap_or_else(|| temp.path().join("repo"));
    if dir.exists()
        && std::fs::read_dir(&dir)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        eprintln!(
            "{} exists and is not empty; give a new directory",
            dir.display()
        );
        std::process::exit(2);
    }
    std::fs::create_dir_all(&dir).expect("create the repo dir");

    let spec = if files >= 50_000 {
        strange_tree::Spec {
            files,
            ..strange_tree::Spec::big()
        }
    } else {
        strange_tree::Spec {
            files,
            ..strange_tree::Spec::small()
        }
    };
    let t = Instant::now();
    let m = strange_tree::generate(&dir, &spec).expect("generate the repository");
    println!(
        "generated {} files ({} MB) in {:.1}s: normal={} unparsable={} binary={} huge={} generated={} ignored={} vendored={} non_utf8_names={} odd_names={} deep_files={} (depth {}) symlinks={} fifos={}",
        m.files(),
        m.bytes >> 20,
        t.elapsed().as_secs_f64(),
        m.normal,
        m.unparsable.len(),
        m.binary,
        m.huge,
        m.generated,
        m.ignored,
        m.vendored,
        m.non_utf8,
        m.odd_names,
        m.deep_files,
        m.deepest,
        m.symlinks,
        m.fifos
    );
    let rss_before = status_mb("VmHWM:");

    // What `octagit terrain` does, with a fresh cache (a cold run).
    let cache = tempfile::tempdir().expect("a cache dir");
    let opts = IndexOptions {
        cache_dir: Some(cache.path().to_path_buf()),
        ..IndexOptions::default()
    };
    let t = Instant::now();
    let idx = index::build(&dir, &opts).unwrap_or_else(|e| {
        eprintln!("error: {e}");
        std::process::exit(1);
    });
    let index_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let ranked = index::rank(&idx, "crash in f12_3 when parsing nested input");
    let mut graph = ContextGraph::new(&idx, &ranked);
    for f in idx.files.iter().take(3) {
        graph.mark_explored(&f.path);
    }
    if let Some(f) = idx.files.last() {
        graph.mark_edited(&f.path);
    }
    let svg = terrain::render_svg(&idx, Some(&graph));
    let heat = terrain::heatmap_text(&idx, Some(&graph), 80, 20);
    let peaks = terrain::describe_peaks(&idx, 5);
    let terrain_s = t.elapsed().as_secs_f64();
    let peak_mb = status_mb("VmHWM:");

    let s = &idx.stats;
    println!(
        "indexed files={} parsed={} symbols={} skipped={} index_s={index_s:.2} terrain_s={terrain_s:.2} total_s={:.2}",
        s.files,
        s.parsed,
        s.symbols,
        s.skipped,
        index_s + terrain_s
    );
    let reasons: Vec<String> = s
        .skipped_reasons
        .iter()
        .map(|(r, n)| format!("{r}={n}"))
        .collect();
    println!("skipped_reasons {}", reasons.join(" "));
    println!(
        "not walked (by rule, no reason recorded): gitignored={} vendored={} symlinks={} fifos={}",
        m.ignored, m.vendored, m.symlinks, m.fifos
    );
    println!(
        "svg_kb={} heatmap_lines={} peaks: {}",
        svg.len() >> 10,
        heat.lines().count(),
        peaks.lines().next().unwrap_or("")
    );
    println!(
        "peak_rss_mb={peak_mb:.1} (after generation {rss_before:.1}; limit {MEMORY_LIMIT_MB})"
    );

    let mut failed = false;
    if let Err(e) = roxmltree::Document::parse(&svg) {
        println!("FAIL: the terrain SVG is not well-formed XML: {e}");
        failed = true;
    }
    if peak_mb >= MEMORY_LIMIT_MB {
        println!("FAIL: peak memory {peak_mb:.0} MB reaches the {MEMORY_LIMIT_MB} MB limit");
        failed = true;
    }

    match ctags(&dir, Duration::from_secs(600)) {
        Ok((ctags_s, ctags_mb)) => println!(
            "ctags_s={ctags_s:.2} ctags_peak_rss_mb={} ratio index/ctags={:.2} (index+terrain)/ctags={:.2}",
            ctags_mb.map_or("?".to_string(), |m| format!("{m:.1}")),
            index_s / ctags_s,
            (index_s + terrain_s) / ctags_s
        ),
        Err(e) => println!("ctags: {e}"),
    }
    drop(temp);
    if failed {
        std::process::exit(1);
    }
}
