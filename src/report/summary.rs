//! The job summary: GitHub-flavoured Markdown for `$GITHUB_STEP_SUMMARY`, the UI of a run on
//! GitHub. GitHub strips inline SVG and `data:` images there, so the terrain appears as the
//! compact text heatmap with a pointer to the full picture.

use super::fmt;
use super::shrink::{Keep, Part, describe_cuts, fit};
use crate::run_record::{Advice, HopAttempt, RunRecord, RunStatus, StageStatus, TestRun};
use crate::secret::redact;

const DIFF: &str = "diff";
const ERROR: &str = "error text";
const HOP_ERRORS: &str = "model error texts";
const SETUP_OUT: &str = "setup output";
const BASELINE_OUT: &str = "baseline test output";
const AFTER_OUT: &str = "after-edit test output";
const HANDOFFS: &str = "handoff summaries";
const FINISH: &str = "model's summary";

pub(super) fn render(record: &RunRecord, limit: usize) -> String {
    let advice = super::advice(record);
    let mut parts = vec![];
    let mut add = |label: &str, text: Option<&str>, keep: Keep| {
        if let Some(t) = text.filter(|t| !t.trim().is_empty()) {
            parts.push(Part::new(label, redact(t), keep));
        }
    };
    add(DIFF, record.diff.as_deref(), Keep::Head);
    add(
        ERROR,
        record.failure.as_ref().map(|f| f.raw.as_str()),
        Keep::Head,
    );
    let hop_errors: String = record
        .hops
        .iter()
        .filter_map(|h| {
            let e = h.error.as_deref()?;
            Some(format!(
                "hop {} · {} · {} · {}{}\n{}\n\n",
                h.hop,
                h.model,
                fmt::clock(h.at),
                h.class
                    .map(|c| c.to_string())
                    .unwrap_or_else(|| "ok".into()),
                h.status.map(|s| format!(" (HTTP {s})")).unwrap_or_default(),
                e.trim_end()
            ))
        })
        .collect();
    add(HOP_ERRORS, Some(&hop_errors), Keep::Head);
    add(
        SETUP_OUT,
        record.gate.setup.as_ref().map(|t| t.output_tail.as_str()),
        Keep::Tail,
    );
    add(
        BASELINE_OUT,
        record
            .gate
            .baseline
            .as_ref()
            .map(|t| t.output_tail.as_str()),
        Keep::Tail,
    );
    add(
        AFTER_OUT,
        record.gate.after.as_ref().map(|t| t.output_tail.as_str()),
        Keep::Tail,
    );
    let handoffs: String = record
        .handoffs
        .iter()
        .map(|h| {
            format!(
                "{} → {} at turn {} ({}):\n{}\n\n",
                h.from,
                h.to,
                h.at_turn,
                h.reason,
                h.summary.trim_end()
            )
        })
        .collect();
    add(HANDOFFS, Some(&handoffs), Keep::Head);
    add(FINISH, record.finish_summary.as_deref(), Keep::Head);

    let out = fit(limit, &mut parts, |p| compose(record, &advice, p, limit));
    redact(&out)
}

fn part<'a>(parts: &'a [Part], label: &str) -> Option<&'a str> {
    parts.iter().find(|p| p.label == label).map(|p| p.text())
}

fn compose(record: &RunRecord, advice: &Advice, parts: &[Part], limit: usize) -> String {
    let mut s = String::with_capacity(16 * 1024);
    header(&mut s, record);

    let cuts = describe_cuts(parts);
    if !cuts.is_empty() {
        s.push_str(&format!(
            "> **Shortened to fit {}:** {}. The full text is in the run directory (`report.html`, `run.json`).\n\n",
            super::shrink::limit_phrase(limit),
            cuts.join(", ")
        ));
    }

    s.push_str(&advice_block(
        record,
        advice,
        Some(part(parts, ERROR).unwrap_or("")),
    ));
    publish(&mut s, record);
    isolation(&mut s, record);
    tests(&mut s, record, parts);
    changes(&mut s, record, parts);
    hops(&mut s, record, parts);
    audit(&mut s, record);
    terrain(&mut s, record);
    warnings(&mut s, record);
    s.push_str(&format!(
        "<sub>OctaGit run <code>{}</code>{}</sub>\n",
        esc(&record.run_id),
        if record.demo { " · DEMO" } else { "" }
    ));
    s
}

