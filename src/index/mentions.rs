//! What an issue mentions: paths, stack frames (`File "x.py", line 3`, `x.rs:12:5`) and
//! code-looking identifiers.

use std::collections::HashMap;
use std::sync::OnceLock;

use regex::Regex;

use super::terms::identifiers;

pub(crate) fn re(pattern: &str) -> Regex {
    Regex::new(pattern).expect("static regex")
}

/// Path-like strings: `a/b/c.py`, `c.py`, `C:\x\y.rs`.
pub(crate) fn path_re() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| re(r"(?:[A-Za-z]:)?[\w.\-/\\]*[\w\-]\.[A-Za-z][A-Za-z0-9]{0,7}\b"))
}

/// Stack frames: Python `File "x.py", line 12`, and `path/x.rs:12` / `x.go:12:5` forms.
pub(crate) fn frame_res() -> &'static [Regex; 2] {
    static R: OnceLock<[Regex; 2]> = OnceLock::new();
    R.get_or_init(|| {
        [
            re(r#"File "([^"]+)", line (\d+)"#),
            re(r"((?:[A-Za-z]:)?[\w.\-/\\]*[\w\-]\.[A-Za-z][A-Za-z0-9]{0,7}):(\d+)(?::\d+)?"),
        ]
    })
}

/// Code-looking identifiers in the issue: in backticks, followed by `(`, dotted, or
/// compound (snake_case, camelCase). Plain words may still be symbols, weighted lower.
pub(crate) fn issue_identifiers(issue: &str) -> HashMap<String, bool> {
    static TICKS: OnceLock<Regex> = OnceLock::new();
    static CALL: OnceLock<Regex> = OnceLock::new();
    static DOTTED: OnceLock<Regex> = OnceLock::new();
    let ticks = TICKS.get_or_init(|| re(r"`([^`\n]{1,200})`"));
    let call = CALL.get_or_init(|| re(r"([A-Za-z_][A-Za-z0-9_]*)\s*\("));
    let dotted =
        DOTTED.get_or_init(|| re(r"[A-Za-z_][A-Za-z0-9_]*(?:(?:\.|::|->)[A-Za-z_][A-Za-z0-9_]*)+"));
    let mut out: HashMap<String, bool> = HashMap::new();
    let mut code = |s: &str| {
        for id in identifiers(s) {
            out.insert(id.to_string(), true);
        }
    };
    for c in ticks.captures_iter(issue) {
        code(&c[1]);
    }
    for c in call.captures_iter(issue) {
        code(&c[1]);
    }
    for m in dotted.find_iter(issue) {
        // `foo.py` is a file, not a member access.
        if !looks_like_file(m.as_str()) {
            code(m.as_str());
        }
    }
    for id in identifiers(issue) {
        let compound = id.contains('_') && id.trim_matches('_').len() > 1
            || id.chars().skip(1).any(|c| c.is_uppercase()) && id.chars().any(|c| c.is_lowercase());
        out.entry(id.to_string())
            .and_modify(|c| *c |= compound)
            .or_insert(compound);
    }
    out
}

/// Identifiers the issue names in its title or in prose: lines of words with stop words
/// among them, outside code fences, tracebacks and REPL or indented example code. The
/// rest (its example models, its traceback's functions) is context, not a pointer.
pub(crate) fn prose_identifiers(issue: &str) -> std::collections::HashSet<&str> {
    let stop = super::terms::stopwords();
    let mut out: std::collections::HashSet<&str> = identifiers(title(issue)).collect();
    let mut fenced = false;
    let mut after_frame = false;
    for line in issue.lines() {
        let t = line.trim();
        if t.starts_with("```") || t.starts_with("~~~") {
            fenced = !fenced;
            continue;
        }
        let frame = t.starts_with("File \"");
        let code = fenced
            || frame
            || after_frame
            || t.starts_with(">>>")
            || t.starts_with("...")
            || t.starts_with('$')
            || t.starts_with('%')
            || t.starts_with("import ")
            || t.starts_with("from ") && t.contains(" import ")
            || t.starts_with("def ")
            || t.starts_with("class ")
            || t.starts_with('@')
            || t.contains(" = ")
            || line.starts_with("    ")
            || line.starts_with('\t')
                && !line.trim_start_matches('\t').is_empty()
                && t.ends_with([':', ')', ',', '(', '[', '{', ']', '}']);
        after_frame = frame;
        if code {
            continue;
        }
        let words: Vec<&str> = t.split_whitespace().collect();
        let stops = words
            .iter()
            .filter(|w| {
                stop.contains(
                    w.trim_matches(|c: char| !c.is_ascii_alphabetic())
                        .to_ascii_lowercase()
                        .as_str(),
                )
            })
            .count();
        if words.len() >= 4 && stops * 5 >= words.len() {
            out.extend(identifiers(t));
        }
    }
    out
}

