//! `octagit report --run DIR [--format md|html|json] [-o FILE]`: re-render a run directory's
//! reports from its `run.json`, without touching the repository or the network.

use std::io::Write as _;

use anyhow::Context as _;

use crate::cli::{ReportArgs, ReportFormat, exit};
use crate::report::{self, RunArtefacts};
use crate::run_record::RunRecord;

pub async fn run(args: &ReportArgs) -> anyhow::Result<i32> {
    let dir = &args.run;
    let path = dir.join("run.json");
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => anyhow::bail!(
            "no run record at {}: point --run at a run directory (one holding run.json, e.g. .octagit/run-<timestamp>)",
            path.display()
        ),
        Err(e) => anyhow::bail!(
            "cannot read {}: {e}; check the path and its permissions",
            path.display()
        ),
    };
    let record: RunRecord = serde_json::from_str(&text).map_err(|e| {
        anyhow::anyhow!(
            "{} is not a readable run record ({e}); re-run octagit to write a fresh one, or point --run at another run directory",
            path.display()
        )
    })?;
    let out = match args.format {
        ReportFormat::Md => report::job_summary(&record),
        ReportFormat::Html => report::html(&record, &RunArtefacts::load(dir)),
        ReportFormat::Json => report::json(&record),
    };
    match &args.output {
        Some(file) => std::fs::write(file, &out).with_context(|| {
            format!(
                "cannot write {}; choose a writable path for -o",
                file.display()
            )
        })?,
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(out.as_bytes())
                .context("cannot write the report to standard output")?;
            if !out.ends_with('\n') {
                stdout
                    .write_all(b"\n")
                    .context("cannot write the report to standard output")?;
            }
        }
    }
    Ok(exit::OK)
}
