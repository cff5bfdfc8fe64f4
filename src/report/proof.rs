//! The proof section in Markdown: test edits, the re-run of the agent's tests against the
//! original code, and flaky baseline tests. The PR body and the job summary show it under
//! their own heading.

use super::view::{FLAKY, NO_TEST_FILE, PROOF_NAMES_SHOWN, ProofView, TEST_FILES, TESTS_ADDED};

/// Empty when there is nothing to say.
pub(crate) fn markdown(p: &ProofView, heading: &str) -> String {
    let tick = |t: &String| format!("`{t}`");
    let mut s = String::new();
    if !p.flaky.is_empty() {
        let names: Vec<String> = p.flaky.iter().take(PROOF_NAMES_SHOWN).map(tick).collect();
        s.push_str(&format!("{FLAKY} {}\n\n", names.join(", ")));
    }
    let Some(c) = &p.changes else {
        return s;
    };
    s.push_str(heading);
    if c.files.is_empty() {
        s.push_str(&format!("{NO_TEST_FILE}\n"));
    } else {
        let files: Vec<String> = c.files.iter().map(tick).collect();
        s.push_str(&format!("{TEST_FILES} {}\n", files.join(", ")));
    }
    if !c.added.is_empty() {
        let added: Vec<String> = c.added.iter().take(PROOF_NAMES_SHOWN).map(tick).collect();
        s.push_str(&format!("{TESTS_ADDED} {}\n", added.join(", ")));
    }
    s.push('\n');
    for line in &c.lines {
        s.push_str(&format!("- {line}\n"));
    }
    if let Some(n) = &c.note {
        s.push_str(&format!("\n_{n}_\n"));
    }
    s.push('\n');
    s
}

/// The PR body's section, under its own heading.
pub(crate) fn pr_section(record: &crate::run_record::RunRecord) -> String {
    markdown(&ProofView::of(record), "### Test changes\n\n")
}

/// The job summary's section, under a bold line.
pub(crate) fn summary_section(record: &crate::run_record::RunRecord) -> String {
    markdown(&ProofView::of(record), "**Test changes**\n\n")
}
