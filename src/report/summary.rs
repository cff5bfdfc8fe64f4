//! The job summary: GitHub-flavoured Markdown for `$GITHUB_STEP_SUMMARY`, the UI of a run on
//! GitHub. GitHub strips inline SVG and `data:` images there, so the terrain appears as the
//! compact text heatmap with a pointer to the full picture. Layout only: the facts come
//! from the [`View`].

use super::fmt;
use super::markdown::{cell, code, details, esc, fenced, link, md, rich};
use super::shrink::{Keep, Part, describe_cuts, fit};
use super::view::{
    AdviceView, AuditView, ChangesView, DEMO_NOTE, FAILING_SHOWN_MD, Header, HopRow, HopsView,
    LEFT_OUT, LEFT_OUT_WHY, ProofView, PublishView, RESTORED, RESTORED_WHY, SandboxView,
    TerrainView, TestRow, TestsView, View, first,
};
use crate::secret::redact;

const DIFF: &str = "diff";
const ERROR: &str = "error text";
const HOP_ERRORS: &str = "model error texts";
const SETUP_OUT: &str = "setup output";
const BASELINE_OUT: &str = "baseline test output";
const AFTER_OUT: &str = "after-edit test output";
const HANDOFFS: &str = "handoff summaries";
const FINISH: &str = "model's summary";

/// The shrinkable part each test output block is cut as.
fn output_part(title: &str) -> &'static str {
    match title {
        "Setup output" => SETUP_OUT,
        "Baseline test output" => BASELINE_OUT,
        _ => AFTER_OUT,
    }
}

pub(super) fn render(view: &View, limit: usize) -> String {
    let mut parts = vec![];
    let mut add = |label: &str, text: Option<&str>, keep: Keep| {
        if let Some(t) = text.filter(|t| !t.trim().is_empty()) {
            parts.push(Part::new(label, redact(t), keep));
        }
    };
    let changes = view.changes.as_ref();
    add(DIFF, changes.and_then(|c| c.diff.as_deref()), Keep::Head);
    add(
        ERROR,
        view.advice.failure.as_ref().map(|f| f.2.as_str()),
        Keep::Head,
    );
    let hops = view.hops.as_ref();
    let hop_errors: String = hops
        .map(|h| h.rows.iter().filter_map(hop_error_text).collect())
        .unwrap_or_default();
    add(HOP_ERRORS, Some(&hop_errors), Keep::Head);
    for (title, text) in view.tests.iter().flat_map(|t| &t.outputs) {
        add(output_part(title), Some(text), Keep::Tail);
    }
    let handoffs: String = hops
        .map(|h| {
            h.handoffs
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
                .collect()
        })
        .unwrap_or_default();
    add(HANDOFFS, Some(&handoffs), Keep::Head);
    add(
        FINISH,
        changes.and_then(|c| c.finish_summary.as_deref()),
        Keep::Head,
    );

    let out = fit(limit, &mut parts, |p| compose(view, p, limit));
    redact(&out)
}

fn hop_error_text(h: &HopRow) -> Option<String> {
    let e = h.error.as_deref()?;
    Some(format!(
        "hop {} · {} · {} · {}{}\n{}\n\n",
        h.hop,
        h.model,
        h.at,
        h.class.unwrap_or("ok"),
        h.status.map(|s| format!(" (HTTP {s})")).unwrap_or_default(),
        e.trim_end()
    ))
}

fn part<'a>(parts: &'a [Part], label: &str) -> Option<&'a str> {
    parts.iter().find(|p| p.label == label).map(|p| p.text())
}

fn compose(view: &View, parts: &[Part], limit: usize) -> String {
    let mut s = String::with_capacity(16 * 1024);
    header(&mut s, &view.header);

    let cuts = describe_cuts(parts);
    if !cuts.is_empty() {
        s.push_str(&format!(
            "> **Shortened to fit {}:** {}. The full text is in the run directory (`report.html`, `run.json`).\n\n",
            super::shrink::limit_phrase(limit),
            cuts.join(", ")
        ));
    }

    s.push_str(&advice_block(
        &view.advice,
        Some(part(parts, ERROR).unwrap_or("")),
    ));
    if let Some(p) = &view.publish {
        publish(&mut s, p);
    }
    if let Some(sb) = &view.sandbox {
        isolation(&mut s, sb);
    }
    if let Some(t) = &view.tests {
        tests(&mut s, t, &view.proof, parts);
    }
    if let Some(c) = &view.changes {
        self::changes(&mut s, c, parts);
    }
    if let Some(h) = &view.hops {
        self::hops(&mut s, h, parts);
    }
    if let Some(a) = &view.audit {
        audit(&mut s, a);
    }
    if let Some(t) = &view.terrain {
        terrain(&mut s, t);
    }
    warnings(&mut s, &view.warnings);
    s.push_str(&format!(
        "<sub>OctaGit run <code>{}</code>{}</sub>\n",
        esc(&view.header.run_id),
        if view.header.demo { " · DEMO" } else { "" }
    ));
    s
}

