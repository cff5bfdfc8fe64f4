//! `report.html`: the local user's view of a run, one self-contained file. Inline CSS, the
//! terrain as inline SVG, no script, and a Content-Security-Policy that forbids every
//! outside fetch, so opening it never leaves the machine. All text is escaped; the SVG is
//! inserted only when it is a plain SVG document without scripts or outside references.

use std::fmt::Write as _;
use std::sync::OnceLock;

use regex::Regex;
use serde_json::Value;

use super::RunArtefacts;
use super::fmt;
use crate::run_record::{HopAttempt, RunRecord, RunStatus, StageStatus, TestRun};
use crate::secret::redact;

/// Beyond these the page stays usable; the full texts are in the run directory.
const DIFF_MAX: usize = 2 * 1024 * 1024;
const TEXT_MAX: usize = 256 * 1024;
const TURN_FIELD_MAX: usize = 64 * 1024;
const TURNS_MAX: usize = 2_000;

fn esc(text: &str) -> String {
    html_escape::encode_text(&redact(text)).into_owned()
}

fn attr(text: &str) -> String {
    html_escape::encode_double_quoted_attribute(&redact(text)).into_owned()
}

/// Only http(s) links become clickable; anything else is shown as text.
fn a(text: &str, url: &str) -> String {
    if url.starts_with("https://") || url.starts_with("http://") {
        format!(
            "<a href=\"{}\" rel=\"noopener noreferrer\">{}</a>",
            attr(url),
            esc(text)
        )
    } else {
        esc(text)
    }
}

/// Redacted first, then cut: a cut must not leave half a secret behind.
fn clipped(text: &str, max: usize) -> String {
    let text = redact(text);
    if text.len() <= max {
        return text;
    }
    let head = fmt::head_bytes(&text, max);
    format!(
        "{head}\n… [{} more not shown here; the full text is in the run directory]",
        fmt::bytes(text.len() - head.len())
    )
}