// ---------------------------------------------------------------------------------------
// Markdown helpers

/// Inline text: no line breaks, no markup, no HTML.
fn md(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    for (i, &c) in chars.iter().enumerate() {
        match c {
            '\r' => {}
            '\n' => out.push(' '),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\\' | '`' | '*' | '[' | ']' | '~' => {
                out.push('\\');
                out.push(c);
            }
            // Inside a word (OPENAI_API_KEY) an underscore never starts emphasis; escaping it
            // there would only make the raw text harder to read.
            '_' => {
                let word = |j: Option<usize>| {
                    j.and_then(|j| chars.get(j))
                        .is_some_and(|c| c.is_alphanumeric())
                };
                if !(word(i.checked_sub(1)) && word(Some(i + 1))) {
                    out.push('\\');
                }
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// Text inside an HTML element (`<summary>`, `<code>`).
fn esc(text: &str) -> String {
    html_escape::encode_text(&text.replace(['\r', '\n'], " ")).into_owned()
}

/// Inline code. HTML `<code>` rather than backticks, so any character is safe in it and in a
/// table cell.
fn code(text: &str) -> String {
    format!("<code>{}</code>", esc(text).replace('|', "&#124;"))
}

/// A table cell: pipes escaped, one line.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\r', '\n'], " ")
}

/// A fenced block whose fence is longer than any backtick run inside it.
fn fenced(lang: &str, text: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    let fence = "`".repeat((longest + 1).max(3));
    let nl = if text.ends_with('\n') { "" } else { "\n" };
    format!("{fence}{lang}\n{text}{nl}{fence}\n")
}

fn details(summary: &str, body: &str) -> String {
    format!(
        "<details><summary>{}</summary>\n\n{body}\n</details>\n\n",
        esc(summary)
    )
}

fn link(text: &str, url: &str) -> String {
    // The URL is ours (GitHub's answer or built from the slug); keep it from closing the link.
    let url = url
        .replace(' ', "%20")
        .replace(')', "%29")
        .replace('(', "%28");
    format!("[{}]({url})", md(text))
}

// ---------------------------------------------------------------------------------------
// Sections

pub(super) fn status_word(record: &RunRecord) -> (&'static str, &'static str) {
    match record.status {
        RunStatus::Success => ("✅", "Fixed"),
        RunStatus::Failed => ("❌", "No fix"),
        RunStatus::Skipped => ("⏭️", "Skipped"),
        RunStatus::Running => ("⏳", "Did not finish"),
    }
}

fn header(s: &mut String, record: &RunRecord) {
    let (icon, word) = status_word(record);
    let t = &record.task;
    let title = fmt::clip_chars(t.issue_title.trim(), 200);
    let issue = match (t.issue_number, &t.issue_url) {
        (Some(n), Some(url)) => format!("{} {}", link(&format!("#{n}"), url), md(&title)),
        (Some(n), None) => format!("#{n} {}", md(&title)),
        (None, Some(url)) => link(&title, url),
        (None, None) => md(&title),
    };
    let demo = if record.demo { "DEMO · " } else { "" };
    s.push_str(&format!("## {icon} {demo}OctaGit · {word}: {issue}\n\n"));
    if record.demo {
        s.push_str("> **DEMO** run on the bundled example with a scripted model: no keys, no network, nothing real was changed.\n\n");
    }

    let mut meta = vec![];
    match (record.status, &record.failure) {
        (RunStatus::Success, _) => meta.push("**Status** passed".to_string()),
        (_, Some(f)) => meta.push(format!(
            "**Status** {} ({})",
            status_lower(record.status),
            code(f.class.as_str())
        )),
        (_, None) => meta.push(format!("**Status** {}", status_lower(record.status))),
    }
    if let Some(slug) = &t.repo_slug {
        meta.push(format!("**Repo** {}", code(slug)));
    }
    meta.push(format!("**Cost** {}", fmt::cost(record.cost_usd)));
    meta.push(format!(
        "**Tokens** {} in / {} out",
        fmt::tokens(record.tokens_in),
        fmt::tokens(record.tokens_out)
    ));
    meta.push(format!("**Turns** {}", record.turns));
    if let Some(d) = fmt::run_duration(record) {
        meta.push(format!("**Took** {d}"));
    }
    s.push_str(&meta.join(" · "));
    s.push_str("  \n");
    s.push_str(&format!(
        "Started {} from {}{}\n\n",
        fmt::time(record.started_at),
        md(&t.origin),
        t.base_branch
            .as_deref()
            .map(|b| format!(" against {}", code(b)))
            .unwrap_or_default()
    ));

    if !record.stages.is_empty() {
        let stages: Vec<String> = record
            .stages
            .iter()
            .map(|st| {
                let mark = match st.status {
                    StageStatus::Ok => "✅",
                    StageStatus::Failed => "❌",
                    StageStatus::Skipped => "⏭️",
                };
                format!("{mark} {} {}", md(&st.name), fmt::ms(st.duration_ms))
            })
            .collect();
        s.push_str(&format!("{}\n\n", stages.join(" → ")));
    }
    if !record.sanitized.is_empty() {
        s.push_str(&format!(
            "> Removed from the issue text before any model saw it: {}.\n\n",
            record
                .sanitized
                .iter()
                .map(|x| md(&fmt::clip_chars(x, 120)))
                .collect::<Vec<_>>()
                .join("; ")
        ));
    }
}

fn status_lower(s: RunStatus) -> &'static str {
    match s {
        RunStatus::Success => "passed",
        RunStatus::Failed => "failed",
        RunStatus::Skipped => "skipped",
        RunStatus::Running => "did not finish",
    }
}

/// The advisor block: headline, body, next step, who wrote it, and the real error below.
/// `raw` overrides the record's error text (the summary passes its shortened copy).
pub(super) fn advice_block(record: &RunRecord, advice: &Advice, raw: Option<&str>) -> String {
    let mut s = String::new();
    let title = if record.status == RunStatus::Success {
        "### What to review"
    } else {
        "### What happened"
    };
    s.push_str(title);
    s.push_str("\n\n");
    s.push_str(&format!("**{}**\n\n", rich(&advice.headline)));
    for para in advice
        .body
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        s.push_str(&rich(para));
        s.push_str("\n\n");
    }
    s.push_str(&format!("> **Next step:** {}\n\n", rich(&advice.next_step)));
    s.push_str(&format!(
        "<sub>Written by {}</sub>\n\n",
        code(&advice.author)
    ));
    if let Some(f) = &record.failure {
        let raw = raw.unwrap_or(&f.raw);
        let mut body = format!("{}\n\n", md(&f.message));
        if !raw.trim().is_empty() {
            body.push_str(&fenced("text", raw));
        }
        s.push_str(&details(&format!("Real error ({})", f.class), &body));
    }
    s
}

