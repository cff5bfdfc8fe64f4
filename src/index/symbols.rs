//! Symbol-level hints: within a ranked file, which functions and classes the issue points
//! at (a frame line or a quoted literal inside their range, their name or its words named
//! in the issue), so the repo map can show the agent where to start with line ranges.

use std::collections::HashSet;

use super::FileEntry;
use super::rank::{Named, RankedSymbol};
use super::terms::for_each_term;

/// Symbols kept per file.
const TOP: usize = 5;

/// The file's definitions related to the issue, best first (at most [`TOP`]).
pub(crate) fn rank_symbols(
    file: &FileEntry,
    issue: &str,
    named: &[Named],
    frame_lines: &[usize],
    literal_lines: &[usize],
) -> Vec<RankedSymbol> {
    let defs = &file.definitions;
    if defs.is_empty() {
        return Vec::new();
    }
    let mut words: HashSet<u32> = HashSet::new();
    for_each_term(issue, |_, h| {
        words.insert(h);
    });
    let end = |i: usize| defs[i].end_line.max(defs[i].line);
    // The innermost definition holding `line`: a frame in a method credits the method,
    // not the whole class.
    let innermost = |line: usize| -> Option<usize> {
        (0..defs.len())
            .filter(|&i| defs[i].line <= line && line <= end(i))
            .min_by_key(|&i| end(i) - defs[i].line)
    };
    let mut score = vec![0.0f64; defs.len()];
    let mut why: Vec<Vec<String>> = vec![Vec::new(); defs.len()];
    for &l in frame_lines {
        if let Some(i) = innermost(l) {
            score[i] += 8.0;
            why[i].push(format!("stack trace line {l}"));
        }
    }
    for &l in literal_lines {
        if let Some(i) = innermost(l) {
            score[i] += 3.0;
            why[i].push(format!("quoted string at line {l}"));
        }
    }
    for (i, d) in defs.iter().enumerate() {
        if let Some(n) = named.iter().find(|n| n.name == d.name) {
            score[i] += 2.0 + n.spec;
            why[i].push(format!("`{}` named in the issue", d.name));
        } else {
            // Words of a compound name the issue uses: `fixture_scope` for "fixture scope".
            let (mut hit, mut all) = (0, 0);
            for_each_term(&d.name, |_, h| {
                all += 1;
                hit += usize::from(words.contains(&h));
            });
            if hit > 0 && all > 1 {
                score[i] += hit as f64 / all as f64;
                why[i].push("words of its name in the issue".into());
            }
        }
    }
    let mut order: Vec<usize> = (0..defs.len()).filter(|&i| score[i] > 0.0).collect();
    order.sort_by(|&a, &b| score[b].total_cmp(&score[a]).then(a.cmp(&b)));
    order
        .into_iter()
        .take(TOP)
        .map(|i| RankedSymbol {
            name: defs[i].name.clone(),
            kind: defs[i].kind.clone(),
            line: defs[i].line,
            end_line: end(i),
            score: (score[i] * 1000.0).round() / 1000.0,
            why: why[i].join("; "),
        })
        .collect()
}
