//! Scheduled triage: list the open issues carrying the trigger label, skip the ones already
//! handled, cap the batch, and emit a `matrix` output so a fan-out job
//! (`strategy.matrix: ${{ fromJSON(needs.triage.outputs.matrix) }}`, `max-parallel`) lets
//! GitHub's own runners do the parallel work.

use crate::github::api::{ApiError, GitHub, IssueInfo, PullInfo};

/// The labels the action puts on issues it handled (config `done_label`/`failed_label`):
/// triage never picks a labelled issue again, so a failed issue is not re-run (and paid
/// for) every night. A person removing the label makes it eligible again.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusLabels {
    pub done: String,
    pub failed: String,
}

impl StatusLabels {
    pub fn from_config(cfg: &crate::config::Config) -> StatusLabels {
        StatusLabels {
            done: cfg.done_label.clone(),
            failed: cfg.failed_label.clone(),
        }
    }

    fn all(&self) -> impl Iterator<Item = &str> {
        [self.done.as_str(), self.failed.as_str()]
            .into_iter()
            .filter(|l| !l.trim().is_empty())
    }
}

impl Default for StatusLabels {
    fn default() -> Self {
        StatusLabels::from_config(&crate::config::Config::default())
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct TriagePlan {
    /// Issues to work on now, oldest first: (number, title).
    pub selected: Vec<(u64, String)>,
    /// Issues passed over, with the reason.
    pub skipped: Vec<(u64, String)>,
    /// Eligible issues left for a later run because of the cap.
    pub deferred: Vec<u64>,
}

/// The open OctaGit pull request for `issue`, recognised by its head branch
/// (`<prefix>issue-<n>` or `<prefix>issue-<n>-<slug>`).
pub fn open_pr_for<'a>(pulls: &'a [PullInfo], prefix: &str, issue: u64) -> Option<&'a PullInfo> {
    let exact = format!("{prefix}issue-{issue}");
    let with_slug = format!("{exact}-");
    pulls.iter().find(|p| {
        p.state != "closed"
            && p.head
                .as_ref()
                .is_some_and(|h| h.ref_name == exact || h.ref_name.starts_with(&with_slug))
    })
}

/// Pure selection, for tests and for [`plan`].
pub fn plan_from(
    mut issues: Vec<IssueInfo>,
    pulls: &[PullInfo],
    prefix: &str,
    labels: &StatusLabels,
    cap: usize,
) -> TriagePlan {
    issues.sort_by_key(|i| i.number);
    let mut plan = TriagePlan::default();
    for issue in issues {
        let reason = if issue.is_pull_request() {
            Some("it is a pull request".to_string())
        } else if let Some(l) = labels.all().find(|l| issue.has_label(l)) {
            Some(format!(
                "it has the `{l}` label (remove it to let OctaGit try again)"
            ))
        } else if issue.locked {
            Some("it is locked".to_string())
        } else {
            open_pr_for(pulls, prefix, issue.number).map(|pr| {
                format!(
                    "it already has an open OctaGit pull request{}",
                    pr.html_url
                        .as_ref()
                        .map(|u| format!(" ({u})"))
                        .unwrap_or_default()
                )
            })
        };
        match reason {
            Some(r) => plan.skipped.push((issue.number, r)),
            None if plan.selected.len() < cap => plan.selected.push((issue.number, issue.title)),
            None => plan.deferred.push(issue.number),
        }
    }
    plan
}

pub async fn plan(
    gh: &GitHub,
    label: &str,
    prefix: &str,
    labels: &StatusLabels,
    cap: usize,
) -> Result<TriagePlan, ApiError> {
    let issues = gh.open_issues_with_label(label).await?;
    let pulls = gh.open_pulls().await?;
    Ok(plan_from(issues, &pulls, prefix, labels, cap))
}

/// After a fix run: label the issue done (a PR was opened) or failed, and drop the other
/// label, so scheduled triage skips it until a person removes the label.
pub async fn mark_handled(
    gh: &GitHub,
    issue: u64,
    labels: &StatusLabels,
    fixed: bool,
) -> Result<(), ApiError> {
    let (put, drop) = if fixed {
        (&labels.done, &labels.failed)
    } else {
        (&labels.failed, &labels.done)
    };
    if !drop.trim().is_empty() {
        gh.remove_label(issue, drop).await?;
    }
    if !put.trim().is_empty() {
        gh.add_labels(issue, &[put.as_str()]).await?;
    }
    Ok(())
}

/// `{"issue":[3,7]}` for `strategy.matrix`.
pub fn matrix_json(plan: &TriagePlan) -> String {
    let numbers: Vec<u64> = plan.selected.iter().map(|(n, _)| *n).collect();
    serde_json::json!({ "issue": numbers }).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issue(n: u64, labels: &[&str]) -> IssueInfo {
        serde_json::from_value(serde_json::json!({
            "number": n, "title": format!("issue {n}"), "state": "open",
            "labels": labels.iter().map(|l| serde_json::json!({"name": l})).collect::<Vec<_>>()
        }))
        .unwrap()
    }

    fn pull(head: &str) -> PullInfo {
        serde_json::from_value(serde_json::json!({"number": 99, "html_url": "https://github.com/o/r/pull/99", "state": "open", "head": {"ref": head}})).unwrap()
    }

    #[test]
    fn selects_oldest_skips_handled_and_caps() {
        let issues = vec![
            issue(9, &["octagit"]),
            issue(4, &["octagit", "octagit:done"]),
            issue(6, &["octagit", "octagit:failed"]),
            issue(2, &["octagit"]),
            issue(5, &["octagit"]),
            issue(12, &["octagit"]),
        ];
        let pulls = vec![
            pull("octagit/issue-5-fix-it"),
            pull("octagit/issue-50-other"),
        ];
        let plan = plan_from(issues, &pulls, "octagit/", &StatusLabels::default(), 2);
        assert_eq!(
            plan.selected.iter().map(|s| s.0).collect::<Vec<_>>(),
            vec![2, 9]
        );
        assert_eq!(
            plan.skipped.iter().map(|s| s.0).collect::<Vec<_>>(),
            vec![4, 5, 6]
        );
        assert_eq!(plan.deferred, vec![12]);
        assert_eq!(matrix_json(&plan), r#"{"issue":[2,9]}"#);
        assert!(
            crate::report::triage_summary(&plan, "octagit", 2)
                .contains("#5: it already has an open OctaGit pull request")
        );
    }

    #[test]
    fn open_pr_matching_is_exact_on_number() {
        let pulls = vec![pull("octagit/issue-15-x")];
        assert!(open_pr_for(&pulls, "octagit/", 1).is_none());
        assert!(open_pr_for(&pulls, "octagit/", 15).is_some());
    }
}
