//! The change: diff stat, the files the agent edited, its own summary, the diff.

use super::plural;
use crate::run_record::RunRecord;

#[derive(Debug, Clone)]
pub(crate) struct ChangesView {
    /// `(files changed, insertions, deletions)`, as "1 file changed", "+3", "−1".
    pub stat: Option<(String, String, String)>,
    pub files_edited: Vec<String>,
    pub finish_summary: Option<String>,
    /// Only a diff with content.
    pub diff: Option<String>,
}

impl ChangesView {
    pub(crate) fn of(record: &RunRecord) -> Option<ChangesView> {
        let diff = record
            .diff
            .as_deref()
            .filter(|d| !d.trim().is_empty())
            .map(str::to_string);
        if diff.is_none()
            && record.diff_stat.is_none()
            && record.files_edited.is_empty()
            && record.finish_summary.is_none()
        {
            return None;
        }
        Some(ChangesView {
            stat: record.diff_stat.as_ref().map(|st| {
                (
                    format!("{} changed", plural(st.files, "file")),
                    format!("+{}", st.insertions),
                    format!("−{}", st.deletions),
                )
            }),
            files_edited: record.files_edited.clone(),
            finish_summary: record.finish_summary.clone(),
            diff,
        })
    }
}
