//! The pull request body: what changed and why, tests before and after, the models and the
//! cost, and the advisor's review note. Markdown with plain backtick code spans (the PR is
//! read by people who review code). Layout only: the facts come from the [`View`].

use super::view::{AFTER, BEFORE, FAILING_SHOWN_MD, RunCells, View, first, plural};
use crate::secret::redact;

/// GitHub's PR body limit is 65536 characters.
const BODY_LIMIT: usize = 60_000;

/// One test run in one cell: "✅ passed: 42 passed, 0 failed (failing: `a`, `b`)". The
/// progress comment uses the same words.
pub(crate) fn test_cell(t: &RunCells) -> String {
    let failing = if t.failing.is_empty() {
        String::new()
    } else {
        let (shown, more) = first(&t.failing, FAILING_SHOWN_MD);
        let mut names: Vec<String> = shown.iter().map(|n| format!("`{n}`")).collect();
        if more > 0 {
            names.push(format!("and {more} more"));
        }
        format!(" (failing: {})", names.join(", "))
    };
    format!(
        "{} {}: {} passed, {} failed{failing}",
        t.mark.emoji, t.mark.word, t.passed, t.failed
    )
}

/// The body for issue `issue`, with `notes` (said at the top, as GitHub notes). Redacted
/// and within GitHub's size limit.
pub(crate) fn render(view: &View, issue: u64, notes: &[String]) -> String {
    let mut b = String::new();
    b.push_str(&format!("Fixes #{issue}\n\n"));
    for note in notes {
        b.push_str(&format!("> [!NOTE]\n> {note}\n\n"));
    }
    b.push_str("## What changed and why\n\n");
    let changes = view.changes.as_ref();
    match changes
        .and_then(|c| c.finish_summary.as_deref())
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(s) => b.push_str(&format!("{s}\n\n")),
        None => b.push_str("_The model did not summarise its change; read the diff._\n\n"),
    }
    if let Some((changed, plus, minus)) = changes.and_then(|c| c.stat.as_ref()) {
        b.push_str(&format!("**Diff:** {changed}, {plus} {minus}\n\n"));
    }
    if let Some(c) = changes.filter(|c| !c.files_edited.is_empty()) {
        b.push_str("Files edited: ");
        let files: Vec<String> = c
            .files_edited
            .iter()
            .take(30)
            .map(|f| format!("`{f}`"))
            .collect();
        b.push_str(&files.join(", "));
        b.push_str("\n\n");
    }
    tests(&mut b, view);
    b.push_str(&super::proof::markdown(&view.proof, "### Test changes\n\n"));
    models(&mut b, view);
    let a = &view.advice.advice;
    b.push_str("## Review note\n\n");
    b.push_str(&format!(
        "**{}**\n\n{}\n\n**Next step:** {}\n\n",
        a.headline,
        a.body.trim(),
        a.next_step
    ));
    b.push_str(&format!("<sub>Written by {}.</sub>\n\n", a.author));
    b.push_str(&format!(
        "---\n<sub>Opened by OctaGit (run `{}`). The repository's tests passing is necessary, not sufficient: review the diff before merging.</sub>\n",
        view.header.run_id
    ));
    let mut b = redact(&b);
    if b.len() > BODY_LIMIT {
        let mut cut = BODY_LIMIT;
        while !b.is_char_boundary(cut) {
            cut -= 1;
        }
        b.truncate(cut);
        b.push_str("\n\n_(truncated: the full report is in the run artefacts)_\n");
    }
    b
}

/// The body pre-filled on a compare page (a URL carries it, so it stays short).
pub(crate) fn compare_body(record: &crate::run_record::RunRecord, issue: u64) -> String {
    format!(
        "Fixes #{issue}\n\n{}",
        record.finish_summary.as_deref().unwrap_or("")
    )
}

/// The same for partial work on the `-wip` branch: it refers to the issue, never closes it.
pub(crate) fn wip_compare_body(issue: u64) -> String {
    format!("Partial work for #{issue} by OctaGit: the tests did not pass. Refs #{issue}.")
}

fn tests(b: &mut String, view: &View) {
    b.push_str("## Tests\n\n");
    let t = view.tests.as_ref();
    if let Some(cmd) = t.and_then(|t| t.command.as_deref()) {
        b.push_str(&format!("Test command: `{cmd}`\n\n"));
    }
    b.push_str("| | result |\n|---|---|\n");
    for label in [BEFORE, AFTER] {
        let run = t
            .and_then(|t| t.rows.iter().find(|r| r.label == label))
            .and_then(|r| r.run.as_ref());
        match run {
            Some(run) => b.push_str(&format!("| {label} | {} |\n", test_cell(run))),
            None => b.push_str(&format!("| {label} | not run |\n")),
        }
    }
    b.push('\n');
    if let Some(v) = t.and_then(|t| t.verdict.as_deref()) {
        b.push_str(&format!("{v}\n\n"));
    }
}

fn models(b: &mut String, view: &View) {
    let h = &view.header;
    let hops = view.hops.as_ref();
    let models: &[String] = hops.map(|x| x.models.as_slice()).unwrap_or_default();
    b.push_str("## Models, hops and cost\n\n");
    b.push_str(&format!(
        "{} ({} failed) across {}{}; {}; {} tokens in, {} out; cost **{}**.\n\n",
        plural(h.calls, "model call"),
        hops.map(|x| x.failed_calls).unwrap_or(0),
        plural(models.len(), "model"),
        if models.is_empty() {
            String::new()
        } else {
            format!(" (`{}`)", models.join("` → `"))
        },
        plural(h.turns as usize, "turn"),
        h.tokens_in,
        h.tokens_out,
        h.cost_exact
    ));
    let handoffs = hops.map(|x| x.handoffs.as_slice()).unwrap_or_default();
    for ho in handoffs {
        b.push_str(&format!(
            "- Handed over from `{}` to `{}` at turn {}: {}\n",
            ho.from, ho.to, ho.at_turn, ho.reason
        ));
    }
    if !handoffs.is_empty() {
        b.push('\n');
    }
}
