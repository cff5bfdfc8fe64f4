//! File-localization benchmark, no model:
//! `cargo run --release --example bench_localization -- JSONL MIRRORS [options]`.
//!
//! JSONL: one instance a line with `instance_id`, `repo` (owner/name), `base_commit`,
//! `problem_statement` and `gold_files` (the SWE-bench layout of shared/localization).
//! MIRRORS: a folder of bare git mirrors, one per repository, found as `owner+name/repo`,
//! `owner+name`, `owner+name.git`, `name.git` or `name`. Each instance is checked out at its
//! base commit (`git archive | tar`) into the work dir, indexed once, and ranked by
//! `octagit`'s ranker and by plain BM25 over the same files in the same run. An instance
//! counts at k when every gold file is in the top k (the Agentless / LocAgent convention).
//!
//! Options:
//!   --work DIR      where checkouts go (kept and reused; default: a temp dir)
//!   --landed BIN    also rank with another octagit binary (`BIN rank --json`), e.g. main's
//!   --ablate        also rank with each signal of the weight table switched off
//!   --tune NAME=V1,V2,..  also rank with one weight set to each value
//!   --cache         keep a tag cache per repository under the work dir (reruns index
//!                   warm; clear it after changing what the indexer extracts)
//!   --verbose       one line per instance with the gold file's position per ranker
//!   --show ID       print the top ten of one instance with the signals that placed them
//!
//! Prints Acc@1/3/5/10 per repository and overall for each ranker.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use octagit::index::{self, IndexOptions, Weights};

struct Instance {
    id: String,
    repo: String,
    commit: String,
    issue: String,
    gold: Vec<String>,
}

fn fail(msg: &str) -> ! {
    eprintln!("error: {msg}");
    std::process::exit(2);
}

fn load(path: &Path) -> Vec<Instance> {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| fail(&format!("cannot read {}: {e}", path.display())));
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let v: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| {
            fail(&format!(
                "{} line {}: not JSON ({e}); one instance a line",
                path.display(),
                n + 1
            ))
        });
        let s = |k: &str| {
            v[k].as_str()
                .unwrap_or_else(|| fail(&format!("line {}: no string field `{k}`", n + 1)))
                .to_string()
        };
        let gold = v["gold_files"]
            .as_array()
            .unwrap_or_else(|| fail(&format!("line {}: no `gold_files` list", n + 1)))
            .iter()
            .filter_map(|g| g.as_str().map(str::to_string))
            .collect();
        out.push(Instance {
            id: s("instance_id"),
            repo: s("repo"),
            commit: s("base_commit"),
            issue: s("problem_statement"),
            gold,
        });
    }
    out
}

fn mirror(mirrors: &Path, repo: &str) -> Option<PathBuf> {
    let (owner, name) = repo.split_once('/')?;
    let plus = format!("{owner}+{name}");
    [
        mirrors.join(&plus).join("repo"),
        mirrors.join(&plus),
        mirrors.join(format!("{plus}.git")),
        mirrors.join(format!("{name}.git")),
        mirrors.join(name),
    ]
    .into_iter()
    .find(|p| p.join("HEAD").is_file())
}

fn checkout(git_dir: &Path, commit: &str, dest: &Path) -> Result<(), String> {
    if dest.join(".bench-complete").exists() {
        return Ok(());
    }
    let _ = std::fs::remove_dir_all(dest);
    std::fs::create_dir_all(dest).map_err(|e| e.to_string())?;
    let mut archive = Command::new("git")
        .arg("--git-dir")
        .arg(git_dir)
        .args(["archive", commit])
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("git: {e}"))?;
    let tar = Command::new("tar")
        .arg("-x")
        .arg("-C")
        .arg(dest)
        .stdin(archive.stdout.take().ok_or("no pipe")?)
        .status()
        .map_err(|e| format!("tar: {e}"))?;
    let git = archive.wait().map_err(|e| e.to_string())?;
    if !git.success() || !tar.success() {
        return Err(format!(
            "git archive {commit} failed; is it in {}?",
            git_dir.display()
        ));
    }
    std::fs::write(dest.join(".bench-complete"), b"").map_err(|e| e.to_string())
}

