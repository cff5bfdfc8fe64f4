//! The progress comment's text: a checklist of the stages while the run goes, and the
//! result (PR or branch, the advice, the tests, the models, the cost) once it is over.
//! `github::progress` owns the comment itself and posts what this renders.

use super::view::{Header, StageChip, View};
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

/// A stage's name as a person reads it.
pub fn label(stage: &str) -> String {
    PLANNED
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(stage))
        .map(|(_, l)| l.to_string())
        .unwrap_or_else(|| stage.to_string())
}

fn note(st: &StageChip) -> String {
    st.note
        .as_deref()
        .map(|n| format!(": {n}"))
        .unwrap_or_default()
}

fn checklist(h: &Header, current: Option<&str>) -> String {
    let mut lines = Vec::new();
    let mut shown: Vec<String> = Vec::new();
    for s in &h.stages {
        let mark = match s.status {
            StageStatus::Ok => "- [x]",
            StageStatus::Failed => "- [ ] ❌",
            StageStatus::Skipped => "- [x] ~",
        };
        let name = label(&s.name);
        let name = if s.status == StageStatus::Skipped {
            format!("{name}~ (skipped)")
        } else {
            name
        };
        lines.push(format!("{mark} {name} ({}){}", s.seconds, note(s)));
        shown.push(s.name.to_ascii_lowercase());
    }
    if let Some(cur) = current
        && !shown.contains(&cur.to_ascii_lowercase())
    {
        lines.push(format!("- [ ] **{}**: running…", label(cur)));
        shown.push(cur.to_ascii_lowercase());
    }
    if h.status == RunStatus::Running {
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

/// The log line for the stage that just ended: "✓ Index the repository (1.2 s): 42 files".
pub fn stage_line(record: &RunRecord) -> Option<String> {
    let h = Header::of(record);
    let s = h.stages.last()?;
    Some(crate::secret::redact(&format!(
        "{} {} ({}){}",
        s.mark.glyph,
        label(&s.name),
        s.seconds,
        note(s)
    )))
}

/// The comment while the run is going.
pub fn render_running(record: &RunRecord, current: Option<&str>, run_url: Option<&str>) -> String {
    let h = Header::of(record);
    let mut s = format!(
        "{MARKER}\n### 🐙 OctaGit is working on this issue\n\n{}\n",
        checklist(&h, current)
    );
    if record.cost_usd > 0.0 {
        s.push_str(&format!(
            "\nSpent so far: {} over {} model call(s).\n",
            h.cost_exact, h.calls
        ));
    }
    if let Some(u) = run_url {
        s.push_str(&format!("\n[Follow the run]({u})\n"));
    }
    crate::secret::redact(&s)
}

/// The comment once the run is over.
pub fn render_final(record: &RunRecord, run_url: Option<&str>) -> String {
    let view = View::of(record);
    let h = &view.header;
    let publish = view.publish.as_ref();
    let head = match h.status {
        RunStatus::Success => match publish.and_then(|p| p.pr.as_ref()) {
            Some(_) => "✅ OctaGit opened a pull request for this issue",
            None => "✅ OctaGit found a fix that passes the tests",
        },
        RunStatus::Skipped => "⏭️ OctaGit skipped this issue",
        RunStatus::Failed | RunStatus::Running => "❌ OctaGit could not fix this issue",
    };
    let advice = &view.advice.advice;
    let mut s = format!("{MARKER}\n### {head}\n\n{}\n\n", checklist(h, None));
    s.push_str(&format!("**{}**\n\n", advice.headline));
    if let Some(p) = publish {
        if let Some((_, url)) = &p.pr {
            s.push_str(&format!("{}: {url}\n\n", p.pr_kind));
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
    s.push_str(&format!("**Next step:** {}\n\n", advice.next_step));
    if let Some(md) = view
        .terrain
        .as_ref()
        .and_then(|t| t.image_markdown.as_deref())
    {
        s.push_str(&format!("{md}\n\n"));
    }
    let runs: Vec<String> = view
        .tests
        .iter()
        .flat_map(|t| &t.rows)
        .filter(|r| !r.is_setup)
        .filter_map(|r| {
            Some(format!(
                "{} {}",
                r.label,
                super::pr_body::test_cell(r.run.as_ref()?)
            ))
        })
        .collect();
    if !runs.is_empty() {
        s.push_str(&format!("**Tests:** {}\n\n", runs.join(" · ")));
    }
    if let Some(models) = view
        .hops
        .as_ref()
        .map(|x| &x.models)
        .filter(|m| !m.is_empty())
    {
        s.push_str(&format!("**Models:** `{}`\n\n", models.join("` → `")));
    }
    s.push_str(&format!(
        "Cost: {} · {} model call(s) · {} turn(s) · {} tokens in, {} out",
        h.cost_exact, h.calls, h.turns, h.tokens_in, h.tokens_out
    ));
    if let Some(u) = run_url {
        s.push_str(&format!(" · [run log and full report]({u})"));
    }
    s.push('\n');
    crate::secret::redact(&s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run_record::{Advice, PublishRecord, StageRecord, StageStatus, TaskInfo};

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
