//! The short summaries `octagit action` writes when it stops before the pipeline (skipped,
//! could not start, audit only), and its closing annotation for a run without a fix.

use crate::run_record::RunRecord;
use crate::secret::redact;

/// The job summary of a run the trigger rules skipped.
pub fn skipped(reason: &str) -> String {
    format!("## OctaGit: skipped\n\n{}\n", redact(reason))
}

/// The job summary of a run that could not start (bad input, configuration, GitHub).
pub fn could_not_start(message: &str) -> String {
    format!("## OctaGit: could not start\n\n{}\n", redact(message))
}

/// The job summary of `mode: audit` for one issue.
pub fn audit_only(issue: u64, viable: bool) -> String {
    format!(
        "## OctaGit audit for #{issue}\n\n{}\n",
        if viable {
            "At least one model can do this job now; the table is in the log."
        } else {
            "No model can do this job now; the log says why for each."
        }
    )
}

/// The error annotation of a run without a fix: the advice's headline and next step.
pub fn no_fix_annotation(record: &RunRecord) -> String {
    let advice = super::advice(record);
    format!("{} Next step: {}", advice.headline, advice.next_step)
}