pub(super) fn render(record: &RunRecord, artefacts: &RunArtefacts) -> String {
    let advice = super::advice(record);
    let (_, word) = super::summary::status_word(record);
    // Plain glyphs, not emoji: they render with any text font, emoji fonts are not a given.
    let (tone, icon) = match record.status {
        RunStatus::Success => ("ok", "✓"),
        RunStatus::Failed => ("bad", "✗"),
        RunStatus::Skipped => ("warn", "–"),
        RunStatus::Running => ("warn", "…"),
    };
    let t = &record.task;
    let title_text = match t.issue_number {
        Some(n) => format!("#{n} {}", t.issue_title.trim()),
        None => t.issue_title.trim().to_string(),
    };

    let mut h = String::with_capacity(64 * 1024);
    h.push_str("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    // Belt and braces: even if some text slipped through unescaped, the browser may not fetch.
    h.push_str("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'\">\n");
    h.push_str("<meta name=\"referrer\" content=\"no-referrer\">\n");
    let _ = writeln!(
        h,
        "<title>{}OctaGit · {word} · {}</title>",
        if record.demo { "DEMO · " } else { "" },
        esc(&fmt::clip_chars(&title_text, 120))
    );
    h.push_str("<style>");
    h.push_str(CSS);
    h.push_str("</style>\n</head>\n<body>\n<main>\n");

    // Status banner.
    let _ = writeln!(h, "<header class=\"banner {tone}\">");
    let _ = write!(
        h,
        "<div class=\"kicker\"><span class=\"icon\">{icon}</span> OctaGit · {word}"
    );
    if record.demo {
        h.push_str(" <span class=\"demo\">DEMO</span>");
    }
    h.push_str("</div>\n");
    let issue_html = match &t.issue_url {
        Some(url) => a(&title_text, url),
        None => esc(&title_text),
    };
    let _ = writeln!(h, "<h1>{issue_html}</h1>");
    if record.demo {
        h.push_str("<p class=\"note\">Demo run on the bundled example with a scripted model: no keys, no network, nothing real was changed.</p>\n");
    }
    h.push_str("<dl class=\"facts\">");
    let mut fact = |k: &str, v: String| {
        let _ = write!(h, "<div><dt>{k}</dt><dd>{v}</dd></div>");
    };
    match &record.failure {
        Some(f) if record.status != RunStatus::Success => {
            fact("Failure", format!("<code>{}</code>", esc(f.class.as_str())))
        }
        _ => fact("Status", esc(word)),
    }
    fact("Cost", esc(&fmt::cost(record.cost_usd)));
    fact(
        "Tokens",
        format!(
            "{} in · {} out",
            esc(&fmt::tokens(record.tokens_in)),
            esc(&fmt::tokens(record.tokens_out))
        ),
    );
    fact("Turns", record.turns.to_string());
    if let Some(d) = fmt::run_duration(record) {
        fact("Took", esc(&d));
    }
    if let Some(slug) = &t.repo_slug {
        fact("Repo", format!("<code>{}</code>", esc(slug)));
    }
    fact("Started", esc(&fmt::time(record.started_at)));
    fact("Run", format!("<code>{}</code>", esc(&record.run_id)));
    h.push_str("</dl>\n");
    if !record.stages.is_empty() {
        h.push_str("<ol class=\"stages\">");
        for st in &record.stages {
            let (cls, mark) = match st.status {
                StageStatus::Ok => ("ok", "✓"),
                StageStatus::Failed => ("bad", "✗"),
                StageStatus::Skipped => ("skip", "–"),
            };
            let _ = write!(
                h,
                "<li class=\"{cls}\" title=\"{}\"><b>{mark}</b> {} <span>{}</span></li>",
                attr(st.note.as_deref().unwrap_or("")),
                esc(&st.name),
                esc(&fmt::ms(st.duration_ms))
            );
        }
        h.push_str("</ol>\n");
    }
    h.push_str("</header>\n");

    // Advisor.
    let _ = writeln!(h, "<section class=\"card advice {tone}\">");
    let _ = writeln!(
        h,
        "<h2>{}</h2>",
        if record.status == RunStatus::Success {
            "What to review"
        } else {
            "What happened"
        }
    );
    let _ = writeln!(
        h,
        "<p class=\"headline\">{}</p>",
        inline_code(&advice.headline)
    );
    for para in advice
        .body
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
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
    if let Some(f) = &record.failure {
        let _ = writeln!(
            h,
            "<details class=\"raw\"><summary>Real error <code>{}</code></summary><p>{}</p>{}</details>",
            esc(f.class.as_str()),
            esc(&f.message),
            if f.raw.trim().is_empty() {
                String::new()
            } else {
                format!(
                    "<pre class=\"wrap\">{}</pre>",
                    esc(&clipped(&f.raw, TEXT_MAX))
                )
            }
        );
    }
    h.push_str("</section>\n");

    publish(&mut h, record);
    if let Some(sb) = &record.sandbox {
        let _ = write!(
            h,
            "<section class=\"card\"><h2>Isolation</h2><p>{}</p>",
            esc(&sb.label)
        );
        if !sb.left_out.is_empty() {
            let files: Vec<String> = sb
                .left_out
                .iter()
                .map(|f| format!("<code>{}</code>", esc(f)))
                .collect();
            let _ = write!(
                h,
                "<p>Left out of the commit (changed by the commands, not by the agent): {}</p>",
                files.join(", ")
            );
        }
        h.push_str("</section>\n");
    }
    tests(&mut h, record);
    changes(&mut h, record);
    hops(&mut h, record);
    audit(&mut h, record);
    terrain(&mut h, record, artefacts);
    transcript(&mut h, artefacts);
    if !record.warnings.is_empty() {
        h.push_str("<section class=\"card\"><h2>Warnings</h2><ul>");
        for w in &record.warnings {
            let _ = write!(h, "<li>{}</li>", esc(w));
        }
        h.push_str("</ul></section>\n");
    }
    let _ = writeln!(
        h,
        "<footer>OctaGit report · run <code>{}</code> · rendered from <code>run.json</code></footer>",
        esc(&record.run_id)
    );
    h.push_str("</main>\n</body>\n</html>\n");
    redact(&h)
}

/// A model slug that may break after each `/` and nowhere else.
fn slug_html(slug: &str) -> String {
    esc(slug).replace('/', "/<wbr>")
}

/// Text with `code` spans kept as `<code>` and https links made clickable, everything
/// else escaped.
fn inline_code(text: &str) -> String {
    text.split('`')
        .enumerate()
        .map(|(i, piece)| {
            if i % 2 == 1 {
                format!("<code>{}</code>", esc(piece))
            } else {
                linkify(&esc(piece))
            }
        })
        .collect()
}

/// Turn `https://…` in already escaped text into links (trailing punctuation stays text).
fn linkify(escaped: &str) -> String {
    static URL: OnceLock<Regex> = OnceLock::new();
    let re = URL.get_or_init(|| Regex::new(r#"https://[^\s<>"']+"#).expect("static regex"));
    let mut out = String::with_capacity(escaped.len());
    let mut last = 0;
    for m in re.find_iter(escaped) {
        let url = m
            .as_str()
            .trim_end_matches(['.', ',', ';', ':', ')', '!', '?']);
        out.push_str(&escaped[last..m.start()]);
        let _ = write!(
            out,
            "<a href=\"{url}\" rel=\"noopener noreferrer\">{url}</a>"
        );
        last = m.start() + url.len();
    }
    out.push_str(&escaped[last..]);
    out
}

fn publish(h: &mut String, record: &RunRecord) {
    let Some(p) = &record.publish else { return };
    h.push_str("<section class=\"card\"><h2>Pull request</h2><ul class=\"plain\">");
    if let Some(url) = &p.pr_url {
        let label = match (p.pr_number, p.draft) {
            (Some(n), Some(true)) => format!("Draft PR #{n}"),
            (Some(n), _) => format!("PR #{n}"),
            _ => "Pull request".into(),
        };
        let _ = write!(h, "<li class=\"pr\">{}</li>", a(&label, url));
    }
    if let Some(b) = &p.branch {
        let _ = write!(
            h,
            "<li>Branch <code>{}</code> ({}){}</li>",
            esc(b),
            if p.pushed { "pushed" } else { "not pushed" },
            p.commit
                .as_deref()
                .map(|c| format!(
                    " at <code>{}</code>",
                    esc(&c.chars().take(12).collect::<String>())
                ))
                .unwrap_or_default()
        );
    }
    if let Some(url) = &p.compare_url
        && p.pr_url.is_none()
    {
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

fn test_row(h: &mut String, name: &str, t: Option<&TestRun>) {
    let Some(t) = t else {
        let _ = write!(
            h,
            "<tr><th>{name}</th><td colspan=\"5\" class=\"muted\">not run</td></tr>"
        );
        return;
    };
    let (cls, verdict) = if t.timed_out {
        ("warn", "timed out")
    } else if t.success {
        ("ok", "passed")
    } else {
        ("bad", "failed")
    };
    let failed = t.failed_count.unwrap_or(t.failed_tests.len() as u64);
    let passed = t.passed_count.unwrap_or(t.passed_tests.len() as u64);
    let names: Vec<String> = t
        .failed_tests
        .iter()
        .take(20)
        .map(|n| format!("<code>{}</code>", esc(n)))
        .collect();
    let more = if t.failed_tests.len() > 20 {
        format!(" and {} more", t.failed_tests.len() - 20)
    } else {
        String::new()
    };
    let _ = write!(
        h,
        "<tr><th>{name}</th><td><span class=\"pill {cls}\">{verdict}</span></td><td class=\"num\">{passed}</td><td class=\"num\">{failed}</td><td class=\"num\">{}</td><td>{}{more}</td></tr>",
        esc(&fmt::ms(t.duration_ms)),
        names.join(" ")
    );
}

fn tests(h: &mut String, record: &RunRecord) {
    let g = &record.gate;
    if g.command.is_none() && g.baseline.is_none() && g.after.is_none() && g.verdict.is_none() {
        return;
    }
    h.push_str("<section class=\"card\"><h2>Tests</h2>");
    match &g.command {
        Some(cmd) => {
            let _ = write!(
                h,
                "<p>Command <code>{}</code>{}</p>",
                esc(cmd),
                g.source
                    .as_deref()
                    .map(|s| format!(" <span class=\"muted\">({})</span>", esc(s)))
                    .unwrap_or_default()
            );
        }
        None => h.push_str("<p>No test command was configured or detected.</p>"),
    }
    if let Some(v) = &g.verdict {
        let cls = match g.passed {
            Some(true) => "ok",
            Some(false) => "bad",
            None => "muted",
        };
        let _ = write!(h, "<p class=\"verdict {cls}\">{}</p>", esc(v));
    }
    if g.baseline.is_some() || g.after.is_some() || g.setup.is_some() {
        h.push_str("<div class=\"scroll\"><table><thead><tr><th></th><th>Result</th><th class=\"num\">Passed</th><th class=\"num\">Failed</th><th class=\"num\">Time</th><th>Failing tests</th></tr></thead><tbody>");
        if g.setup.is_some() {
            test_row(h, "Setup", g.setup.as_ref());
        }
        test_row(h, "Before", g.baseline.as_ref());
        test_row(h, "After", g.after.as_ref());
        h.push_str("</tbody></table></div>");
    }
    for (title, run) in [
        ("Setup output", &g.setup),
        ("Baseline output", &g.baseline),
        ("After-edit output", &g.after),
    ] {
        if let Some(t) = run.as_ref().filter(|t| !t.output_tail.trim().is_empty()) {
            let _ = write!(
                h,
                "<details><summary>{title} (end)</summary><pre>{}</pre></details>",
                esc(&clipped(&t.output_tail, TEXT_MAX))
            );
        }
    }
    h.push_str("</section>\n");
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

fn changes(h: &mut String, record: &RunRecord) {
    let diff = record.diff.as_deref().filter(|d| !d.trim().is_empty());
    if diff.is_none()
        && record.diff_stat.is_none()
        && record.files_edited.is_empty()
        && record.finish_summary.is_none()
    {
        return;
    }
    h.push_str("<section class=\"card\"><h2>Changes</h2>");
    if let Some(st) = &record.diff_stat {
        let _ = write!(
            h,
            "<p><b>{} file{} changed</b> <span class=\"add\">+{}</span> <span class=\"del\">−{}</span></p>",
            st.files,
            if st.files == 1 { "" } else { "s" },
            st.insertions,
            st.deletions
        );
    }
    if !record.files_edited.is_empty() {
        h.push_str("<ul class=\"files\">");
        for f in &record.files_edited {
            let _ = write!(h, "<li><code>{}</code></li>", esc(f));
        }
        h.push_str("</ul>");
    }
    if let Some(s) = &record.finish_summary {
        let _ = write!(
            h,
            "<details><summary>The model's summary of its fix</summary><pre class=\"wrap\">{}</pre></details>",
            esc(&clipped(s, TEXT_MAX))
        );
    }
    if let Some(d) = diff {
        let _ = write!(
            h,
            "<details open><summary>Diff</summary><pre class=\"diff\">{}</pre></details>",
            diff_html(&clipped(d, DIFF_MAX))
        );
    }
    h.push_str("</section>\n");
}

fn hop_cell(hop: &HopAttempt) -> String {
    match hop.class {
        None => "<span class=\"pill ok\">ok</span>".into(),
        Some(c) => format!(
            "<span class=\"pill bad\">{}{}</span> {}",
            esc(c.as_str()),
            hop.status.map(|s| format!(" {s}")).unwrap_or_default(),
            esc(&fmt::error_line(hop.error.as_deref().unwrap_or(""), 160))
        ),
    }
}

fn hops(h: &mut String, record: &RunRecord) {
    if record.hops.is_empty() && record.handoffs.is_empty() {
        return;
    }
    h.push_str("<section class=\"card\"><h2>Model calls</h2>");
    if !record.hops.is_empty() {
        h.push_str("<div class=\"scroll\"><table class=\"hops\"><thead><tr><th>Time</th><th class=\"num\">Hop</th><th>Model</th><th>Result</th><th class=\"num\">Latency</th><th class=\"num\">Tokens in / out</th><th class=\"num\">Cost</th><th>Then</th></tr></thead><tbody>");
        for hop in &record.hops {
            let _ = write!(
                h,
                "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"model\"><code>{}</code></td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{} / {}</td><td class=\"num\">{}</td><td>{}</td></tr>",
                esc(&fmt::clock(hop.at)),
                hop.hop,
                slug_html(&hop.model),
                hop_cell(hop),
                esc(&fmt::ms(hop.latency_ms)),
                esc(&fmt::tokens(hop.tokens_in)),
                esc(&fmt::tokens(hop.tokens_out)),
                esc(&fmt::cost(hop.cost_usd)),
                esc(&hop.action)
            );
        }
        h.push_str("</tbody></table></div>");
        let with_errors: Vec<&HopAttempt> = record
            .hops
            .iter()
            .filter(|x| x.error.as_deref().is_some_and(|e| !e.trim().is_empty()))
            .collect();
        if !with_errors.is_empty() {
            h.push_str("<details><summary>Full error texts</summary>");
            for hop in with_errors {
                let _ = write!(
                    h,
                    "<p><b>hop {} · <code>{}</code></b> at {}</p><pre class=\"wrap\">{}</pre>",
                    hop.hop,
                    esc(&hop.model),
                    esc(&fmt::clock(hop.at)),
                    esc(&clipped(hop.error.as_deref().unwrap_or(""), TEXT_MAX))
                );
            }
            h.push_str("</details>");
        }
    }
    for ho in &record.handoffs {
        let _ = write!(
            h,
            "<details><summary>Handoff at turn {}: <code>{}</code> → <code>{}</code> ({})</summary><pre class=\"wrap\">{}</pre></details>",
            ho.at_turn,
            esc(&ho.from),
            esc(&ho.to),
            esc(&ho.reason),
            esc(&clipped(&ho.summary, TEXT_MAX))
        );
    }
    h.push_str("</section>\n");
}

fn audit(h: &mut String, record: &RunRecord) {
    let Some(au) = &record.audit else { return };
    h.push_str("<section class=\"card\"><h2>Audit</h2>");
    if !au.chain.is_empty() {
        h.push_str("<p class=\"chain\">");
        let items: Vec<String> = au
            .chain
            .iter()
            .map(|m| format!("<code>{}</code>", esc(m)))
            .collect();
        h.push_str(&items.join(" <span class=\"arrow\">→</span> "));
        h.push_str("</p>");
    }
    if au.prompt_tokens > 0 {
        let _ = write!(
            h,
            "<p>First prompt ≈ {} tokens <span class=\"muted\">({})</span></p>",
            esc(&fmt::tokens(au.prompt_tokens)),
            esc(&au.prompt_tokens_method)
        );
    }
    if !au.candidates.is_empty() {
        h.push_str("<div class=\"scroll\"><table><thead><tr><th>Model</th><th>Usable</th><th class=\"num\">$/Mtok in / out</th><th>Price source</th><th class=\"num\">TPM left / limit</th><th class=\"num\">Context</th><th>Fits</th><th>Tools</th><th class=\"num\">Est. cost</th>");
        let notes = au
            .candidates
            .iter()
            .any(|c| c.class.is_some() || c.reason.is_some());
        if notes {
            h.push_str("<th>Note</th>");
        }
        h.push_str("</tr></thead><tbody>");
        for c in &au.candidates {
            let (cls, usable) = if c.viable {
                ("ok", "yes")
            } else if c.reachable {
                ("warn", "limited")
            } else {
                ("bad", "no")
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
                _ => String::new(),
            };
            let yn = |v: Option<bool>| match v {
                Some(true) => "yes",
                Some(false) => "no",
                None => "",
            };
            let note = match (&c.class, &c.reason) {
                (Some(cl), Some(r)) => format!("<code>{}</code> {}", esc(cl.as_str()), esc(r)),
                (Some(cl), None) => format!("<code>{}</code>", esc(cl.as_str())),
                (None, Some(r)) => esc(r),
                _ => String::new(),
            };
            let _ = write!(
                h,
                "<tr><td class=\"model\"><code>{}</code></td><td><span class=\"pill {cls}\">{usable}</span></td><td class=\"num\">{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td>{}</tr>",
                slug_html(&c.slug),
                esc(&price),
                super::summary::price_source(c.price_source),
                esc(&tpm),
                c.context_window.map(fmt::tokens).unwrap_or_default(),
                yn(c.fits),
                yn(c.supports_tools),
                c.est_run_cost_usd.map(fmt::cost).unwrap_or_default(),
                if notes {
                    format!("<td class=\"reason\">{note}</td>")
                } else {
                    String::new()
                },
            );
        }
        h.push_str("</tbody></table></div>");
    }
    if !au.risk_note.trim().is_empty() {
        let _ = write!(
            h,
            "<blockquote>{} <span class=\"muted\">— {}</span></blockquote>",
            esc(&au.risk_note),
            esc(&au.risk_note_author)
        );
    }
    h.push_str("</section>\n");
}

/// The SVG, ready to inline, or `None` when it is not a plain SVG document: it must start
/// with `<svg` (after an optional XML prolog and doctype) and hold no script, no foreign
/// HTML and no reference to anything outside the file.
pub(crate) fn safe_svg(svg: &str) -> Option<&str> {
    static PROLOG: OnceLock<Regex> = OnceLock::new();
    static UNSAFE: OnceLock<Regex> = OnceLock::new();
    let prolog = PROLOG.get_or_init(|| {
        Regex::new(r"^\s*(?:<\?xml[^>]*\?>\s*)?(?:<!--.*?-->\s*)*(?:<!DOCTYPE[^>\[]*(?:\[[^\]]*\])?\s*>\s*)?(?:<!--.*?-->\s*)*")
            .expect("static regex")
    });
    let unsafe_re = UNSAFE.get_or_init(|| {
        Regex::new(r#"(?is)<\s*script|<\s*foreignObject|\bon[a-z]+\s*=|javascript:|(?:href|src)\s*=\s*["']?\s*(?:[a-z][a-z0-9+.\-]*:|//)|url\(\s*["']?\s*(?:[a-z][a-z0-9+.\-]*:|//)|@import"#)
            .expect("static regex")
    });
    let svg = svg.trim_start_matches('\u{feff}');
    let trimmed = svg.trim_start();
    if !(trimmed.starts_with("<svg") || trimmed.starts_with("<?xml")) {
        return None;
    }
    let start = prolog.find(svg).map(|m| m.end()).unwrap_or(0);
    let body = &svg[start..];
    if !body.starts_with("<svg") || !body.trim_end().ends_with("</svg>") || unsafe_re.is_match(body)
    {
        return None;
    }
    Some(body.trim_end())
}

fn terrain(h: &mut String, record: &RunRecord, artefacts: &RunArtefacts) {
    let svg = artefacts.terrain_svg.as_deref().and_then(safe_svg);
    let heatmap = record
        .index
        .as_ref()
        .and_then(|i| i.heatmap.as_deref())
        .filter(|x| !x.trim().is_empty());
    if svg.is_none() && heatmap.is_none() && record.index.is_none() {
        return;
    }
    h.push_str("<section class=\"card\"><h2>Terrain</h2>");
    if let Some(idx) = &record.index {
        let _ = write!(
            h,
            "<p class=\"muted\">{} files indexed ({} parsed, {} cached, {} skipped), {} symbols, in {}.</p>",
            idx.files,
            idx.parsed,
            idx.cached,
            idx.skipped,
            idx.symbols,
            esc(&fmt::ms(idx.duration_ms))
        );
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
            if let Some(hm) = heatmap {
                let _ = write!(h, "<pre class=\"heatmap\">{}</pre>", esc(hm));
            }
        }
    }
    if let Some(idx) = &record.index
        && !idx.ranked.is_empty()
    {
        h.push_str("<details><summary>Files ranked for this issue</summary><ol class=\"ranked\">");
        for r in idx.ranked.iter().take(30) {
            let _ = write!(
                h,
                "<li><code>{}</code> <span class=\"muted\">{:.2} · {}</span></li>",
                esc(&r.path),
                r.score,
                esc(&r.reason)
            );
        }
        h.push_str("</ol></details>");
    }
    h.push_str("</section>\n");
}

/// Keys that make up a turn's one-line title rather than its body.
const TITLE_KEYS: [&str; 10] = [
    "turn", "type", "kind", "event", "role", "model", "tool", "name", "at", "ts",
];

fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => serde_json::to_string_pretty(other).unwrap_or_default(),
    }
}

fn transcript(h: &mut String, artefacts: &RunArtefacts) {
    if artefacts.trajectory.is_empty() {
        return;
    }
    let _ = write!(
        h,
        "<section class=\"card\"><h2>Transcript <span class=\"muted\">({} entries)</span></h2><div class=\"transcript\">",
        artefacts.trajectory.len()
    );
    for (i, entry) in artefacts.trajectory.iter().take(TURNS_MAX).enumerate() {
        let Some(obj) = entry.as_object() else {
            let _ = write!(
                h,
                "<details><summary><span class=\"n\">{}</span></summary><pre class=\"wrap\">{}</pre></details>",
                i + 1,
                esc(&clipped(&value_text(entry), TURN_FIELD_MAX))
            );
            continue;
        };
        let get = |k: &str| obj.get(k).filter(|v| !v.is_null()).map(value_text);
        let mut title = vec![];
        if let Some(t) = get("turn") {
            title.push(format!("turn {}", esc(&t)));
        }
        for k in ["type", "kind", "event", "role"] {
            if let Some(v) = get(k) {
                title.push(format!("<b>{}</b>", esc(&fmt::clip_chars(&v, 40))));
                break;
            }
        }
        for k in ["tool", "name"] {
            if let Some(v) = get(k) {
                title.push(format!("<code>{}</code>", esc(&fmt::clip_chars(&v, 60))));
                break;
            }
        }
        if let Some(m) = get("model") {
            title.push(format!(
                "<span class=\"muted\">{}</span>",
                esc(&fmt::clip_chars(&m, 60))
            ));
        }
        let error = obj
            .get("error")
            .is_some_and(|e| !e.is_null() && e != &Value::Bool(false))
            || obj.get("ok") == Some(&Value::Bool(false));
        let _ = write!(
            h,
            "<details{}><summary><span class=\"n\">{}</span> {}</summary><dl>",
            if error { " class=\"err\"" } else { "" },
            i + 1,
            title.join(" · ")
        );
        for (k, v) in obj {
            if TITLE_KEYS.contains(&k.as_str()) && !matches!(v, Value::Object(_) | Value::Array(_))
            {
                continue;
            }
            if v.is_null() {
                continue;
            }
            let _ = write!(
                h,
                "<dt>{}</dt><dd><pre class=\"wrap\">{}</pre></dd>",
                esc(k),
                esc(&clipped(&value_text(v), TURN_FIELD_MAX))
            );
        }
        h.push_str("</dl></details>");
    }
    if artefacts.trajectory.len() > TURNS_MAX {
        let _ = write!(
            h,
            "<p class=\"muted\">{} more entries are in trajectory.jsonl.</p>",
            artefacts.trajectory.len() - TURNS_MAX
        );
    }
    h.push_str("</div></section>\n");
}

const CSS: &str = r#"
:root{--bg:#f6f7f9;--card:#fff;--fg:#1c2128;--muted:#636c76;--line:#d8dee4;--code:#eff1f3;
--ok:#1a7f37;--ok-bg:#dafbe1;--bad:#cf222e;--bad-bg:#ffebe9;--warn:#9a6700;--warn-bg:#fff8c5;--accent:#0969da}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--card:#161b22;--fg:#e6edf3;--muted:#8d96a0;--line:#30363d;
--code:#21262d;--ok:#3fb950;--ok-bg:#12261e;--bad:#f85149;--bad-bg:#2d1618;--warn:#d29922;--warn-bg:#2e2610;--accent:#4493f8}}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1040px;margin:0 auto;padding:16px 12px 40px}
h1{font-size:1.45rem;line-height:1.3;margin:.2rem 0 .6rem;overflow-wrap:anywhere}
h1 a{color:inherit;text-decoration-thickness:1px;text-underline-offset:3px}
h2{font-size:1.1rem;margin:0 0 .7rem}
a{color:var(--accent)}
code,pre{font:13px/1.45 ui-monospace,SFMono-Regular,"SF Mono",Menlo,Consolas,"Liberation Mono",monospace}
code{background:var(--code);padding:.1em .35em;border-radius:4px;overflow-wrap:anywhere}
pre{background:var(--code);padding:10px 12px;border-radius:6px;overflow-x:auto;margin:.5rem 0;max-height:70vh}
pre code{background:none;padding:0}
pre.wrap{white-space:pre-wrap;overflow-wrap:anywhere}
.muted{color:var(--muted)}
.banner{background:var(--card);border:1px solid var(--line);border-left:6px solid var(--muted);border-radius:10px;padding:14px 16px;margin-bottom:14px}
.banner.ok{border-left-color:var(--ok)}.banner.bad{border-left-color:var(--bad)}.banner.warn{border-left-color:var(--warn)}
.kicker{font-weight:600;color:var(--muted);font-size:.9rem;text-transform:uppercase;letter-spacing:.04em}
.banner.ok .kicker{color:var(--ok)}.banner.bad .kicker{color:var(--bad)}.banner.warn .kicker{color:var(--warn)}
.demo{display:inline-block;background:var(--warn-bg);color:var(--warn);border:1px solid var(--warn);border-radius:4px;padding:0 6px;margin-left:6px;letter-spacing:.08em}
.note{background:var(--warn-bg);padding:6px 10px;border-radius:6px}
.facts{display:grid;grid-template-columns:repeat(auto-fill,minmax(140px,1fr));gap:8px 14px;margin:.4rem 0 0}
.facts div{min-width:0}.facts dt{font-size:.75rem;color:var(--muted);text-transform:uppercase;letter-spacing:.04em}
.facts dd{margin:0;font-weight:600;overflow-wrap:anywhere}
.stages{list-style:none;display:flex;flex-wrap:wrap;gap:6px;padding:0;margin:12px 0 0}
.stages li{border:1px solid var(--line);border-radius:999px;padding:2px 10px;font-size:.85rem;white-space:nowrap}
.stages li span{color:var(--muted)}
.stages .ok b{color:var(--ok)}.stages .bad b{color:var(--bad)}.stages .skip b{color:var(--muted)}
.stages .bad{border-color:var(--bad);background:var(--bad-bg)}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:14px 16px;margin-bottom:14px;min-width:0}
.advice .headline{font-size:1.15rem;font-weight:650;margin:.2rem 0 .6rem}
.advice.bad{border-top:3px solid var(--bad)}.advice.ok{border-top:3px solid var(--ok)}.advice.warn{border-top:3px solid var(--warn)}
.next{border:1px solid var(--accent);background:color-mix(in srgb,var(--accent) 8%,var(--card));border-radius:8px;padding:10px 12px;margin:.8rem 0}
.next .label{font-size:.75rem;font-weight:700;text-transform:uppercase;letter-spacing:.06em;color:var(--accent)}
.next p{margin:.2rem 0 0;font-weight:550}
.author{font-size:.85rem;color:var(--muted);margin:.3rem 0}
details{margin:.5rem 0}
summary{cursor:pointer;font-weight:600;padding:2px 0}
details.raw summary{color:var(--bad)}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch;margin:.4rem 0}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{border-bottom:1px solid var(--line);padding:6px 8px;text-align:left;vertical-align:top}
thead th{font-size:.78rem;color:var(--muted);text-transform:uppercase;letter-spacing:.03em;white-space:nowrap}
td.num,th.num{text-align:right;white-space:nowrap}
td.reason:not(:empty){min-width:14rem}
td.model{min-width:11rem}
td.model code{overflow-wrap:normal}
table.hops td:nth-child(4){min-width:16rem}
table.hops td:last-child{white-space:nowrap}
.pill{display:inline-block;border-radius:999px;padding:0 8px;font-size:.8rem;font-weight:600;white-space:nowrap}
.pill.ok{background:var(--ok-bg);color:var(--ok)}.pill.bad{background:var(--bad-bg);color:var(--bad)}.pill.warn{background:var(--warn-bg);color:var(--warn)}
.verdict.ok{color:var(--ok)}.verdict.bad{color:var(--bad)}
.add{color:var(--ok)}.del{color:var(--bad)}
pre.diff span{display:block;min-width:max-content}
pre.diff .add{background:var(--ok-bg)}pre.diff .del{background:var(--bad-bg)}
pre.diff .hunk{color:var(--accent)}pre.diff .meta{color:var(--muted);font-weight:600}
.files{columns:2 16rem;padding-left:1.2rem;margin:.4rem 0}
.chain code{white-space:nowrap}.arrow{color:var(--muted)}
blockquote{margin:.6rem 0;padding:.4rem .8rem;border-left:3px solid var(--line);color:var(--fg)}
.terrain{margin:0}
.terrain svg{display:block;width:100%;height:auto;max-height:80vh;border-radius:8px}
figcaption{font-size:.85rem;color:var(--muted);margin-top:.4rem}
pre.heatmap{line-height:1.1}
.transcript details{border:1px solid var(--line);border-radius:6px;padding:4px 10px;margin:6px 0}
.transcript details.err{border-color:var(--bad)}
.transcript summary{font-weight:500}
.transcript .n{display:inline-block;min-width:2.2em;color:var(--muted);font-variant-numeric:tabular-nums}
.transcript dl{margin:.3rem 0}.transcript dt{font-size:.78rem;color:var(--muted);margin-top:.4rem}.transcript dd{margin:0}
.plain{list-style:none;padding:0;margin:0}.plain li{margin:.25rem 0}
.pr a{font-weight:700;font-size:1.05rem}
footer{color:var(--muted);font-size:.8rem;text-align:center;margin-top:24px}
@media (max-width:600px){body{font-size:14px}main{padding:10px 8px 28px}.card,.banner{padding:12px}h1{font-size:1.2rem}
.facts{grid-template-columns:repeat(2,minmax(0,1fr))}pre{font-size:12px}.advice .headline{font-size:1.02rem}}
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn svg_gate() {
        let ok = r#"<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10"/></svg>"#;
        assert!(safe_svg(ok).unwrap().starts_with("<svg"));
        assert!(safe_svg("<svg><rect/></svg>\n").is_some());
        assert!(safe_svg("<html><svg></svg></html>").is_none());
        assert!(safe_svg("<svg><script>alert(1)</script></svg>").is_none());
        assert!(safe_svg(r#"<svg><image href="https://x.example/a.png"/></svg>"#).is_none());
        assert!(safe_svg(r#"<svg><rect onload="x()"/></svg>"#).is_none());
        assert!(safe_svg(r#"<svg><rect style="fill:url(http://x/y)"/></svg>"#).is_none());
        assert!(safe_svg(r##"<svg><use href="#a"/><rect fill="url(#g)"/></svg>"##).is_some());
        assert!(safe_svg("<svg>").is_none());
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(esc("<b>&"), "&lt;b&gt;&amp;");
        assert_eq!(a("x", "javascript:alert(1)"), "x");
        assert!(
            a("x", "https://github.com/o/r/pull/1")
                .starts_with("<a href=\"https://github.com/o/r/pull/1\"")
        );
        assert_eq!(inline_code("set `a<b` now"), "set <code>a&lt;b</code> now");
        assert_eq!(
            inline_code("Review https://github.com/o/r/pull/1, then"),
            "Review <a href=\"https://github.com/o/r/pull/1\" rel=\"noopener noreferrer\">https://github.com/o/r/pull/1</a>, then"
        );
        assert_eq!(linkify("x javascript:alert(1)"), "x javascript:alert(1)");
    }
}
