//! Where `edit_file`'s old text is in a file: exactly once, or else a hint that tells the
//! model what the file holds near where it aimed (whitespace-only differences, read_file's
//! line numbers copied along, the most similar line).

use super::text::numbered;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub text: String,
    /// 1-based line where the replaced text started.
    pub start_line: usize,
    pub old_lines: usize,
    pub new_lines: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EditError {
    /// With a hint telling the model what the file holds near where it aimed.
    NotFound(String),
    /// The 1-based start lines of every occurrence.
    NotUnique(Vec<usize>),
    NoChange,
}

/// Replace the one exact occurrence of `old` in `text` with `new`. A file with CRLF line
/// ends also matches `old` written with LF (models rarely send `\r`).
pub fn apply_edit(text: &str, old: &str, new: &str) -> Result<Edit, EditError> {
    if old == new {
        return Err(EditError::NoChange);
    }
    let crlf = text.contains("\r\n") && !old.contains('\r');
    let (old, new) = if crlf && !text.contains(old) {
        (old.replace('\n', "\r\n"), new.replace('\n', "\r\n"))
    } else {
        (old.to_string(), new.to_string())
    };
    let starts: Vec<usize> = text.match_indices(old.as_str()).map(|(i, _)| i).collect();
    let line_of = |byte: usize| text[..byte].matches('\n').count() + 1;
    match starts.as_slice() {
        [] => Err(EditError::NotFound(not_found_hint(text, &old))),
        [at] => {
            let mut out = String::with_capacity(text.len() + new.len());
            out.push_str(&text[..*at]);
            out.push_str(&new);
            out.push_str(&text[at + old.len()..]);
            Ok(Edit {
                text: out,
                start_line: line_of(*at),
                old_lines: old.lines().count().max(1),
                new_lines: new.lines().count(),
            })
        }
        many => Err(EditError::NotUnique(
            many.iter().map(|&i| line_of(i)).collect(),
        )),
    }
}

fn not_found_hint(text: &str, old: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let old_lines: Vec<&str> = old.lines().collect();
    let mut hint = String::new();
    static NUMBERED: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let numbered_re =
        NUMBERED.get_or_init(|| regex::Regex::new(r"^\s*\d+\t").expect("static regex"));
    if !old_lines.is_empty() && old_lines.iter().all(|l| numbered_re.is_match(l)) {
        hint.push_str("old_text seems to include read_file's line numbers; leave them out. ");
    }
    // Same lines apart from indentation and trailing spaces?
    let wanted: Vec<&str> = old_lines.iter().map(|l| l.trim()).collect();
    if wanted.iter().any(|l| !l.is_empty()) && wanted.len() <= lines.len() {
        let found: Vec<usize> = (0..=lines.len() - wanted.len())
            .filter(|&i| {
                lines[i..i + wanted.len()]
                    .iter()
                    .map(|l| l.trim())
                    .eq(wanted.iter().copied())
            })
            .collect();
        if let Some(&i) = found.first() {
            hint.push_str(&format!(
                "It matches lines {}-{} if whitespace is ignored; the exact text there is:\n{}",
                i + 1,
                i + wanted.len(),
                numbered(&lines, i + 1, i + wanted.len())
            ));
            return hint;
        }
    }
    let first = old_lines
        .iter()
        .map(|l| l.trim())
        .find(|l| !l.is_empty())
        .unwrap_or("");
    let best = lines
        .iter()
        .enumerate()
        .map(|(i, l)| (i, similarity(first, l.trim())))
        .max_by(|a, b| a.1.total_cmp(&b.1));
    match best {
        Some((i, score)) if score >= 0.5 => {
            let from = i.saturating_sub(2) + 1;
            let to = (i + 1 + old_lines.len().max(3)).min(lines.len());
            hint.push_str(&format!(
                "The line most like the start of old_text is line {}; lines {from}-{to} read:\n{}",
                i + 1,
                numbered(&lines, from, to)
            ));
        }
        _ => hint.push_str(&format!(
            "No line of the file ({} lines) resembles the first line of old_text; read the file again with read_file and copy the text exactly.",
            lines.len()
        )),
    }
    hint
}

/// Dice coefficient over character bigrams: 1.0 for equal strings, 0.0 for nothing shared.
fn similarity(a: &str, b: &str) -> f64 {
    if a == b {
        return 1.0;
    }
    let grams = |s: &str| -> Vec<(char, char)> {
        let c: Vec<char> = s.chars().collect();
        c.windows(2).map(|w| (w[0], w[1])).collect()
    };
    let (ga, gb) = (grams(a), grams(b));
    if ga.is_empty() || gb.is_empty() {
        return 0.0;
    }
    let mut pool = gb.clone();
    let mut shared = 0usize;
    for g in &ga {
        if let Some(p) = pool.iter().position(|x| x == g) {
            pool.swap_remove(p);
            shared += 1;
        }
    }
    2.0 * shared as f64 / (ga.len() + gb.len()) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_replaces_unique_text() {
        let e = apply_edit("a\nb\nc\n", "b\n", "B1\nB2\n").unwrap();
        assert_eq!(e.text, "a\nB1\nB2\nc\n");
        assert_eq!((e.start_line, e.old_lines, e.new_lines), (2, 1, 2));
    }

    #[test]
    fn edit_not_unique_lists_lines() {
        let err = apply_edit("x = 1\ny\nx = 1\n", "x = 1", "x = 2").unwrap_err();
        assert_eq!(err, EditError::NotUnique(vec![1, 3]));
    }

    #[test]
    fn edit_crlf_file_matches_lf_old_text() {
        let e = apply_edit("a\r\nb\r\nc\r\n", "a\nb", "a\nB").unwrap();
        assert_eq!(e.text, "a\r\nB\r\nc\r\n");
    }

    #[test]
    fn not_found_hints_whitespace_and_similar_lines() {
        let text = "def add(a, b):\n    return a - b\n\ndef sub(a, b):\n    return a - b + 0\n";
        let EditError::NotFound(h) =
            apply_edit(text, "def add(a, b):\nreturn a - b", "x").unwrap_err()
        else {
            panic!()
        };
        assert!(h.contains("lines 1-2 if whitespace is ignored"), "{h}");
        assert!(h.contains("    2\t    return a - b"), "{h}");

        let EditError::NotFound(h) = apply_edit(text, "def ad(a, b, c):", "x").unwrap_err() else {
            panic!()
        };
        assert!(h.contains("line 1;"), "{h}");

        let EditError::NotFound(h) = apply_edit(text, "    1\tdef add(a, b):", "x").unwrap_err()
        else {
            panic!()
        };
        assert!(h.contains("line numbers"), "{h}");

        let EditError::NotFound(h) = apply_edit(text, "zzzz qqqq", "x").unwrap_err() else {
            panic!()
        };
        assert!(h.contains("No line"), "{h}");
    }
}
