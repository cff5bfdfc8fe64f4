//! The scheduled triage run's job summary: what it picked, skipped and left for later.

use crate::github::triage::TriagePlan;

pub fn triage_summary(plan: &TriagePlan, label: &str, cap: usize) -> String {
    let mut s = format!(
        "## OctaGit triage\n\nOpen issues labelled `{label}`: **{}** selected",
        plan.selected.len()
    );
    s.push_str(&format!(
        ", {} skipped, {} left for a later run (cap {cap} per run).\n\n",
        plan.skipped.len(),
        plan.deferred.len()
    ));
    if !plan.selected.is_empty() {
        s.push_str("| issue | title |\n|---|---|\n");
        for (n, t) in &plan.selected {
            s.push_str(&format!("| #{n} | {} |\n", t.replace('|', "\\|")));
        }
        s.push('\n');
    }
    if !plan.skipped.is_empty() {
        s.push_str("Skipped:\n\n");
        for (n, r) in &plan.skipped {
            s.push_str(&format!("- #{n}: {r}\n"));
        }
        s.push('\n');
    }
    if plan.selected.is_empty() {
        s.push_str("Nothing to do: the fan-out job is skipped.\n");
    }
    s
}
