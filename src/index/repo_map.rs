//! The token-budgeted repo map for the prompt: top-ranked files with the signatures of
//! their definitions and line numbers, counted with tiktoken and trimmed to the budget.
//! Each file's symbols the issue points at come first, with their line ranges and why
//! (the symbol-level ranking), so the agent knows where to start reading.

use super::{Index, Ranked};
use crate::tokens;

/// Most definitions listed per file; long files get a "… N more" line instead.
const MAX_DEFS_PER_FILE: usize = 40;

/// The map of the files in `ranked` (best first) that fits in `budget_tokens`.
/// Files are added whole while they fit; the first that does not fit is shortened to as
/// many signatures as fit, then the map ends.
pub fn repo_map(index: &Index, ranked: &[Ranked], budget_tokens: usize) -> String {
    let mut out = String::new();
    let mut used = 0usize;
    for r in ranked {
        let Some(i) = index.position(&r.path) else {
            continue;
        };
        let f = &index.files[i];
        let header = format!("{} ({} lines; {})\n", f.path, f.lines, r.reason);
        let header_cost = tokens::count(&header);
        if used + header_cost > budget_tokens {
            break;
        }
        let mut block = header;
        let mut cost = header_cost;
        let mut complete = true;
        let shown = f.definitions.len().min(MAX_DEFS_PER_FILE);
        let focus: Vec<String> = r
            .symbols
            .iter()
            .filter_map(|s| {
                let d = f
                    .definitions
                    .iter()
                    .find(|d| d.line == s.line && d.name == s.name)?;
                Some(format!(
                    "{:>6}│ {}  ◀ lines {}-{}: {}\n",
                    d.line, d.signature, s.line, s.end_line, s.why
                ))
            })
            .collect();
        let rest = f.definitions[..shown]
            .iter()
            .filter(|d| {
                !r.symbols
                    .iter()
                    .any(|s| s.line == d.line && s.name == d.name)
            })
            .map(|d| format!("{:>6}│ {}\n", d.line, d.signature));
        for line in focus.into_iter().chain(rest) {
            let c = tokens::count(&line);
            if used + cost + c > budget_tokens {
                complete = false;
                break;
            }
            block.push_str(&line);
            cost += c;
        }
        if complete && f.definitions.len() > shown {
            let more = format!(
                "      │ … {} more definitions\n",
                f.definitions.len() - shown
            );
            let c = tokens::count(&more);
            if used + cost + c <= budget_tokens {
                block.push_str(&more);
                cost += c;
            }
        }
        out.push_str(&block);
        used += cost;
        if !complete {
            break;
        }
    }
    out
}
