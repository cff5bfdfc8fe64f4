//! The progress comment on the issue: created when a run starts, updated at each stage as a
//! checklist, and finally rewritten with the result, the PR or branch link and the
//! advisor's next step.
//!
//! Updates go through a channel to one background task, so a stage callback never blocks
//! the pipeline on GitHub and bursts of updates collapse into the latest one.

use tokio::sync::mpsc;

use crate::github::api::{CommentInfo, GitHub};
use crate::run_record::{RunRecord, RunStatus, StageStatus};

/// Marks OctaGit's own comment (and lets a later run find it).
pub const MARKER: &str = "<!-- octagit-progress -->";

/// Stages shown before they start, so the checklist reads as a plan.
pub const PLANNED: &[(&str, &str)] = &[
    ("task", "Read the issue"),
    ("index", "Index the repository"),
    ("audit", "Audit the models"),
    ("baseline", "Run the tests before any edit"),
    ("agent", "Work on the fix"),
    ("gate", "Run the tests again"),
    ("publish", "Push and open the pull request"),
    ("report", "Write the reports"),
];

fn label(stage: &str) -> String {
    PLANNED
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(stage))
        .map(|(_, l)| l.to_string())
        .unwrap_or_else(|| stage.to_string())
}

fn checklist(record: &RunRecord, current: Option<&str>) -> String {
    let mut lines = Vec::new();
    let mut shown: Vec<String> = Vec::new();
    for s in &record.stages {
        let mark = match s.status {
            StageStatus::Ok => "- [x]",
            StageStatus::Failed => "- [ ] ❌",
            StageStatus::Skipped => "- [x] ~",
        };
        let secs = s.duration_ms as f64 / 1000.0;
        let note = s
            .note
            .as_deref()
            .map(|n| format!(": {n}"))
            .unwrap_or_default();
        let name = label(&s.name);
        let name = if s.status == StageStatus::Skipped {
            format!("{name}~ (skipped)")
        } else {
            name
        };
        lines.push(format!("{mark} {name} ({secs:.1} s){note}"));
        shown.push(s.name.to_ascii_lowercase());
    }
    if let Some(cur) = current
        && !shown.contains(&cur.to_ascii_lowercase())
    {
        lines.push(format!("- [ ] **{}**: running…", label(cur)));
        shown.push(cur.to_ascii_lowercase());
    }
    if record.status == RunStatus::Running {
        // Without an explicit current stage, the first one not yet done is the one running.
        let mut next_running = current.is_none();
        for (key, l) in PLANNED {
            if !shown.iter().any(|s| s == key) {
                if next_running {
                    lines.push(format!("- [ ] **{l}**: running…"));
                    next_running = false;
                } else {
                    lines.push(format!("- [ ] {l}"));
                }
            }
        }
    }
    lines.join("\n")
}

/// The comment while the run is going.
pub fn render_running(record: &RunRecord, current: Option<&str>, run_url: Option<&str>) -> String {
    let mut s = format!(
        "{MARKER}\n### 🐙 OctaGit is working on this issue\n\n{}\n",
        checklist(record, current)
    );
    if record.cost_usd > 0.0 {
        s.push_str(&format!(
            "\nSpent so far: ${:.4} over {} model call(s).\n",
            record.cost_usd,
            record.hops.len()
        ));
    }
    if let Some(u) = run_url {
        s.push_str(&format!("\n[Follow the run]({u})\n"));
    }
    crate::secret::redact(&s)
}