/// Advice text keeps its `code` spans (config lines, secret names) so they can be copied;
/// everything else is plain text.
fn rich(text: &str) -> String {
    let mut out = String::new();
    for (i, piece) in text.split('`').enumerate() {
        if i % 2 == 1 {
            out.push_str(&code(piece));
        } else {
            out.push_str(&md(piece));
        }
    }
    out
}

fn publish(s: &mut String, record: &RunRecord) {
    let Some(p) = &record.publish else { return };
    let mut lines = vec![];
    if let Some(url) = &p.pr_url {
        let label = match (p.pr_number, p.draft) {
            (Some(n), Some(true)) => format!("Draft PR #{n}"),
            (Some(n), _) => format!("PR #{n}"),
            (None, _) => "Pull request".into(),
        };
        lines.push(format!("**{}**", link(&label, url)));
    }
    if let Some(b) = &p.branch {
        let state = if p.pushed { "pushed" } else { "not pushed" };
        let commit = p
            .commit
            .as_deref()
            .map(|c| format!(" at {}", code(&c.chars().take(12).collect::<String>())))
            .unwrap_or_default();
        lines.push(format!("Branch {} ({state}){commit}", code(b)));
    }
    if let Some(url) = &p.compare_url
        && p.pr_url.is_none()
    {
        lines.push(format!(
            "Open the PR by hand: {}",
            link("compare and create", url)
        ));
    }
    if let Some(url) = &p.comment_url {
        lines.push(link("Issue comment", url));
    }
    if let Some(e) = &p.error {
        lines.push(format!("Publish error: {}", md(&fmt::first_line(e, 300))));
    }
    for n in &p.notes {
        lines.push(md(n));
    }
    if lines.is_empty() {
        return;
    }
    s.push_str("### Pull request\n\n");
    s.push_str(&lines.join("  \n"));
    s.push_str("\n\n");
}

