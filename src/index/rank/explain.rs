//! The words people read: each signal's detail and a file's one-line reason.

use super::evidence::Evidence;
use super::signals::*;
use crate::index::FileKind;

pub(super) fn list(v: &[String]) -> String {
    let mut v: Vec<&String> = v.iter().collect();
    v.sort();
    v.dedup();
    v.iter()
        .take(3)
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

pub(super) fn detail(e: &mut Evidence, k: usize) -> String {
    match k {
        FRAME => {
            let lines: Vec<String> = e.frame_lines.iter().map(|l| l.to_string()).collect();
            format!("stack trace line {}", lines.join(", "))
        }
        PATH => "path written in the issue".into(),
        PACKAGE => format!("module {}", list(&e.package)),
        DEFINES => format!("defines {}", list(&e.symbols)),
        USES => format!("uses {}", list(&e.uses)),
        LITERAL => {
            let lines: Vec<String> = e.literals.iter().take(3).map(|l| l.1.clone()).collect();
            format!(
                "{} quoted literal(s): {}",
                e.literals.len(),
                lines.join(", ")
            )
        }
        BM25 => {
            e.words.sort_by(|a, b| b.0.total_cmp(&a.0));
            let w: Vec<&str> = e.words.iter().take(4).map(|(_, w)| w.as_str()).collect();
            format!("words: {}", w.join(", "))
        }
        BM25_RANK => format!("rank {} by words", e.lexical_rank),
        GRAPH => "linked by references to the files above".into(),
        _ => String::new(),
    }
}

pub(super) fn reason(e: &mut Evidence, kind: FileKind) -> String {
    let mut parts: Vec<String> = Vec::new();
    if !e.frame_lines.is_empty() {
        let lines: Vec<String> = e.frame_lines.iter().map(|l| l.to_string()).collect();
        parts.push(format!("in the stack trace (line {})", lines.join(", ")));
    } else if e.path_mentioned {
        parts.push("path mentioned".into());
    } else if !e.package.is_empty() {
        parts.push(format!("module {} named", list(&e.package)));
    }
    if !e.symbols.is_empty() {
        parts.push(format!("defines {} named in the issue", list(&e.symbols)));
    } else if !e.uses.is_empty() {
        parts.push(format!("uses {} named in the issue", list(&e.uses)));
    }
    if !e.literals.is_empty() {
        parts.push(format!(
            "has {} string(s) quoted in the issue",
            e.literals.len()
        ));
    }
    if !e.words.is_empty() {
        parts.push(detail(e, BM25));
    }
    if e.raw[GRAPH] >= 0.25 {
        parts.push("linked by references to the files above".into());
    }
    if parts.is_empty() {
        parts.push("reachable through references".into());
    }
    if kind == FileKind::Test && e.symbols.is_empty() && !e.path_mentioned {
        parts.push("test file".into());
    }
    parts.join("; ")
}
