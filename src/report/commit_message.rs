//! The commit message of a run's change: the fix (closing the issue) or the partial work on
//! the `-wip` branch (referring to it), the model's summary, and the run id.

use crate::run_record::RunRecord;
use crate::secret::redact;

/// For issue `issue` titled `title`; `wip` when the tests did not pass.
pub(crate) fn render(record: &RunRecord, issue: u64, title: &str, wip: bool) -> String {
    let n = issue;
    let title: String = title.trim().chars().take(60).collect();
    let summary = record.finish_summary.as_deref().unwrap_or("").trim();
    let mut msg = if wip {
        format!(
            "WIP #{n}: {title}\n\nPartial work by OctaGit: the tests did not pass. Refs #{n}.\n"
        )
    } else {
        format!("Fix #{n}: {title}\n\n")
    };
    if !summary.is_empty() {
        msg.push_str(&format!("\n{summary}\n"));
    }
    if !wip {
        msg.push_str(&format!("\nFixes #{n}\n"));
    }
    msg.push_str(&format!("\nOctaGit run {}\n", record.run_id));
    redact(&msg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run_record::TaskInfo;

    #[test]
    fn a_fix_closes_the_issue_and_partial_work_only_refers_to_it() {
        let mut r = RunRecord::new("run-7", TaskInfo::default(), false);
        r.finish_summary = Some("value.txt now says 2".into());
        let fix = render(&r, 7, "Value should be two", false);
        assert!(fix.starts_with("Fix #7: Value should be two\n\n"), "{fix}");
        assert!(fix.contains("\nFixes #7\n") && fix.ends_with("OctaGit run run-7\n"));
        let wip = render(&r, 7, "Value should be two", true);
        assert!(wip.starts_with("WIP #7: "), "{wip}");
        assert!(
            wip.contains("Refs #7.") && !wip.contains("Fixes #7"),
            "{wip}"
        );
    }
}