fn test_row(name: &str, t: Option<&TestRun>) -> String {
    match t {
        None => format!("| {name} | not run | | | | |\n"),
        Some(t) => {
            let failed = t.failed_count.unwrap_or(t.failed_tests.len() as u64);
            let passed = t.passed_count.unwrap_or(t.passed_tests.len() as u64);
            let names = if t.failed_tests.is_empty() {
                String::new()
            } else {
                let mut shown: Vec<String> = t
                    .failed_tests
                    .iter()
                    .take(8)
                    .map(|n| code(&fmt::clip_chars(n, 120)))
                    .collect();
                if t.failed_tests.len() > 8 {
                    shown.push(format!("and {} more", t.failed_tests.len() - 8));
                }
                shown.join(", ")
            };
            let verdict = if t.timed_out {
                "⏱️ timed out"
            } else if t.success {
                "✅ passed"
            } else {
                "❌ failed"
            };
            format!(
                "| {name} | {verdict} | {passed} | {failed} | {} | {}\n",
                fmt::ms(t.duration_ms),
                cell(&names) + " |"
            )
        }
    }
}

fn tests(s: &mut String, record: &RunRecord, parts: &[Part]) {
    let g = &record.gate;
    if g.command.is_none() && g.baseline.is_none() && g.after.is_none() && g.verdict.is_none() {
        return;
    }
    s.push_str("### Tests\n\n");
    match &g.command {
        Some(cmd) => s.push_str(&format!(
            "Command {}{}",
            code(cmd),
            g.source
                .as_deref()
                .map(|src| format!(" ({})", md(src)))
                .unwrap_or_default()
        )),
        None => s.push_str("No test command was configured or detected."),
    }
    if let Some(sc) = &g.setup_command {
        s.push_str(&format!(" · setup {}", code(sc)));
    }
    s.push_str("\n\n");
    if g.baseline.is_some() || g.after.is_some() || g.setup.is_some() {
        s.push_str(
            "| | Result | Passed | Failed | Time | Failing tests |\n|---|---|---:|---:|---:|---|\n",
        );
        if g.setup.is_some() {
            s.push_str(&test_row("Setup", g.setup.as_ref()));
        }
        s.push_str(&test_row("Before (baseline)", g.baseline.as_ref()));
        s.push_str(&test_row("After the edit", g.after.as_ref()));
        s.push('\n');
    }
    if let Some(v) = &g.verdict {
        let mark = match g.passed {
            Some(true) => "✅ ",
            Some(false) => "❌ ",
            None => "",
        };
        s.push_str(&format!("{mark}{}\n\n", md(v)));
    }
    s.push_str(&crate::gate::proof::summary_section(record));
    for (label, title) in [
        (SETUP_OUT, "Setup output (end)"),
        (BASELINE_OUT, "Baseline test output (end)"),
        (AFTER_OUT, "After-edit test output (end)"),
    ] {
        if let Some(text) = part(parts, label) {
            s.push_str(&details(title, &fenced("text", text)));
        }
    }
}

