//! Index benchmark: `cargo run --release --example bench_index -- PATH [THREADS]`.
//! Prints the cold (empty cache) and warm (cached) index times, file and symbol counts and
//! the peak resident memory. scripts/bench-index.sh runs it beside universal-ctags.

use std::time::Instant;

use octagit::index::{self, IndexOptions};

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|v| v.parse::<f64>().ok())
            })
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

/// CPU seconds (user + system) this process has used so far: on a shared machine the
/// wall clock measures the neighbours too.
fn cpu_s() -> f64 {
    // SAFETY: getrusage fills the struct it is given; RUSAGE_SELF is always valid.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) };
    let t = |v: libc::timeval| v.tv_sec as f64 + v.tv_usec as f64 / 1e6;
    t(u.ru_utime) + t(u.ru_stime)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: bench_index PATH [THREADS]");
        std::process::exit(2);
    };
    let threads = args.next().and_then(|t| t.parse().ok());
    let cache = tempfile::tempdir().expect("temp dir for the cache");
    let opts = IndexOptions {
        cache_dir: Some(cache.path().to_path_buf()),
        threads,
        ..IndexOptions::default()
    };

    let c0 = cpu_s();
    let t = Instant::now();
    let cold = match index::build(std::path::Path::new(&path), &opts) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    };
    let cold_s = t.elapsed().as_secs_f64();
    let cold_cpu = cpu_s() - c0;
    let c0 = cpu_s();
    let t = Instant::now();
    let warm = index::build(std::path::Path::new(&path), &opts).expect("warm index");
    let warm_s = t.elapsed().as_secs_f64();
    let warm_cpu = cpu_s() - c0;
    let t = Instant::now();
    let ranked = index::rank(
        &warm,
        "error when parsing the configuration file: unexpected token in parse_config",
    );
    let rank_s = t.elapsed().as_secs_f64();
    let bytes: u64 = cold.files.iter().map(|f| f.size).sum();
    println!(
        "files={} bytes={} parsed={} symbols={} skipped={}",
        cold.stats.files, bytes, cold.stats.parsed, cold.stats.symbols, cold.stats.skipped
    );
    println!(
        "cold_s={cold_s:.3} warm_s={warm_s:.3} warm_cached={} warm_parsed={} rank_s={rank_s:.3} ranked={}",
        warm.stats.cached,
        warm.stats.parsed,
        ranked.len()
    );
    println!("cold_cpu_s={cold_cpu:.3} warm_cpu_s={warm_cpu:.3}");
    println!(
        "edges={} peak_rss_mb={:.1}",
        cold.refs.edges.len(),
        peak_rss_mb()
    );
}
