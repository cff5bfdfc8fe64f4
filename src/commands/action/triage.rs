//! `mode: triage`: list the labelled issues and hand them to the fan-out job as `matrix`.

use super::{Action, DEFAULT_TRIAGE_CAP, Prepared, api_stop};
use crate::cli::exit;
use crate::github::ApiError;
use crate::github::triage;
use crate::github::workflow_cmd as wf;

impl Action {
    pub(super) async fn triage(&self, p: &Prepared) -> i32 {
        let cap = p.inputs.max_issues.unwrap_or(DEFAULT_TRIAGE_CAP);
        wf::group("OctaGit triage");
        let labels = triage::StatusLabels::from_config(&p.cfg);
        let plan = triage::plan(
            &p.gh,
            &p.cfg.trigger.label,
            &p.cfg.branch_prefix,
            &labels,
            cap,
        )
        .await;
        wf::endgroup();
        match plan {
            Ok(plan) => {
                for (n, r) in &plan.skipped {
                    println!("skipping #{n}: {r}");
                }
                println!(
                    "selected: {:?}",
                    plan.selected.iter().map(|s| s.0).collect::<Vec<_>>()
                );
                self.output("matrix", &triage::matrix_json(&plan));
                self.output("status", "triaged");
                self.summary(&crate::report::triage_summary(
                    &plan,
                    &p.cfg.trigger.label,
                    cap,
                ));
                exit::OK
            }
            Err(e) => self.api_error(&e),
        }
    }

    pub(super) fn api_error(&self, e: &ApiError) -> i32 {
        self.stop(api_stop(e, ""))
    }
}