fn changes(s: &mut String, record: &RunRecord, parts: &[Part]) {
    let diff = part(parts, DIFF);
    if diff.is_none()
        && record.diff_stat.is_none()
        && record.files_edited.is_empty()
        && record.finish_summary.is_none()
    {
        return;
    }
    s.push_str("### Changes\n\n");
    if let Some(st) = &record.diff_stat {
        s.push_str(&format!(
            "**{} file{} changed**, +{} −{}",
            st.files,
            if st.files == 1 { "" } else { "s" },
            st.insertions,
            st.deletions
        ));
        if !record.files_edited.is_empty() {
            let mut files: Vec<String> = record
                .files_edited
                .iter()
                .take(20)
                .map(|f| code(f))
                .collect();
            if record.files_edited.len() > 20 {
                files.push(format!("and {} more", record.files_edited.len() - 20));
            }
            s.push_str(&format!(": {}", files.join(", ")));
        }
        s.push_str("\n\n");
    } else if !record.files_edited.is_empty() {
        s.push_str(&format!(
            "Edited: {}\n\n",
            record
                .files_edited
                .iter()
                .take(20)
                .map(|f| code(f))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if let Some(f) = part(parts, FINISH) {
        s.push_str(&details(
            "The model's summary of its fix",
            &fenced("text", f),
        ));
    }
    if let Some(d) = diff {
        s.push_str(&details("Diff", &fenced("diff", d)));
    }
}

fn hop_result(h: &HopAttempt) -> String {
    match h.class {
        None => "✅ ok".into(),
        Some(c) => {
            let status = h.status.map(|s| format!(" {s}")).unwrap_or_default();
            let err = h
                .error
                .as_deref()
                .map(|e| fmt::error_line(e, 100))
                .unwrap_or_default();
            if err.is_empty() {
                format!("❌ {}{status}", code(c.as_str()))
            } else {
                format!("❌ {}{status}: {}", code(c.as_str()), md(&err))
            }
        }
    }
}

fn hops(s: &mut String, record: &RunRecord, parts: &[Part]) {
    if record.hops.is_empty() && record.handoffs.is_empty() {
        return;
    }
    s.push_str("### Model calls\n\n");
    if !record.hops.is_empty() {
        s.push_str("| Time | Hop | Model | Result | Latency | Tokens in / out | Cost | Then |\n|---|---:|---|---|---:|---:|---:|---|\n");
        for h in &record.hops {
            s.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} / {} | {} | {} |\n",
                fmt::clock(h.at),
                h.hop,
                cell(&code(&h.model)),
                cell(&hop_result(h)),
                fmt::ms(h.latency_ms),
                fmt::tokens(h.tokens_in),
                fmt::tokens(h.tokens_out),
                fmt::cost(h.cost_usd),
                cell(&md(&h.action)),
            ));
        }
        s.push('\n');
    }
    for h in &record.handoffs {
        s.push_str(&format!(
            "- Handoff at turn {}: {} → {} ({})\n",
            h.at_turn,
            code(&h.from),
            code(&h.to),
            md(&fmt::clip_chars(&h.reason, 200))
        ));
    }
    if !record.handoffs.is_empty() {
        s.push('\n');
    }
    if let Some(t) = part(parts, HOP_ERRORS) {
        s.push_str(&details(
            "Full error texts of the model calls",
            &fenced("text", t),
        ));
    }
    if let Some(t) = part(parts, HANDOFFS) {
        s.push_str(&details("What each model handed over", &fenced("text", t)));
    }
}

fn audit(s: &mut String, record: &RunRecord) {
    let Some(a) = &record.audit else { return };
    s.push_str("### Audit\n\n");
    if !a.chain.is_empty() {
        s.push_str(&format!(
            "Chain: {}\n\n",
            a.chain
                .iter()
                .map(|m| code(m))
                .collect::<Vec<_>>()
                .join(" → ")
        ));
    }
    if a.prompt_tokens > 0 {
        s.push_str(&format!(
            "First prompt ≈ {} tokens ({})\n\n",
            fmt::tokens(a.prompt_tokens),
            md(&a.prompt_tokens_method)
        ));
    }
    if !a.candidates.is_empty() {
        s.push_str(
            "| Model | Usable | $/Mtok in / out | Price source | TPM left / limit | Context | Fits | Tools | Est. cost | Note |\n\
             |---|---|---:|---|---:|---:|---|---|---:|---|\n",
        );
        for c in &a.candidates {
            let usable = if c.viable {
                "✅"
            } else if c.reachable {
                "⚠️"
            } else {
                "❌"
            };
            let price = match (c.input_per_mtok, c.output_per_mtok) {
                (Some(i), Some(o)) => format!("{i:.2} / {o:.2}"),
                (Some(i), None) => format!("{i:.2} / ?"),
                _ => "?".into(),
            };
            let tpm = match (c.tpm_remaining, c.tpm_limit) {
                (Some(r), Some(l)) => format!("{} / {}", fmt::tokens(r), fmt::tokens(l)),
                (None, Some(l)) => format!("? / {}", fmt::tokens(l)),
                (Some(r), None) => format!("{} / ?", fmt::tokens(r)),
                _ => "".into(),
            };
            let yes_no = |v: Option<bool>| match v {
                Some(true) => "yes",
                Some(false) => "no",
                None => "",
            };
            let note = match (&c.class, &c.reason) {
                (Some(cl), Some(r)) => {
                    format!("{}: {}", code(cl.as_str()), md(&fmt::first_line(r, 90)))
                }
                (Some(cl), None) => code(cl.as_str()),
                (None, Some(r)) => md(&fmt::first_line(r, 90)),
                (None, None) => String::new(),
            };
            s.push_str(&format!(
                "| {} | {usable} | {price} | {} | {tpm} | {} | {} | {} | {} | {} |\n",
                cell(&code(&c.slug)),
                price_source(c.price_source),
                c.context_window.map(fmt::tokens).unwrap_or_default(),
                yes_no(c.fits),
                yes_no(c.supports_tools),
                c.est_run_cost_usd.map(fmt::cost).unwrap_or_default(),
                cell(&note),
            ));
        }
        s.push('\n');
    }
    if !a.risk_note.trim().is_empty() {
        s.push_str(&format!(
            "> {} <sub>({})</sub>\n\n",
            md(&a.risk_note),
            esc(&a.risk_note_author)
        ));
    }
}

