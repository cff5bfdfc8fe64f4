//! `octagit demo`: the whole pipeline on the bundled example, with a scripted model.

use crate::chain::Hop;
use crate::cli::{DemoArgs, exit};
use crate::config::Config;
use crate::pipeline::{self, Issue, RunOptions};
use crate::provider::ModelClient;

pub async fn run(args: &DemoArgs) -> anyhow::Result<i32> {
    println!(
        "[DEMO] OctaGit demo: a bundled Python package with a real bug, fixed by a scripted model."
    );
    println!(
        "[DEMO] No network, no keys: the model's turns are replayed from a recorded transcript."
    );
    let work = tempfile::Builder::new().prefix("octagit-demo-").tempdir()?;
    let repo = work.path().join("calc");
    std::fs::create_dir_all(&repo)?;
    if let Err(e) = crate::demo::materialize(&repo) {
        eprintln!("[DEMO] error: cannot create the demo repository: {e}");
        return Ok(exit::USAGE);
    }
    let cfg = match Config::load_file(&repo) {
        Ok((c, _)) => c,
        Err(e) => anyhow::bail!("the bundled demo config is invalid: {e}"),
    };
    let out = match &args.out {
        Some(o) => o.clone(),
        None => std::env::temp_dir().join(format!("octagit-demo-run-{}", std::process::id())),
    };
    let hop = Hop::new(ModelClient::scripted(
        "demo-transcript",
        crate::demo::script(),
    ));
    let opts = RunOptions {
        out_dir: Some(out.clone()),
        origin: "demo".into(),
        demo: true,
        hops: Some(vec![hop]),
        index_cache: Some(work.path().join("index-cache")),
        ..Default::default()
    };
    let mut issue = Issue::from_text(crate::demo::ISSUE);
    issue.number = Some(1);
    println!("[DEMO] repository: {}", repo.display());
    println!("[DEMO] issue: {}", issue.title);
    let outcome = pipeline::run(&repo, issue, cfg, opts).await;
    for s in &outcome.record.stages {
        println!(
            "[DEMO]   {:<9} {:?} {}",
            s.name,
            s.status,
            s.note.clone().unwrap_or_default()
        );
    }
    // The strongest evidence of the run: the agent's test fails on the original code.
    for p in outcome
        .record
        .gate
        .test_changes
        .iter()
        .flat_map(|c| &c.proofs)
    {
        println!("[DEMO]   {}", crate::gate::proof::proof_line(p));
    }
    super::run::print_outcome(&outcome, true);
    if args.keep {
        let kept = work.keep();
        println!(
            "[DEMO] kept the demo repository at {}",
            kept.join("calc").display()
        );
    }
    Ok(outcome.exit_code)
}