/// The issue's title: its first non-empty line (callers pass "title\nbody").
pub(crate) fn title(issue: &str) -> &str {
    issue.lines().find(|l| !l.trim().is_empty()).unwrap_or("")
}

/// `a/b.py` or `b.py` is a file; `Settings.merge` is a member access.
pub(crate) fn looks_like_file(s: &str) -> bool {
    const EXTS: &[&str] = &[
        "py", "pyi", "rs", "js", "jsx", "mjs", "ts", "tsx", "go", "java", "c", "h", "cc", "cpp",
        "hpp", "rb", "php", "md", "txt", "json", "yaml", "yml", "toml", "cfg", "ini", "html",
        "css", "sh", "kt", "cs", "swift", "scala", "lock", "xml", "sql", "rst",
    ];
    if s.contains("::") || s.contains("->") {
        return false;
    }
    s.contains('/')
        || s.rsplit_once('.')
            .is_some_and(|(_, e)| EXTS.contains(&e.to_ascii_lowercase().as_str()))
}

pub(crate) fn components(p: &str) -> Vec<&str> {
    p.split(['/', '\\'])
        .filter(|s| !s.is_empty() && *s != ".")
        .collect()
}

/// Trailing path components `candidate` and `file` share.
pub(crate) fn common_suffix(candidate: &[&str], file: &[&str]) -> usize {
    candidate
        .iter()
        .rev()
        .zip(file.iter().rev())
        .take_while(|(a, b)| a == b)
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_code_identifiers_in_issue() {
        let ids = issue_identifiers(
            "Calling `load()` on Settings.merge breaks parse_config; the value is wrong",
        );
        assert_eq!(ids.get("load"), Some(&true));
        assert_eq!(ids.get("merge"), Some(&true));
        assert_eq!(ids.get("parse_config"), Some(&true));
        assert_eq!(ids.get("value"), Some(&false));
    }

    #[test]
    fn prose_names_exclude_example_code_and_tracebacks() {
        let issue = "Crash in `merge_rows`\nCalling load_table with two frames crashes it.\n```python\nimport pandas as pd\ndf = read_frame(x)\n```\n>>> build_index(df)\nTraceback (most recent call last):\n  File \"/srv/x.py\", line 3, in inner_step\n    run_inner(x)\nclass Model(models.Model):\n\tname = models.CharField(max_length=3)\nfrom app.models import Thing\nThe error says that the window of the frame is not set.";
        let prose = prose_identifiers(issue);
        for name in ["merge_rows", "load_table", "window"] {
            assert!(prose.contains(name), "{name}: {prose:?}");
        }
        for name in [
            "read_frame",
            "build_index",
            "inner_step",
            "run_inner",
            "CharField",
            "Thing",
        ] {
            assert!(!prose.contains(name), "{name}: {prose:?}");
        }
    }

    #[test]
    fn parses_stack_frames() {
        let text = "Traceback:\n  File \"/usr/lib/app/core/db.py\", line 42, in run\nthread 'main' panicked at src/x.rs:12:5";
        let got: Vec<(String, String)> = frame_res()
            .iter()
            .flat_map(|r| {
                r.captures_iter(text)
                    .map(|c| (c[1].to_string(), c[2].to_string()))
                    .collect::<Vec<_>>()
            })
            .collect();
        assert!(
            got.contains(&("/usr/lib/app/core/db.py".into(), "42".into())),
            "{got:?}"
        );
        assert!(got.contains(&("src/x.rs".into(), "12".into())), "{got:?}");
    }
}