fn landed_rank(bin: &Path, dir: &Path, issue: &str, work: &Path) -> Vec<String> {
    let f = work.join("issue.txt");
    if std::fs::write(&f, issue).is_err() {
        return Vec::new();
    }
    let out = Command::new(bin)
        .arg("rank")
        .arg("--repo")
        .arg(dir)
        .arg("--issue-file")
        .arg(&f)
        .args(["--json", "--top", "10"])
        .env("XDG_CACHE_HOME", work.join("landed-cache"))
        .stderr(Stdio::null())
        .output();
    let Ok(out) = out else { return Vec::new() };
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    v["ranked"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|r| r["path"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

const KS: [usize; 4] = [1, 3, 5, 10];

/// Position (1-based) by which every gold file is in the list, or None past the end.
fn hit_at(ranked: &[String], gold: &[String]) -> Option<usize> {
    let mut worst = 0;
    for g in gold {
        let p = ranked.iter().position(|r| r == g)? + 1;
        worst = worst.max(p);
    }
    Some(worst)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(jsonl), Some(mirrors)) = (args.next(), args.next()) else {
        fail(
            "usage: bench_localization JSONL MIRRORS [--work DIR] [--landed BIN] [--ablate] [--tune NAME=V,..] [--verbose]",
        );
    };
    let mut work: Option<PathBuf> = None;
    let mut landed: Option<PathBuf> = None;
    let mut ablate = false;
    let mut verbose = false;
    let mut cache = false;
    let mut show: Option<String> = None;
    let mut tunes: Vec<(String, Vec<f64>)> = Vec::new();
    while let Some(a) = args.next() {
        match a.as_str() {
            "--work" => work = args.next().map(PathBuf::from),
            "--landed" => landed = args.next().map(PathBuf::from),
            "--ablate" => ablate = true,
            "--verbose" => verbose = true,
            "--cache" => cache = true,
            "--show" => show = args.next(),
            "--tune" => {
                let spec = args.next().unwrap_or_default();
                let Some((name, vals)) = spec.split_once('=') else {
                    fail("--tune takes NAME=V1,V2 (a signal of the weight table)");
                };
                let vals = vals.split(',').filter_map(|v| v.parse().ok()).collect();
                tunes.push((name.to_string(), vals));
            }
            other => fail(&format!("unknown option {other}")),
        }
    }
    let tmp = tempfile::tempdir().expect("temp dir");
    let work = work.unwrap_or_else(|| tmp.path().to_path_buf());
    let instances = load(Path::new(&jsonl));

    // Rankers: name → weights (None = not the in-process ranker).
    let mut rankers: Vec<(String, Option<Weights>)> =
        vec![("octagit".into(), Some(Weights::default()))];
    if ablate {
        for s in index::SIGNALS {
            rankers.push((format!("-{}", s.name), Weights::without(s.name)));
        }
    }
    for (name, vals) in &tunes {
        for v in vals {
            match Weights::with(name, *v) {
                Some(w) => rankers.push((format!("{name}={v}"), Some(w))),
                None => fail(&format!("no signal `{name}` in the weight table")),
            }
        }
    }
    rankers.push(("bm25".into(), None));
    if landed.is_some() {
        rankers.push(("landed".into(), None));
    }

    // positions[ranker][instance] = Some(k) when all gold files are within the top k.
    let mut positions: Vec<Vec<Option<usize>>> = vec![Vec::new(); rankers.len()];
    let mut repos: Vec<String> = Vec::new();
    for inst in &instances {
        if show.as_ref().is_some_and(|s| !inst.id.contains(s.as_str())) {
            continue;
        }
        let Some(git_dir) = mirror(Path::new(&mirrors), &inst.repo) else {
            fail(&format!("no mirror of {} in {mirrors}", inst.repo));
        };
        let dir = work.join(&inst.id);
        // A mirror with missing blobs (large data files left out) cannot give this
        // instance; the others still measure.
        if let Err(e) = checkout(&git_dir, &inst.commit, &dir) {
            eprintln!("skipped {}: {e}", inst.id);
            continue;
        }
        let opts = IndexOptions {
            cache_dir: cache.then(|| work.join("tag-cache").join(inst.repo.replace('/', "+"))),
            ..IndexOptions::default()
        };
        let idx = index::build(&dir, &opts).unwrap_or_else(|e| fail(&format!("{}: {e}", inst.id)));
        if show.is_some() {
            println!("== {} gold {:?}", inst.id, inst.gold);
            for (k, r) in index::rank(&idx, &inst.issue).iter().take(10).enumerate() {
                let sig: Vec<String> = r
                    .signals
                    .iter()
                    .map(|s| format!("{}={} ({})", s.signal, s.value, s.detail))
                    .collect();
                let mark = if inst.gold.contains(&r.path) {
                    "*"
                } else {
                    " "
                };
                // The quoted literals' source lines, to judge the literal signal.
                let text = std::fs::read_to_string(dir.join(&r.path)).unwrap_or_default();
                let lines: Vec<&str> = text.lines().collect();
                let lits: Vec<String> = r
                    .signals
                    .iter()
                    .filter(|s| s.signal == "literal")
                    .flat_map(|s| {
                        s.detail
                            .split("line ")
                            .skip(1)
                            .map(|n| {
                                n.trim_matches(|c: char| !c.is_ascii_digit())
                                    .parse::<usize>()
                                    .unwrap_or(0)
                            })
                            .collect::<Vec<_>>()
                    })
                    .filter_map(|n| {
                        lines
                            .get(n.wrapping_sub(1))
                            .map(|l| l.trim().chars().take(90).collect())
                    })
                    .collect();
                println!(
                    "{mark}{:>2} {:>7.3} {}\n      {}",
                    k + 1,
                    r.score,
                    r.path,
                    sig.join("; ")
                );
                for l in lits {
                    println!("        lit: {l}");
                }
            }
            let all = index::rank(&idx, &inst.issue);
            for g in &inst.gold {
                if let Some(p) = all.iter().position(|r| &r.path == g).filter(|p| *p >= 10) {
                    let r = &all[p];
                    let sig: Vec<String> = r
                        .signals
                        .iter()
                        .map(|s| format!("{}={} ({})", s.signal, s.value, s.detail))
                        .collect();
                    println!(
                        "*{:>2} {:>7.3} {}\n      {}",
                        p + 1,
                        r.score,
                        r.path,
                        sig.join("; ")
                    );
                }
            }
        }
        let mut line = format!("{:<28}", inst.id);
        for (r, (name, w)) in rankers.iter().enumerate() {
            let ranked: Vec<String> = match (name.as_str(), w) {
                (_, Some(w)) => index::rank_with(&idx, &inst.issue, w)
                    .into_iter()
                    .take(50)
                    .map(|r| r.path)
                    .collect(),
                ("bm25", None) => index::bm25_baseline(&idx, &inst.issue)
                    .into_iter()
                    .take(50)
                    .map(|r| r.path)
                    .collect(),
                _ => landed_rank(landed.as_deref().unwrap(), &dir, &inst.issue, &work),
            };
            let p = hit_at(&ranked, &inst.gold);
            if verbose && (r == 0 || name == "bm25" || name == "landed") {
                line.push_str(&format!(
                    " {name}={}",
                    p.map_or("-".to_string(), |p| p.to_string())
                ));
                if r == 0 && p != Some(1) {
                    line.push_str(&format!(" (top: {})", ranked.first().map_or("", |s| s)));
                }
            }
            positions[r].push(p);
        }
        if verbose {
            eprintln!("{line}");
        }
        repos.push(inst.repo.clone());
    }

    let mut by_repo: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, r) in repos.iter().enumerate() {
        by_repo.entry(r.as_str()).or_default().push(i);
    }
    let acc = |pos: &[Option<usize>], which: &[usize], k: usize| -> f64 {
        if which.is_empty() {
            return 0.0;
        }
        let hits = which
            .iter()
            .filter(|&&i| pos[i].is_some_and(|p| p <= k))
            .count();
        100.0 * hits as f64 / which.len() as f64
    };
    let all: Vec<usize> = (0..repos.len()).collect();
    println!(
        "{} instances; Acc@k = every gold file in the top k\n",
        repos.len()
    );
    print!("| ranker |");
    for k in KS {
        print!(" Acc@{k} |");
    }
    for (repo, which) in &by_repo {
        print!(" {} ({}) @1/@5 |", repo, which.len());
    }
    println!();
    print!("|---|");
    for _ in 0..KS.len() + by_repo.len() {
        print!("---|");
    }
    println!();
    for (r, (name, _)) in rankers.iter().enumerate() {
        print!("| {name} |");
        for k in KS {
            print!(" {:.1} |", acc(&positions[r], &all, k));
        }
        for which in by_repo.values() {
            print!(
                " {:.1} / {:.1} |",
                acc(&positions[r], which, 1),
                acc(&positions[r], which, 5)
            );
        }
        println!();
    }
}
