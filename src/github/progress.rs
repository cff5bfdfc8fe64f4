//! The progress comment on the issue: created when a run starts, updated at each stage as a
//! checklist, and finally rewritten with the result, the PR or branch link and the
//! advisor's next step. The text is `report::progress`'s; this module owns the comment.
//!
//! Updates go through a channel to one background task, so a stage callback never blocks
//! the pipeline on GitHub and bursts of updates collapse into the latest one.

use tokio::sync::mpsc;

use crate::github::api::{CommentInfo, GitHub};
use crate::run_record::{RunRecord, RunStatus};

use crate::report::progress::label;
pub use crate::report::progress::{MARKER, PLANNED, render_final, render_running};

/// OctaGit's comment on one issue. Failures to comment never stop a run: they become
/// warnings in the log.
pub struct ProgressComment {
    gh: GitHub,
    issue: u64,
    pub id: Option<u64>,
    pub url: Option<String>,
    /// True when an earlier run's comment was found by its marker and taken over.
    pub reused: bool,
    pub warnings: Vec<String>,
}

/// The newest comment on the issue that OctaGit wrote: it starts with [`MARKER`] and its
/// author is a bot or has write access (see `CommentInfo::by_trusted_author`).
pub fn find_marked(comments: &[CommentInfo]) -> Option<&CommentInfo> {
    comments.iter().rev().find(|c| {
        c.body
            .as_deref()
            .is_some_and(|b| b.trim_start().starts_with(MARKER))
            && c.by_trusted_author()
    })
}

impl ProgressComment {
    /// Take over the issue's OctaGit comment when there is one (a re-run updates it in
    /// place), else post a new one.
    pub async fn start(gh: GitHub, issue: u64, body: &str) -> ProgressComment {
        let mut p = ProgressComment {
            gh,
            issue,
            id: None,
            url: None,
            reused: false,
            warnings: Vec::new(),
        };
        match p.gh.comments(issue).await {
            Ok(all) => {
                if let Some(c) = find_marked(&all) {
                    p.id = Some(c.id);
                    p.url = c.html_url.clone();
                    p.reused = true;
                }
            }
            Err(e) => p.warnings.push(format!(
                "the earlier progress comment could not be looked up ({e}); a new one is posted"
            )),
        }
        if p.reused {
            p.update(body).await;
            return p;
        }
        match p.gh.create_comment(issue, body).await {
            Ok(c) => {
                p.id = Some(c.id);
                p.url = c.html_url;
            }
            Err(e) => p
                .warnings
                .push(format!("the progress comment could not be created: {e}")),
        }
        p
    }

    pub async fn update(&mut self, body: &str) {
        let result = match self.id {
            Some(id) => match self.gh.update_comment(id, body).await {
                Ok(_) => Ok(()),
                // Someone deleted the comment mid-run: start a new one so the result is
                // still posted, and say so.
                Err(e) if e.status() == Some(404) => {
                    self.warnings.push(
                        "the progress comment was deleted during the run; a new one was posted"
                            .into(),
                    );
                    self.id = None;
                    self.create(body).await
                }
                Err(e) => Err(e),
            },
            // Creation failed at start: try once more so the result is not lost.
            None => self.create(body).await,
        };
        if let Err(e) = result {
            self.warnings
                .push(format!("the progress comment could not be updated: {e}"));
        }
    }

    async fn create(&mut self, body: &str) -> Result<(), crate::github::api::ApiError> {
        let c = self.gh.create_comment(self.issue, body).await?;
        self.id = Some(c.id);
        self.url = c.html_url;
        Ok(())
    }

    /// Hand the comment to a background task; the returned sender takes rendered bodies.
    pub fn into_worker(mut self) -> (ProgressSender, tokio::task::JoinHandle<ProgressComment>) {
        let (tx, mut rx) = mpsc::unbounded_channel::<String>();
        let handle = tokio::spawn(async move {
            while let Some(mut body) = rx.recv().await {
                // Only the latest state matters.
                while let Ok(newer) = rx.try_recv() {
                    body = newer;
                }
                self.update(&body).await;
            }
            self
        });
        (
            ProgressSender {
                tx,
                run_url: None,
                log_groups: false,
                group_open: false,
            },
            handle,
        )
    }
}

/// The sync side of the progress worker: render and send, never wait. With `log_groups`
/// it also folds the log into one `::group::` per stage, with the stage's result printed
/// after the fold so it stays visible.
pub struct ProgressSender {
    tx: mpsc::UnboundedSender<String>,
    pub run_url: Option<String>,
    pub log_groups: bool,
    group_open: bool,
}

/// The first planned stage the record has not done yet.
pub fn next_planned(record: &RunRecord) -> Option<&'static str> {
    PLANNED
        .iter()
        .map(|(k, _)| *k)
        .find(|k| !record.stages.iter().any(|s| s.name.eq_ignore_ascii_case(k)))
}

impl ProgressSender {
    /// Open the log group of the first stage (call before the pipeline starts).
    pub fn open_first_group(&mut self) {
        if self.log_groups {
            crate::github::workflow_cmd::group(&label(PLANNED[0].0));
            self.group_open = true;
        }
    }

    /// Close the last open group (call after the pipeline returns).
    pub fn close_group(&mut self) {
        if std::mem::take(&mut self.group_open) {
            crate::github::workflow_cmd::endgroup();
        }
    }
}

impl Drop for ProgressSender {
    fn drop(&mut self) {
        self.close_group();
    }
}

impl crate::pipeline::ProgressSink for ProgressSender {
    fn stage(&mut self, record: &RunRecord, _ended: &str) {
        // Called when a stage has ended: the record shows it done, the plan shows the rest.
        let _ = self
            .tx
            .send(render_running(record, None, self.run_url.as_deref()));
        if !self.log_groups {
            return;
        }
        self.close_group();
        if let Some(line) = crate::report::progress::stage_line(record) {
            println!("{line}");
        }
        if record.status == RunStatus::Running
            && let Some(next) = next_planned(record)
        {
            crate::github::workflow_cmd::group(&label(next));
            self.group_open = true;
        }
    }
}