fn header(s: &mut String, h: &Header) {
    let title = fmt::clip_chars(&h.issue_title, 200);
    let issue = match (h.issue_number, &h.issue_url) {
        (Some(n), Some(url)) => format!("{} {}", link(&format!("#{n}"), url), md(&title)),
        (Some(n), None) => format!("#{n} {}", md(&title)),
        (None, Some(url)) => link(&title, url),
        (None, None) => md(&title),
    };
    let demo = if h.demo { "DEMO · " } else { "" };
    s.push_str(&format!(
        "## {} {demo}OctaGit · {}: {issue}\n\n",
        h.mark.emoji, h.mark.word
    ));
    if h.demo {
        s.push_str(&format!("> **DEMO** {}\n\n", DEMO_NOTE));
    }

    let mut meta = vec![];
    match h.failure_class {
        Some(class) => meta.push(format!("**Status** {} ({})", h.status_lower, code(class))),
        None => meta.push(format!("**Status** {}", h.status_lower)),
    }
    if let Some(slug) = &h.repo_slug {
        meta.push(format!("**Repo** {}", code(slug)));
    }
    meta.push(format!("**Cost** {}", h.cost));
    meta.push(format!(
        "**Tokens** {} in / {} out",
        h.tokens_in, h.tokens_out
    ));
    meta.push(format!("**Turns** {}", h.turns));
    if let Some(d) = &h.took {
        meta.push(format!("**Took** {d}"));
    }
    s.push_str(&meta.join(" · "));
    s.push_str("  \n");
    s.push_str(&format!(
        "Started {} from {}{}\n\n",
        h.started,
        md(&h.origin),
        h.base_branch
            .as_deref()
            .map(|b| format!(" against {}", code(b)))
            .unwrap_or_default()
    ));

    if !h.stages.is_empty() {
        let stages: Vec<String> = h
            .stages
            .iter()
            .map(|st| format!("{} {} {}", st.mark.emoji, md(&st.name), st.duration))
            .collect();
        s.push_str(&format!("{}\n\n", stages.join(" → ")));
    }
    if !h.sanitized.is_empty() {
        s.push_str(&format!(
            "> Removed from the issue text before any model saw it: {}.\n\n",
            h.sanitized
                .iter()
                .map(|x| md(&fmt::clip_chars(x, 120)))
                .collect::<Vec<_>>()
                .join("; ")
        ));
    }
}

/// The advisor block: headline, body, next step, who wrote it, and the real error below.
/// `raw` overrides the record's error text (the summary passes its shortened copy).
pub(super) fn advice_block(a: &AdviceView, raw: Option<&str>) -> String {
    let advice = &a.advice;
    let mut s = format!("### {}\n\n", a.title);
    s.push_str(&format!("**{}**\n\n", rich(&advice.headline)));
    for para in &a.paragraphs {
        s.push_str(&rich(para));
        s.push_str("\n\n");
    }
    s.push_str(&format!("> **Next step:** {}\n\n", rich(&advice.next_step)));
    s.push_str(&format!(
        "<sub>Written by {}</sub>\n\n",
        code(&advice.author)
    ));
    if let Some((class, message, full_raw)) = &a.failure {
        let raw = raw.unwrap_or(full_raw);
        let mut body = format!("{}\n\n", md(message));
        if !raw.trim().is_empty() {
            body.push_str(&fenced("text", raw));
        }
        s.push_str(&details(&format!("Real error ({class})"), &body));
    }
    s
}

