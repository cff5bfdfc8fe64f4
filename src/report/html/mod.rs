//! `report.html`: the local user's view of a run, one self-contained file. Inline CSS
//! (`assets/report.css`), the terrain as inline SVG, no script, and a Content-Security-Policy
//! that forbids every outside fetch, so opening it never leaves the machine. All text is
//! escaped; the SVG is inserted only when [`svg::safe_svg`] passes it. Layout only: the facts
//! come from the [`View`].

mod svg;
mod text;
mod transcript;

use std::fmt::Write as _;

use super::RunArtefacts;
use super::fmt;
use super::view::{
    AdviceView, AuditView, ChangesView, DEMO_NOTE, FAILING_SHOWN_PAGE, FLAKY, Header, HopRow,
    HopsView, LEFT_OUT, LEFT_OUT_WHY, NO_TEST_FILE, PROOF_NAMES_SHOWN, ProofView, PublishView,
    RESTORED, RESTORED_WHY, SandboxView, TEST_FILES, TESTS_ADDED, TestRow, TestsView, View, first,
};
use crate::secret::redact;
use text::{a, attr, clipped, code, esc, inline_code, slug_html};

/// The page's style sheet, inlined (the CSP allows no other).
const CSS: &str = include_str!("../assets/report.css");

/// Beyond these the page stays usable; the full texts are in the run directory.
const DIFF_MAX: usize = 2 * 1024 * 1024;
const TEXT_MAX: usize = 256 * 1024;

