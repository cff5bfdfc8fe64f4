//! The last part of every run: diff, publish, advisor, reports, final record. Called
//! exactly once per run by `pipeline::run`. The advisor and the renderers read untrusted
//! text, so each is fenced: a panic there still leaves run.json and the other reports.

use std::path::Path;

use futures::FutureExt;

use super::{Run, RunOutcome, panic_message};
use crate::cli::exit;
use crate::failure::FailureClass;
use crate::run_record::{Advice, RunStatus, StageStatus};

pub(super) async fn finish(mut run: Run, mut code: i32) -> RunOutcome {
    if let Some(g) = run.graph.as_ref() {
        let _ = g.write(&run.dir.join("context-graph.json"));
    }
    let mut leaks_secret = false;
    // The agent's edits only: what the commands changed besides is listed, not published.
    crate::sandbox::note_left_out(&mut run.record, &run.repo);
    match crate::diff::workdir_diff_raw_paths(&run.repo, &run.record.files_edited) {
        Ok((raw, stat)) => {
            // The run directory lives inside the repo when --out is not given; it is
            // ignored by its own .gitignore, so it never shows up here.
            if stat.files > 0 {
                leaks_secret = crate::secret::contains_secret(&raw);
                let diff = crate::secret::redact(&raw);
                let _ = std::fs::write(run.dir.join("patch.diff"), &diff);
                run.record.diff = Some(diff);
                run.record.diff_stat = Some(stat);
            }
        }
        Err(e) => run.record.warnings.push(format!("diff: {e}")),
    }
    if run.record.status == RunStatus::Running {
        run.record.status = RunStatus::Success;
    }
    if run.record.status == RunStatus::Success && run.record.diff_stat.is_none() {
        run.record.fail(
            FailureClass::Hallucination,
            "the model finished without changing any file",
            "empty diff",
        );
        code = exit::NO_FIX;
    }

    // Publish before the advisor so its note can speak of the PR or the kept branch.
    if leaks_secret {
        // A pushed commit cannot be redacted: keep the work local and say why.
        run.record.fail(
            FailureClass::Publish,
            "the change contains what looks like a secret (a registered credential, a token or a private key), so nothing was pushed",
            "secret scan of the diff before publishing",
        );
        code = exit::NO_FIX;
    }
    if let Some(target) = run.publish.clone().filter(|_| !leaks_secret) {
        let stage = run.begin("publish");
        let has_edits = run.record.diff_stat.is_some();
        if run.record.status == RunStatus::Success || has_edits {
            let p = crate::publish::publish(&run.repo, &run.record, &target).await;
            let failed = p.error.is_some();
            if failed && run.record.status == RunStatus::Success {
                run.record.fail(
                    FailureClass::Publish,
                    p.error.clone().unwrap_or_default(),
                    p.notes.join("; "),
                );
                code = exit::NO_FIX;
            }
            run.record.publish = Some(p);
            let status = if failed {
                StageStatus::Failed
            } else {
                StageStatus::Ok
            };
            run.end(stage, status, None);
        } else {
            run.end(
                stage,
                StageStatus::Skipped,
                Some("nothing to publish".into()),
            );
        }
    }

    let stage = run.begin("report");
    run.record.advice = Some(advice(&mut run).await);
    run.record.finished_at = Some(chrono::Utc::now());
    run.record.artefacts = artefact_names(&run.dir);
    write_reports(&mut run);
    // run.json with `finished_at` is the run's last write (in `end` below): a reader that
    // sees a finished run finds every report beside it.
    let note = format!("{:.1} s in all", run.started.elapsed().as_secs_f64());
    run.end(stage, StageStatus::Ok, Some(note));
    RunOutcome {
        record: run.record,
        dir: run.dir,
        exit_code: code,
    }
}

/// The post-mortem: the advisor's, or the built-in one when it fails or panics. The
/// advisor's call is part of the run: its attempts go on the record and its cost into the
/// run's, within what `max_cost_usd` leaves.
async fn advice(run: &mut Run) -> Advice {
    let hop = run.advisor.clone();
    let budget = crate::advisor::Budget {
        spent_usd: run.record.cost_usd,
        max_cost_usd: run.max_cost_usd,
    };
    let record = &run.record;
    let written = std::panic::AssertUnwindSafe(crate::advisor::advise_priced(record, hop, budget))
        .catch_unwind()
        .await;
    match written {
        Ok(w) => {
            run.record.cost_usd += w.cost_usd();
            run.record.advisor_attempts = w.attempts;
            w.advice
        }
        Err(p) => {
            let msg = panic_message(p.as_ref());
            run.record
                .warnings
                .push(format!("advisor panicked ({msg}); built-in advice used"));
            built_in(&run.record)
        }
    }
}

/// The built-in advice, or a last-resort text if even that panics.
fn built_in(record: &crate::run_record::RunRecord) -> Advice {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        crate::advisor::deterministic(record)
    }))
    .unwrap_or_else(|_| Advice {
        author: "built-in".into(),
        headline: "OctaGit stopped on an internal error".into(),
        body: "The run stopped on an internal error while writing its advice; run.json holds the full record.".into(),
        next_step: "Report the bug with run.json attached.".into(),
    })
}

/// summary.md, report.html and advice.md; a renderer that panics is recorded as an
/// `internal` failure and the others are still written.
fn write_reports(run: &mut Run) {
    let record = run.record.clone();
    let dir = run.dir.clone();
    let written = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        crate::report::write_all(&record, &dir)
    }));
    match written {
        Ok(Ok(files)) => {
            for f in files {
                if !run.record.artefacts.contains(&f) {
                    run.record.artefacts.push(f);
                }
            }
        }
        Ok(Err(e)) => run.record.warnings.push(format!("reports: {e}")),
        Err(p) => {
            let msg = panic_message(p.as_ref());
            run.record
                .warnings
                .push(format!("a report renderer panicked: {msg}"));
            run.record.fail(
                FailureClass::Internal,
                "OctaGit hit a bug while writing the reports; run.json holds the full record. Please report it",
                format!("panic in a renderer: {msg}"),
            );
            // Whatever could not be rendered gets a plain fallback so the file exists.
            for name in ["summary.md", "advice.md"] {
                let path = dir.join(name);
                if !path.exists() {
                    let text = format!(
                        "# OctaGit run {}\n\nThe report could not be rendered: {}\n",
                        run.record.run_id,
                        crate::secret::redact(&msg)
                    );
                    let _ = std::fs::write(&path, text);
                }
            }
        }
    }
}

fn artefact_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| !n.starts_with('.'))
                .collect()
        })
        .unwrap_or_default();
    if !names.contains(&"run.json".to_string()) {
        names.push("run.json".into());
    }
    names.sort();
    names
}