fn publish(s: &mut String, p: &PublishView) {
    let mut lines = vec![];
    if let Some((label, url)) = &p.pr {
        lines.push(format!("**{}**", link(label, url)));
    }
    if let Some(b) = &p.branch {
        let commit = p
            .commit
            .as_deref()
            .map(|c| format!(" at {}", code(c)))
            .unwrap_or_default();
        lines.push(format!("Branch {} ({}){commit}", code(b), p.push_state()));
    }
    if let Some(url) = &p.compare_url {
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

fn test_row(row: &TestRow) -> String {
    let name = row.label;
    let Some(t) = &row.run else {
        return format!("| {name} | not run | | | | |\n");
    };
    let (shown, more) = first(&t.failing, FAILING_SHOWN_MD);
    let mut names: Vec<String> = shown
        .iter()
        .map(|n| code(&fmt::clip_chars(n, 120)))
        .collect();
    if more > 0 {
        names.push(format!("and {more} more"));
    }
    format!(
        "| {name} | {} {} | {} | {} | {} | {}\n",
        t.mark.emoji,
        t.mark.word,
        t.passed,
        t.failed,
        t.duration,
        cell(&names.join(", ")) + " |"
    )
}

fn tests(s: &mut String, t: &TestsView, proof: &ProofView, parts: &[Part]) {
    s.push_str("### Tests\n\n");
    match &t.command {
        Some(cmd) => s.push_str(&format!(
            "Command {}{}",
            code(cmd),
            t.source
                .as_deref()
                .map(|src| format!(" ({})", md(src)))
                .unwrap_or_default()
        )),
        None => s.push_str("No test command was configured or detected."),
    }
    if let Some(sc) = &t.setup_command {
        s.push_str(&format!(" · setup {}", code(sc)));
    }
    s.push_str("\n\n");
    if !t.rows.is_empty() {
        s.push_str(
            "| | Result | Passed | Failed | Time | Failing tests |\n|---|---|---:|---:|---:|---|\n",
        );
        for row in &t.rows {
            s.push_str(&test_row(row));
        }
        s.push('\n');
    }
    if let Some(v) = &t.verdict {
        let mark = t
            .verdict_mark
            .map(|m| format!("{} ", m.emoji))
            .unwrap_or_default();
        s.push_str(&format!("{mark}{}\n\n", md(v)));
    }
    s.push_str(&super::proof::markdown(proof, "**Test changes**\n\n"));
    for (title, _) in &t.outputs {
        if let Some(text) = part(parts, output_part(title)) {
            s.push_str(&details(&format!("{title} (end)"), &fenced("text", text)));
        }
    }
}

fn changes(s: &mut String, c: &ChangesView, parts: &[Part]) {
    s.push_str("### Changes\n\n");
    let (files, more) = first(&c.files_edited, 20);
    let files: Vec<String> = files.iter().map(|f| code(f)).collect();
    if let Some((changed, plus, minus)) = &c.stat {
        s.push_str(&format!("**{changed}**, {plus} {minus}"));
        if !files.is_empty() {
            let mut files = files;
            if more > 0 {
                files.push(format!("and {more} more"));
            }
            s.push_str(&format!(": {}", files.join(", ")));
        }
        s.push_str("\n\n");
    } else if !files.is_empty() {
        s.push_str(&format!("Edited: {}\n\n", files.join(", ")));
    }
    if let Some(f) = part(parts, FINISH) {
        s.push_str(&details(
            "The model's summary of its fix",
            &fenced("text", f),
        ));
    }
    if let Some(d) = part(parts, DIFF) {
        s.push_str(&details("Diff", &fenced("diff", d)));
    }
}

fn hop_result(h: &HopRow) -> String {
    match h.class {
        None => format!("{} ok", h.mark.emoji),
        Some(c) => {
            let status = h.status.map(|s| format!(" {s}")).unwrap_or_default();
            let err = h
                .error
                .as_deref()
                .map(|e| fmt::error_line(e, 100))
                .unwrap_or_default();
            if err.is_empty() {
                format!("{} {}{status}", h.mark.emoji, code(c))
            } else {
                format!("{} {}{status}: {}", h.mark.emoji, code(c), md(&err))
            }
        }
    }
}

fn hops(s: &mut String, v: &HopsView, parts: &[Part]) {
    s.push_str("### Model calls\n\n");
    if !v.rows.is_empty() {
        s.push_str("| Time | Hop | Model | Result | Latency | Tokens in / out | Cost | Then |\n|---|---:|---|---|---:|---:|---:|---|\n");
        for h in &v.rows {
            s.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} / {} | {} | {} |\n",
                h.at,
                h.hop,
                cell(&code(&h.model)),
                cell(&hop_result(h)),
                h.latency,
                h.tokens_in,
                h.tokens_out,
                h.cost,
                cell(&md(&h.action)),
            ));
        }
        s.push('\n');
    }
    for h in &v.handoffs {
        s.push_str(&format!(
            "- Handoff at turn {}: {} → {} ({})\n",
            h.at_turn,
            code(&h.from),
            code(&h.to),
            md(&fmt::clip_chars(&h.reason, 200))
        ));
    }
    if !v.handoffs.is_empty() {
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

fn audit(s: &mut String, a: &AuditView) {
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
    if let Some((tokens, method)) = &a.prompt {
        s.push_str(&format!(
            "First prompt ≈ {tokens} tokens ({})\n\n",
            md(method)
        ));
    }
    if !a.rows.is_empty() {
        s.push_str(
            "| Model | Usable | $/Mtok in / out | Price source | TPM left / limit | Context | Fits | Tools | Est. cost | Note |\n\
             |---|---|---:|---|---:|---:|---|---|---:|---|\n",
        );
        for c in &a.rows {
            let note = match (c.note_class, &c.note_reason) {
                (Some(cl), Some(r)) => format!("{}: {}", code(cl), md(&fmt::first_line(r, 90))),
                (Some(cl), None) => code(cl),
                (None, Some(r)) => md(&fmt::first_line(r, 90)),
                (None, None) => String::new(),
            };
            s.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
                cell(&code(&c.slug)),
                c.usable.emoji,
                c.price,
                c.price_source,
                c.tpm,
                c.context,
                c.fits,
                c.tools,
                c.est_cost,
                cell(&note),
            ));
        }
        s.push('\n');
    }
    if let Some((note, author)) = &a.risk {
        s.push_str(&format!("> {} <sub>({})</sub>\n\n", md(note), esc(author)));
    }
}