pub(super) fn render(view: &View, artefacts: &RunArtefacts) -> String {
    let hd = &view.header;
    let word = hd.mark.word;
    let tone = hd.mark.class;
    let title_text = hd.title_text();

    let mut h = String::with_capacity(64 * 1024);
    h.push_str("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    // Belt and braces: even if some text slipped through unescaped, the browser may not fetch.
    h.push_str("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'\">\n");
    h.push_str("<meta name=\"referrer\" content=\"no-referrer\">\n");
    let _ = writeln!(
        h,
        "<title>{}OctaGit · {word} · {}</title>",
        if hd.demo { "DEMO · " } else { "" },
        esc(&fmt::clip_chars(&title_text, 120))
    );
    h.push_str("<style>");
    h.push_str(CSS);
    h.push_str("</style>\n</head>\n<body>\n<main>\n");

    banner(&mut h, hd, &title_text);
    advice(&mut h, &view.advice, tone);
    if let Some(p) = &view.publish {
        publish(&mut h, p);
    }
    if let Some(sb) = &view.sandbox {
        isolation(&mut h, sb);
    }
    if let Some(t) = &view.tests {
        tests(&mut h, t, &view.proof);
    }
    if let Some(c) = &view.changes {
        changes(&mut h, c);
    }
    if let Some(x) = &view.hops {
        hops(&mut h, x);
    }
    if let Some(au) = &view.audit {
        audit(&mut h, au);
    }
    terrain(&mut h, view, artefacts);
    transcript::transcript(&mut h, artefacts);
    if !view.warnings.is_empty() {
        h.push_str("<section class=\"card\"><h2>Warnings</h2><ul>");
        for w in &view.warnings {
            let _ = write!(h, "<li>{}</li>", esc(w));
        }
        h.push_str("</ul></section>\n");
    }
    let _ = writeln!(
        h,
        "<footer>OctaGit report · run <code>{}</code> · rendered from <code>run.json</code></footer>",
        esc(&hd.run_id)
    );
    h.push_str("</main>\n</body>\n</html>\n");
    redact(&h)
}

fn banner(h: &mut String, hd: &Header, title_text: &str) {
    let _ = writeln!(h, "<header class=\"banner {}\">", hd.mark.class);
    let _ = write!(
        h,
        "<div class=\"kicker\"><span class=\"icon\">{}</span> OctaGit · {}",
        hd.mark.glyph, hd.mark.word
    );
    if hd.demo {
        h.push_str(" <span class=\"demo\">DEMO</span>");
    }
    h.push_str("</div>\n");
    let issue_html = match &hd.issue_url {
        Some(url) => a(title_text, url),
        None => esc(title_text),
    };
    let _ = writeln!(h, "<h1>{issue_html}</h1>");
    if hd.demo {
        let _ = writeln!(h, "<p class=\"note\">Demo {DEMO_NOTE}</p>");
    }
    h.push_str("<dl class=\"facts\">");
    let mut fact = |k: &str, v: String| {
        let _ = write!(h, "<div><dt>{k}</dt><dd>{v}</dd></div>");
    };
    match hd.failure_class {
        Some(class) => fact("Failure", code(class)),
        None => fact("Status", esc(hd.mark.word)),
    }
    fact("Cost", esc(&hd.cost));
    fact(
        "Tokens",
        format!("{} in · {} out", esc(&hd.tokens_in), esc(&hd.tokens_out)),
    );
    fact("Turns", hd.turns.to_string());
    if let Some(d) = &hd.took {
        fact("Took", esc(d));
    }
    if let Some(slug) = &hd.repo_slug {
        fact("Repo", code(slug));
    }
    fact("Started", esc(&hd.started));
    fact("Run", code(&hd.run_id));
    h.push_str("</dl>\n");
    if !hd.stages.is_empty() {
        h.push_str("<ol class=\"stages\">");
        for st in &hd.stages {
            let _ = write!(
                h,
                "<li class=\"{}\" title=\"{}\"><b>{}</b> {} <span>{}</span></li>",
                st.mark.class,
                attr(st.note.as_deref().unwrap_or("")),
                st.mark.glyph,
                esc(&st.name),
                esc(&st.duration)
            );
        }
        h.push_str("</ol>\n");
    }
    h.push_str("</header>\n");
}

fn advice(h: &mut String, av: &AdviceView, tone: &str) {
    let advice = &av.advice;
    let _ = writeln!(h, "<section class=\"card advice {tone}\">");
    let _ = writeln!(h, "<h2>{}</h2>", av.title);
    let _ = writeln!(
        h,
        "<p class=\"headline\">{}</p>",
        inline_code(&advice.headline)
    );
    for para in &av.paragraphs {
        let _ = writeln!(h, "<p>{}</p>", inline_code(para));
    }
    let _ = writeln!(
        h,
        "<div class=\"next\"><div class=\"label\">Next step</div><p>{}</p></div>",
        inline_code(&advice.next_step)
    );
    let _ = writeln!(
        h,
        "<p class=\"author\">Written by <code>{}</code></p>",
        esc(&advice.author)
    );
    if let Some((class, message, raw)) = &av.failure {
        let _ = writeln!(
            h,
            "<details class=\"raw\"><summary>Real error <code>{}</code></summary><p>{}</p>{}</details>",
            esc(class),
            esc(message),
            if raw.trim().is_empty() {
                String::new()
            } else {
                format!("<pre class=\"wrap\">{}</pre>", esc(&clipped(raw, TEXT_MAX)))
            }
        );
    }
    h.push_str("</section>\n");
}

fn isolation(h: &mut String, sb: &SandboxView) {
    let _ = write!(
        h,
        "<section class=\"card\"><h2>Isolation</h2><p>{}</p>",
        esc(&sb.label)
    );
    if !sb.left_out.is_empty() {
        let files: Vec<String> = sb.left_out.iter().map(|f| code(f)).collect();
        let _ = write!(h, "<p>{LEFT_OUT} {LEFT_OUT_WHY} {}</p>", files.join(", "));
    }
    if !sb.restored.is_empty() {
        let files: Vec<String> = sb.restored.iter().map(|f| code(f)).collect();
        let _ = write!(h, "<p>{RESTORED} {RESTORED_WHY} {}</p>", files.join(", "));
    }
    h.push_str("</section>\n");
}

fn publish(h: &mut String, p: &PublishView) {
    h.push_str("<section class=\"card\"><h2>Pull request</h2><ul class=\"plain\">");
    if let Some((label, url)) = &p.pr {
        let _ = write!(h, "<li class=\"pr\">{}</li>", a(label, url));
    }
    if let Some(b) = &p.branch {
        let _ = write!(
            h,
            "<li>Branch {} ({}){}</li>",
            code(b),
            p.push_state(),
            p.commit
                .as_deref()
                .map(|c| format!(" at {}", code(c)))
                .unwrap_or_default()
        );
    }
    if let Some(url) = &p.compare_url {
        let _ = write!(
            h,
            "<li>Open the PR by hand: {}</li>",
            a("compare and create", url)
        );
    }
    if let Some(url) = &p.comment_url {
        let _ = write!(h, "<li>{}</li>", a("Issue comment", url));
    }
    if let Some(e) = &p.error {
        let _ = write!(h, "<li>Publish error: {}</li>", esc(e));
    }
    for n in &p.notes {
        let _ = write!(h, "<li>{}</li>", esc(n));
    }
    h.push_str("</ul></section>\n");
}

fn test_row(h: &mut String, row: &TestRow) {
    let name = row.label;
    let Some(t) = &row.run else {
        let _ = write!(
            h,
            "<tr><th>{name}</th><td colspan=\"5\" class=\"muted\">not run</td></tr>"
        );
        return;
    };
    let (shown, more) = first(&t.failing, FAILING_SHOWN_PAGE);
    let names: Vec<String> = shown.iter().map(|n| code(n)).collect();
    let more = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    let _ = write!(
        h,
        "<tr><th>{name}</th><td><span class=\"pill {}\">{}</span></td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}{more}</td></tr>",
        t.mark.class,
        t.mark.word,
        t.passed,
        t.failed,
        esc(&t.duration),
        names.join(" ")
    );
}

fn tests(h: &mut String, t: &TestsView, proof: &ProofView) {
    h.push_str("<section class=\"card\"><h2>Tests</h2>");
    match &t.command {
        Some(cmd) => {
            let _ = write!(
                h,
                "<p>Command {}{}</p>",
                code(cmd),
                t.source
                    .as_deref()
                    .map(|s| format!(" <span class=\"muted\">({})</span>", esc(s)))
                    .unwrap_or_default()
            );
        }
        None => h.push_str("<p>No test command was configured or detected.</p>"),
    }
    if let Some(v) = &t.verdict {
        let cls = t.verdict_mark.map_or("muted", |m| m.class);
        let _ = write!(h, "<p class=\"verdict {cls}\">{}</p>", esc(v));
    }
    if !t.rows.is_empty() {
        h.push_str("<div class=\"scroll\"><table><thead><tr><th></th><th>Result</th><th class=\"num\">Passed</th><th class=\"num\">Failed</th><th class=\"num\">Time</th><th>Failing tests</th></tr></thead><tbody>");
        for row in &t.rows {
            test_row(h, row);
        }
        h.push_str("</tbody></table></div>");
    }
    self::proof(h, proof);
    for (title, text) in &t.outputs {
        let _ = write!(
            h,
            "<details><summary>{title} (end)</summary><pre>{}</pre></details>",
            esc(&clipped(text, TEXT_MAX))
        );
    }
    h.push_str("</section>\n");
}

/// Flaky baseline tests and the agent's test edits with their re-run against the original.
fn proof(h: &mut String, p: &ProofView) {
    let names = |list: &[String]| {
        list.iter()
            .take(PROOF_NAMES_SHOWN)
            .map(|n| code(n))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if !p.flaky.is_empty() {
        let _ = write!(h, "<p>{FLAKY} {}</p>", names(&p.flaky));
    }
    let Some(c) = &p.changes else { return };
    h.push_str("<p><b>Test changes</b></p>");
    if c.files.is_empty() {
        let _ = write!(h, "<p>{NO_TEST_FILE}</p>");
    } else {
        let _ = write!(h, "<p>{TEST_FILES} {}</p>", names(&c.files));
    }
    if !c.added.is_empty() {
        let _ = write!(h, "<p>{TESTS_ADDED} {}</p>", names(&c.added));
    }
    if !c.lines.is_empty() {
        h.push_str("<ul>");
        for line in &c.lines {
            let _ = write!(h, "<li>{}</li>", inline_code(line));
        }
        h.push_str("</ul>");
    }
    if let Some(n) = &c.note {
        let _ = write!(h, "<p class=\"muted\">{}</p>", esc(n));
    }
}

fn diff_html(diff: &str) -> String {
    let mut out = String::with_capacity(diff.len() + diff.len() / 4);
    for line in diff.lines() {
        let cls = if line.starts_with("+++")
            || line.starts_with("---")
            || line.starts_with("diff ")
            || line.starts_with("index ")
        {
            "meta"
        } else if line.starts_with('+') {
            "add"
        } else if line.starts_with('-') {
            "del"
        } else if line.starts_with("@@") {
            "hunk"
        } else {
            ""
        };
        // Block spans make the lines; an empty line still needs content to take up height.
        let text = if line.is_empty() {
            " ".to_string()
        } else {
            esc(line)
        };
        if cls.is_empty() {
            let _ = write!(out, "<span>{text}</span>");
        } else {
            let _ = write!(out, "<span class=\"{cls}\">{text}</span>");
        }
    }
    out
}

fn changes(h: &mut String, c: &ChangesView) {
    h.push_str("<section class=\"card\"><h2>Changes</h2>");
    if let Some((changed, plus, minus)) = &c.stat {
        let _ = write!(
            h,
            "<p><b>{changed}</b> <span class=\"add\">{plus}</span> <span class=\"del\">{minus}</span></p>"
        );
    }
    if !c.files_edited.is_empty() {
        h.push_str("<ul class=\"files\">");
        for f in &c.files_edited {
            let _ = write!(h, "<li>{}</li>", code(f));
        }
        h.push_str("</ul>");
    }
    if let Some(s) = &c.finish_summary {
        let _ = write!(
            h,
            "<details><summary>The model's summary of its fix</summary><pre class=\"wrap\">{}</pre></details>",
            esc(&clipped(s, TEXT_MAX))
        );
    }
    if let Some(d) = &c.diff {
        let _ = write!(
            h,
            "<details open><summary>Diff</summary><pre class=\"diff\">{}</pre></details>",
            diff_html(&clipped(d, DIFF_MAX))
        );
    }
    h.push_str("</section>\n");
}

fn hop_cell(hop: &HopRow) -> String {
    match hop.class {
        None => format!("<span class=\"pill {}\">ok</span>", hop.mark.class),
        Some(c) => format!(
            "<span class=\"pill {}\">{}{}</span> {}",
            hop.mark.class,
            esc(c),
            hop.status.map(|s| format!(" {s}")).unwrap_or_default(),
            esc(&fmt::error_line(hop.error.as_deref().unwrap_or(""), 160))
        ),
    }
}

fn hops(h: &mut String, v: &HopsView) {
    h.push_str("<section class=\"card\"><h2>Model calls</h2>");
    if !v.rows.is_empty() {
        h.push_str("<div class=\"scroll\"><table class=\"hops\"><thead><tr><th>Time</th><th class=\"num\">Hop</th><th>Model</th><th>Result</th><th class=\"num\">Latency</th><th class=\"num\">Tokens in / out</th><th class=\"num\">Cost</th><th>Then</th></tr></thead><tbody>");
        for hop in &v.rows {
            let _ = write!(
                h,
                "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"model\"><code>{}</code></td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{} / {}</td><td class=\"num\">{}</td><td>{}</td></tr>",
                esc(&hop.at),
                hop.hop,
                slug_html(&hop.model),
                hop_cell(hop),
                esc(&hop.latency),
                esc(&hop.tokens_in),
                esc(&hop.tokens_out),
                esc(&hop.cost),
                esc(&hop.action)
            );
        }
        h.push_str("</tbody></table></div>");
        let with_errors: Vec<&HopRow> = v
            .rows
            .iter()
            .filter(|x| x.error.as_deref().is_some_and(|e| !e.trim().is_empty()))
            .collect();
        if !with_errors.is_empty() {
            h.push_str("<details><summary>Full error texts</summary>");
            for hop in with_errors {
                let _ = write!(
                    h,
                    "<p><b>hop {} · {}</b> at {}</p><pre class=\"wrap\">{}</pre>",
                    hop.hop,
                    code(&hop.model),
                    esc(&hop.at),
                    esc(&clipped(hop.error.as_deref().unwrap_or(""), TEXT_MAX))
                );
            }
            h.push_str("</details>");
        }
    }
    for ho in &v.handoffs {
        let _ = write!(
            h,
            "<details><summary>Handoff at turn {}: {} → {} ({})</summary><pre class=\"wrap\">{}</pre></details>",
            ho.at_turn,
            code(&ho.from),
            code(&ho.to),
            esc(&ho.reason),
            esc(&clipped(&ho.summary, TEXT_MAX))
        );
    }
    h.push_str("</section>\n");
}

fn audit(h: &mut String, au: &AuditView) {
    h.push_str("<section class=\"card\"><h2>Audit</h2>");
    if !au.chain.is_empty() {
        h.push_str("<p class=\"chain\">");
        let items: Vec<String> = au.chain.iter().map(|m| code(m)).collect();
        h.push_str(&items.join(" <span class=\"arrow\">→</span> "));
        h.push_str("</p>");
    }
    if let Some((tokens, method)) = &au.prompt {
        let _ = write!(
            h,
            "<p>First prompt ≈ {} tokens <span class=\"muted\">({})</span></p>",
            esc(tokens),
            esc(method)
        );
    }
    if !au.rows.is_empty() {
        h.push_str("<div class=\"scroll\"><table><thead><tr><th>Model</th><th>Usable</th><th class=\"num\">$/Mtok in / out</th><th>Price source</th><th class=\"num\">TPM left / limit</th><th class=\"num\">Context</th><th>Fits</th><th>Tools</th><th class=\"num\">Est. cost</th>");
        if au.any_note {
            h.push_str("<th>Note</th>");
        }
        h.push_str("</tr></thead><tbody>");
        for c in &au.rows {
            let note = match (c.note_class, &c.note_reason) {
                (Some(cl), Some(r)) => format!("{} {}", code(cl), esc(r)),
                (Some(cl), None) => code(cl),
                (None, Some(r)) => esc(r),
                _ => String::new(),
            };
            let _ = write!(
                h,
                "<tr><td class=\"model\"><code>{}</code></td><td><span class=\"pill {}\">{}</span></td><td class=\"num\">{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td>{}</tr>",
                slug_html(&c.slug),
                c.usable.class,
                c.usable.word,
                esc(&c.price),
                c.price_source,
                esc(&c.tpm),
                c.context,
                c.fits,
                c.tools,
                c.est_cost,
                if au.any_note {
                    format!("<td class=\"reason\">{note}</td>")
                } else {
                    String::new()
                },
            );
        }
        h.push_str("</tbody></table></div>");
    }
    if let Some((note, author)) = &au.risk {
        let _ = write!(
            h,
            "<blockquote>{} <span class=\"muted\">— {}</span></blockquote>",
            esc(note),
            esc(author)
        );
    }
    h.push_str("</section>\n");
}

fn terrain(h: &mut String, view: &View, artefacts: &RunArtefacts) {
    let svg = artefacts.terrain_svg.as_deref().and_then(svg::safe_svg);
    let t = view.terrain.as_ref();
    if svg.is_none() && t.is_none() {
        return;
    }
    h.push_str("<section class=\"card\"><h2>Terrain</h2>");
    if let Some(t) = t {
        let _ = write!(h, "<p class=\"muted\">{}</p>", esc(&t.stats));
    }
    match svg {
        Some(svg) => {
            h.push_str("<figure class=\"terrain\">");
            // Already checked by safe_svg; redaction only ever masks text.
            h.push_str(&redact(svg));
            h.push_str("<figcaption>The repository as terrain: height is code mass, marks show what the agent explored and edited.</figcaption></figure>");
        }
        None => {
            if artefacts.terrain_svg.is_some() {
                h.push_str("<p class=\"muted\">terrain.svg was not inlined: it is not a plain SVG document.</p>");
            }
            if let Some(hm) = t.and_then(|t| t.heatmap.as_deref()) {
                let _ = write!(h, "<pre class=\"heatmap\">{}</pre>", esc(hm));
            }
        }
    }
    if let Some(t) = t
        && !t.ranked.is_empty()
    {
        h.push_str("<details><summary>Files ranked for this issue</summary><ol class=\"ranked\">");
        for (path, score, reason) in t.ranked.iter().take(30) {
            let _ = write!(
                h,
                "<li>{} <span class=\"muted\">{score} · {}</span></li>",
                code(path),
                esc(reason)
            );
        }
        h.push_str("</ol></details>");
    }
    h.push_str("</section>\n");
}