/// The comment once the run is over.
pub fn render_final(record: &RunRecord, run_url: Option<&str>) -> String {
    let publish = record.publish.as_ref();
    let head = match record.status {
        RunStatus::Success => match publish.and_then(|p| p.pr_url.as_deref()) {
            Some(_) => "✅ OctaGit opened a pull request for this issue",
            None => "✅ OctaGit found a fix that passes the tests",
        },
        RunStatus::Skipped => "⏭️ OctaGit skipped this issue",
        RunStatus::Failed | RunStatus::Running => "❌ OctaGit could not fix this issue",
    };
    let mut s = format!("{MARKER}\n### {head}\n\n{}\n\n", checklist(record, None));
    if let Some(a) = &record.advice {
        s.push_str(&format!("**{}**\n\n", a.headline));
    } else if let Some(f) = &record.failure {
        s.push_str(&format!("**{}** ({})\n\n", f.message, f.class));
    }
    if let Some(p) = publish {
        if let Some(url) = &p.pr_url {
            let kind = if p.draft == Some(true) {
                "Draft pull request"
            } else {
                "Pull request"
            };
            s.push_str(&format!("{kind}: {url}\n\n"));
        } else if let Some(b) = p.branch.as_deref().filter(|_| p.pushed) {
            match &p.compare_url {
                Some(c) => s.push_str(&format!("Branch: `{b}` ([open a pull request]({c}))\n\n")),
                None => s.push_str(&format!("Branch: `{b}`\n\n")),
            }
        }
        if let Some(e) = &p.error {
            s.push_str(&format!("> [!WARNING]\n> {e}\n\n"));
        }
        for n in &p.notes {
            s.push_str(&format!("- {n}\n"));
        }
        if !p.notes.is_empty() {
            s.push('\n');
        }
    }
    if let Some(a) = &record.advice {
        s.push_str(&format!("**Next step:** {}\n\n", a.next_step));
    }
    if let Some(md) = record
        .terrain_image
        .as_ref()
        .and_then(crate::github::assets::image_markdown)
    {
        s.push_str(&format!("{md}\n\n"));
    }
    s.push_str(&format!(
        "Cost: ${:.4} · {} model call(s) · {} turn(s)",
        record.cost_usd,
        record.hops.len(),
        record.turns
    ));
    if let Some(u) = run_url {
        s.push_str(&format!(" · [run log and full report]({u})"));
    }
    s.push('\n');
    crate::secret::redact(&s)
}

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
        if let Some(s) = record.stages.last() {
            let mark = match s.status {
                StageStatus::Ok => "✓",
                StageStatus::Failed => "✗",
                StageStatus::Skipped => "–",
            };
            let note = s
                .note
                .as_deref()
                .map(|n| format!(": {n}"))
                .unwrap_or_default();
            println!(
                "{mark} {} ({:.1} s){}",
                label(&s.name),
                s.duration_ms as f64 / 1000.0,
                crate::secret::redact(&note)
            );
        }
        if record.status == RunStatus::Running
            && let Some(next) = next_planned(record)
        {
            crate::github::workflow_cmd::group(&label(next));
            self.group_open = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run_record::{Advice, PublishRecord, StageRecord, TaskInfo};

    fn record() -> RunRecord {
        let mut r = RunRecord::new("run-1", TaskInfo::default(), false);
        r.stages.push(StageRecord {
            name: "index".into(),
            status: StageStatus::Ok,
            duration_ms: 1200,
            note: Some("42 files".into()),
        });
        r
    }

    #[test]
    fn running_checklist_shows_done_current_and_planned() {
        let s = render_running(
            &record(),
            Some("audit"),
            Some("https://github.com/o/r/actions/runs/1"),
        );
        assert!(s.starts_with(MARKER));
        assert!(
            s.contains("- [x] Index the repository (1.2 s): 42 files"),
            "{s}"
        );
        assert!(s.contains("- [ ] **Audit the models**: running…"), "{s}");
        assert!(s.contains("- [ ] Push and open the pull request"), "{s}");
        assert!(s.contains("actions/runs/1"));
    }

    #[test]
    fn without_a_current_stage_the_next_planned_one_is_running() {
        let mut r = record();
        r.stages.insert(
            0,
            StageRecord {
                name: "task".into(),
                status: StageStatus::Ok,
                duration_ms: 3,
                note: None,
            },
        );
        let s = render_running(&r, None, None);
        assert!(s.contains("- [x] Read the issue (0.0 s)"), "{s}");
        assert!(s.contains("- [ ] **Audit the models**: running…"), "{s}");
        assert_eq!(s.matches("running…").count(), 1, "{s}");
    }

    #[test]
    fn final_comment_has_result_link_and_next_step() {
        let mut r = record();
        r.status = RunStatus::Failed;
        r.advice = Some(Advice {
            author: "built-in".into(),
            headline: "The tests still fail.".into(),
            body: "b".into(),
            next_step: "Add a failing test that shows the bug.".into(),
        });
        r.publish = Some(PublishRecord {
            branch: Some("octagit/issue-1-x-wip".into()),
            pushed: true,
            compare_url: Some("https://github.com/o/r/compare/main...octagit/issue-1-x-wip".into()),
            ..Default::default()
        });
        let s = render_final(&r, None);
        assert!(s.contains("could not fix"), "{s}");
        assert!(s.contains("`octagit/issue-1-x-wip`"), "{s}");
        assert!(s.contains("**Next step:** Add a failing test"), "{s}");
        assert!(
            !s.contains("- [ ] Push"),
            "planned stages are not listed once the run is over: {s}"
        );
    }
}