fn terrain(s: &mut String, t: &TerrainView) {
    s.push_str("### Terrain\n\n");
    s.push_str(&format!("{}\n\n", t.stats));
    if !t.ranked.is_empty() {
        s.push_str("Most relevant to the issue: ");
        let top: Vec<String> = t
            .ranked
            .iter()
            .take(5)
            .map(|(path, score, _)| format!("{} ({score})", code(path)))
            .collect();
        s.push_str(&top.join(", "));
        s.push_str("\n\n");
    }
    // The picture, when the action published it to the assets branch; otherwise the text
    // heatmap, with the reason the picture is missing.
    if let Some(md) = &t.image_markdown {
        s.push_str(md);
        s.push_str("\n\n");
        return;
    }
    if let Some(e) = &t.image_error {
        s.push_str(&format!(
            "> [!NOTE]\n> No terrain picture here: {}\n\n",
            md(e)
        ));
    }
    if let Some(h) = &t.heatmap {
        s.push_str(&fenced("text", &redact(h)));
        s.push('\n');
    }
    if t.points_to_svg {
        s.push_str(
            "The full picture is `terrain.svg` in the run directory (also drawn inside `report.html`); \
             GitHub does not show SVG in a job summary.\n\n",
        );
    }
}

/// How the commands were isolated, and what the commit left out.
fn isolation(s: &mut String, sb: &SandboxView) {
    if sb.unisolated {
        s.push_str(&format!(
            "> [!WARNING]\n> **Isolation** {}: code the model wrote ran as OctaGit does.\n\n",
            md(&sb.label)
        ));
    } else {
        s.push_str(&format!("**Isolation** {}\n\n", md(&sb.label)));
    }
    if !sb.left_out.is_empty() {
        let (shown, more) = first(&sb.left_out, 30);
        let files: Vec<String> = shown.iter().map(|f| code(f)).collect();
        s.push_str(&format!(
            "**{LEFT_OUT}** {LEFT_OUT_WHY} {}{}\n\n",
            files.join(", "),
            if more > 0 { " …" } else { "" }
        ));
    }
    if !sb.restored.is_empty() {
        let files: Vec<String> = sb.restored.iter().map(|f| code(f)).collect();
        s.push_str(&format!(
            "**{RESTORED}** {RESTORED_WHY} {}\n\n",
            files.join(", ")
        ));
    }
}

fn warnings(s: &mut String, warnings: &[String]) {
    if warnings.is_empty() {
        return;
    }
    s.push_str("### Warnings\n\n");
    let (shown, more) = first(warnings, 50);
    for w in shown {
        s.push_str(&format!("- {}\n", md(&fmt::clip_chars(w, 300))));
    }
    if more > 0 {
        s.push_str(&format!("- and {more} more (see run.json)\n"));
    }
    s.push('\n');
}
