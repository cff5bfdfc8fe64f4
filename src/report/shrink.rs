//! Fitting a rendered report under a byte limit by shortening its largest variable parts
//! first (the diff, test output, raw errors, handoff summaries), re-rendering after each cut,
//! so the fixed parts (status, advice, tables) always survive.

use super::fmt;

/// Which end of a text carries its meaning: a diff or an error starts with it, test output
/// ends with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Keep {
    Head,
    Tail,
}

#[derive(Debug, Clone)]
pub(crate) struct Part {
    pub label: String,
    full: String,
    shown: String,
    keep: Keep,
}

impl Part {
    pub fn new(label: impl Into<String>, text: String, keep: Keep) -> Self {
        Part {
            label: label.into(),
            shown: text.clone(),
            full: text,
            keep,
        }
    }

    /// The text to render: the whole text, or what is left of it with a note saying so.
    pub fn text(&self) -> &str {
        &self.shown
    }

    pub fn is_cut(&self) -> bool {
        self.shown != self.full
    }

    pub fn original_len(&self) -> usize {
        self.full.len()
    }

    fn shrink_to(&mut self, max: usize, limit: usize) {
        let note = |kept: usize| {
            format!(
                "… [{} of {} cut here to fit {}; the full text is in the run directory]",
                fmt::bytes(self.full.len() - kept),
                fmt::bytes(self.full.len()),
                limit_phrase(limit)
            )
        };
        if max < 64 {
            self.shown = note(0).replacen("… [", "[", 1);
            return;
        }
        self.shown = match self.keep {
            Keep::Head => {
                let kept = fmt::head_bytes(&self.full, max);
                let sep = if kept.ends_with('\n') { "" } else { "\n" };
                format!("{kept}{sep}{}\n", note(kept.len()))
            }
            Keep::Tail => {
                let kept = fmt::tail_bytes(&self.full, max);
                format!("{}\n{kept}", note(kept.len()))
            }
        };
    }

    /// Bytes of the original still shown; the note is not counted.
    fn kept_len(&self) -> usize {
        if !self.is_cut() {
            return self.full.len();
        }
        // The note is one line; what is left is the rest.
        match self.keep {
            Keep::Head => self.shown.rfind("\n… [").unwrap_or(0),
            Keep::Tail => self
                .shown
                .find('\n')
                .map(|i| self.shown.len() - i - 1)
                .unwrap_or(0),
        }
    }
}

/// Render with `render` and, while the output is over `limit` bytes, cap the largest parts at
/// a common size: every part above the cap is cut to it, the smaller ones stay whole. The cap
/// is the largest (to within a few hundred bytes) that fits, found by bisection. When even
/// cutting every part to nothing is not enough, the rendered text itself is cut with a note.
pub(crate) fn fit(limit: usize, parts: &mut [Part], render: impl Fn(&[Part]) -> String) -> String {
    let out = render(parts);
    if out.len() <= limit {
        return out;
    }
    let Some(max_len) = parts.iter().map(Part::original_len).max() else {
        return hard_cut(&out, limit);
    };
    let apply = |parts: &mut [Part], cap: usize| {
        for p in parts.iter_mut() {
            if p.original_len() > cap {
                p.shrink_to(cap, limit);
            } else {
                p.shown = p.full.clone();
            }
        }
    };
    apply(parts, 0);
    let smallest = render(parts);
    if smallest.len() > limit {
        return hard_cut(&smallest, limit);
    }
    // Invariant: cap `lo` fits, cap `hi` does not.
    let (mut lo, mut hi) = (0usize, max_len);
    while hi - lo > 256 {
        let mid = lo + (hi - lo) / 2;
        apply(parts, mid);
        if render(parts).len() <= limit {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    apply(parts, lo);
    render(parts)
}

fn hard_cut(out: &str, limit: usize) -> String {
    let note = format!(
        "\n\n> **This summary was cut here to fit {}.** The full report is `report.html` in the run directory.\n",
        limit_phrase(limit)
    );
    let room = limit.saturating_sub(note.len());
    let mut s = fmt::head_bytes(out, room).to_string();
    s.push_str(&note);
    if s.len() > limit {
        // A limit smaller than the note itself: keep the limit, lose the note.
        return fmt::head_bytes(&s, limit).to_string();
    }
    s
}

/// What a cut was for, in words: GitHub's limit for the real summary, the given size otherwise.
pub(crate) fn limit_phrase(limit: usize) -> String {
    if limit >= super::SUMMARY_LIMIT {
        "GitHub's 1 MiB job-summary limit".into()
    } else {
        format!("a {} size limit", fmt::bytes(limit))
    }
}

/// One line per cut part, for the notice at the top of the report.
pub(crate) fn describe_cuts(parts: &[Part]) -> Vec<String> {
    parts
        .iter()
        .filter(|p| p.is_cut())
        .map(|p| {
            format!(
                "{} ({} → {})",
                p.label,
                fmt::bytes(p.original_len()),
                fmt::bytes(p.kept_len())
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_largest_first_and_fits() {
        let mut parts = vec![
            Part::new("diff", "d\n".repeat(50_000), Keep::Head),
            Part::new("output", "o\n".repeat(1_000), Keep::Tail),
        ];
        let out = fit(20_000, &mut parts, |p| {
            format!("HEAD\n{}\n{}\nEND", p[0].text(), p[1].text())
        });
        assert!(out.len() <= 20_000, "{}", out.len());
        assert!(parts[0].is_cut());
        assert!(!parts[1].is_cut(), "the small part is left alone");
        assert!(out.starts_with("HEAD\n") && out.ends_with("END"));
        assert!(out.contains("cut here to fit"));
    }

    #[test]
    fn tail_parts_keep_the_end() {
        let mut p = Part::new(
            "out",
            (0..1000).map(|i| format!("line {i}\n")).collect(),
            Keep::Tail,
        );
        p.shrink_to(100, 1000);
        assert!(p.text().ends_with("line 999\n"));
        assert!(p.text().starts_with("… ["));
    }

    #[test]
    fn fixed_text_too_big_is_hard_cut() {
        let mut parts: Vec<Part> = vec![];
        let out = fit(1_000, &mut parts, |_| "x".repeat(5_000));
        assert!(out.len() <= 1_000);
        assert!(out.contains("cut here to fit a 1000 B size limit"), "{out}");
    }
}