pub(super) fn price_source(p: crate::run_record::PriceSource) -> &'static str {
    use crate::run_record::PriceSource::*;
    match p {
        Live => "live",
        Cache => "cache",
        BuiltIn => "built-in",
        Local => "local (free)",
        Unknown => "unknown",
    }
}

fn terrain(s: &mut String, record: &RunRecord) {
    let Some(idx) = &record.index else { return };
    s.push_str("### Terrain\n\n");
    s.push_str(&format!(
        "{} files indexed ({} parsed, {} cached, {} skipped), {} symbols, in {}.\n\n",
        idx.files,
        idx.parsed,
        idx.cached,
        idx.skipped,
        idx.symbols,
        fmt::ms(idx.duration_ms)
    ));
    if !idx.ranked.is_empty() {
        s.push_str("Most relevant to the issue: ");
        let top: Vec<String> = idx
            .ranked
            .iter()
            .take(5)
            .map(|r| format!("{} ({:.2})", code(&r.path), r.score))
            .collect();
        s.push_str(&top.join(", "));
        s.push_str("\n\n");
    }
    // The picture, when the action published it to the assets branch; otherwise the text
    // heatmap, with the reason the picture is missing.
    let image = record.terrain_image.as_ref();
    if let Some(md) = image.and_then(crate::github::assets::image_markdown) {
        s.push_str(&md);
        s.push_str("\n\n");
        return;
    }
    if let Some(e) = image.and_then(|i| i.error.as_deref()) {
        s.push_str(&format!(
            "> [!NOTE]\n> No terrain picture here: {}\n\n",
            md(e)
        ));
    }
    if let Some(h) = idx.heatmap.as_deref().filter(|h| !h.trim().is_empty()) {
        s.push_str(&fenced("text", &redact(h)));
        s.push('\n');
    }
    let has_svg = record.artefacts.iter().any(|a| a == "terrain.svg");
    if has_svg || idx.heatmap.is_some() {
        s.push_str(
            "The full picture is `terrain.svg` in the run directory (also drawn inside `report.html`); \
             GitHub does not show SVG in a job summary.\n\n",
        );
    }
}

/// How the commands were isolated, and what the commit left out.
fn isolation(s: &mut String, record: &RunRecord) {
    let Some(sb) = &record.sandbox else {
        return;
    };
    if sb.level == crate::sandbox::Level::None {
        s.push_str(&format!(
            "> [!WARNING]\n> **Isolation** {}: code the model wrote ran as OctaGit does.\n\n",
            md(&sb.label)
        ));
    } else {
        s.push_str(&format!("**Isolation** {}\n\n", md(&sb.label)));
    }
    if !sb.left_out.is_empty() {
        let files: Vec<String> = sb.left_out.iter().take(30).map(|f| code(f)).collect();
        s.push_str(&format!(
            "**Left out of the commit** (changed by the commands, not by the agent): {}{}\n\n",
            files.join(", "),
            if sb.left_out.len() > 30 { " …" } else { "" }
        ));
    }
}

fn warnings(s: &mut String, record: &RunRecord) {
    if record.warnings.is_empty() {
        return;
    }
    s.push_str("### Warnings\n\n");
    for w in record.warnings.iter().take(50) {
        s.push_str(&format!("- {}\n", md(&fmt::clip_chars(w, 300))));
    }
    if record.warnings.len() > 50 {
        s.push_str(&format!(
            "- and {} more (see run.json)\n",
            record.warnings.len() - 50
        ));
    }
    s.push('\n');
}
