//! Text as the model is shown it: within a budget, long lines cut, lines numbered the way
//! `read_file` numbers them, and every cut said.

pub(crate) const MAX_LINE_CHARS: usize = 2_000;

/// `text` within `budget` characters, cut at a line end where one is near, with the cut said.
pub fn truncate_for_model(text: &str, budget: usize) -> String {
    if text.len() <= budget || text.chars().count() <= budget {
        return text.to_string();
    }
    let mut cut = text
        .char_indices()
        .nth(budget)
        .map(|(i, _)| i)
        .unwrap_or(text.len());
    if let Some(nl) = text[..cut].rfind('\n')
        && nl > cut * 4 / 5
    {
        cut = nl + 1;
    }
    format!(
        "{}\n[truncated: {} more bytes]",
        &text[..cut],
        text.len() - cut
    )
}

pub(crate) fn cut_line(line: &str) -> String {
    if line.len() <= MAX_LINE_CHARS {
        return line.to_string();
    }
    let end = line
        .char_indices()
        .nth(MAX_LINE_CHARS)
        .map(|(i, _)| i)
        .unwrap_or(line.len());
    format!(
        "{}… [line cut: {} more bytes]",
        &line[..end],
        line.len() - end
    )
}

/// The last non-empty line: where error types put the part worth showing.
pub(crate) fn last_line(s: &str) -> &str {
    s.lines()
        .map(str::trim)
        .rfind(|l| !l.is_empty())
        .unwrap_or(s)
}

/// Lines `from..=to` (1-based) with their numbers, as read_file shows them.
pub(crate) fn numbered(lines: &[&str], from: usize, to: usize) -> String {
    let mut s = String::new();
    for n in from..=to.min(lines.len()) {
        s.push_str(&format!("{n:>5}\t{}\n", cut_line(lines[n - 1])));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_is_said() {
        let text = "line\n".repeat(1000);
        let t = truncate_for_model(&text, 100);
        assert!(t.len() < 200);
        assert!(
            t.ends_with(&format!("[truncated: {} more bytes]", text.len() - 100)),
            "{t}"
        );
        assert_eq!(truncate_for_model("short", 100), "short");
        // Multi-byte text is cut on a character boundary.
        let t = truncate_for_model(&"é".repeat(300), 100);
        assert!(t.starts_with(&"é".repeat(100)));
    }

    #[test]
    fn long_lines_are_cut_and_said() {
        let line = "x".repeat(MAX_LINE_CHARS + 5);
        assert!(cut_line(&line).ends_with("[line cut: 5 more bytes]"));
        assert_eq!(numbered(&["a", "b"], 2, 9), "    2\tb\n");
    }
}
