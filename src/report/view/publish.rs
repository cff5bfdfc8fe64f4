//! Where the work went (PR, branch, compare link, comment, refusals) and how the commands
//! were isolated.

use crate::run_record::PublishRecord;
use crate::sandbox::{Level, SandboxRecord};

#[derive(Debug, Clone)]
pub(crate) struct PublishView {
    /// `("Draft PR #43", url)`.
    pub pr: Option<(String, String)>,
    /// "Draft pull request" / "Pull request", for a sentence.
    pub pr_kind: &'static str,
    pub branch: Option<String>,
    pub pushed: bool,
    /// The first 12 characters of the commit.
    pub commit: Option<String>,
    /// Only when no PR was opened: the pre-filled page to open one by hand.
    pub compare_url: Option<String>,
    pub comment_url: Option<String>,
    pub error: Option<String>,
    pub notes: Vec<String>,
}

impl PublishView {
    pub(crate) fn of(p: &PublishRecord) -> PublishView {
        let pr = p.pr_url.as_ref().map(|url| {
            let label = match (p.pr_number, p.draft) {
                (Some(n), Some(true)) => format!("Draft PR #{n}"),
                (Some(n), _) => format!("PR #{n}"),
                (None, _) => "Pull request".into(),
            };
            (label, url.clone())
        });
        PublishView {
            pr,
            pr_kind: if p.draft == Some(true) {
                "Draft pull request"
            } else {
                "Pull request"
            },
            branch: p.branch.clone(),
            pushed: p.pushed,
            commit: p.commit.as_ref().map(|c| c.chars().take(12).collect()),
            compare_url: p.compare_url.clone().filter(|_| p.pr_url.is_none()),
            comment_url: p.comment_url.clone(),
            error: p.error.clone(),
            notes: p.notes.clone(),
        }
    }

    /// "pushed" / "not pushed".
    pub(crate) fn push_state(&self) -> &'static str {
        if self.pushed { "pushed" } else { "not pushed" }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct SandboxView {
    pub label: String,
    /// No isolation at all: the surfaces warn.
    pub unisolated: bool,
    /// Files the commands changed that the commit left out.
    pub left_out: Vec<String>,
    /// Files the agent edited that the tests rewrote: put back before the commit.
    pub restored: Vec<String>,
}

/// Said before the left-out files: the head and why.
pub(crate) const LEFT_OUT: &str = "Left out of the commit";
pub(crate) const LEFT_OUT_WHY: &str = "(changed by the commands, not by the agent):";
/// Said before the restored files.
pub(crate) const RESTORED: &str = "Put back to the agent's content";
pub(crate) const RESTORED_WHY: &str =
    "(the tests rewrote them after the agent's last edit; the gate ran again):";

impl SandboxView {
    pub(crate) fn of(sb: &SandboxRecord) -> SandboxView {
        SandboxView {
            label: sb.label.clone(),
            unisolated: sb.level == Level::None,
            left_out: sb.left_out.clone(),
            restored: sb.restored.clone(),
        }
    }
}
