//! The page's transcript viewer: one collapsed entry per `trajectory.jsonl` line, its
//! title from the entry's kind, tool and model, its fields below.

use std::fmt::Write as _;

use serde_json::Value;

use super::RunArtefacts;
use super::text::{clipped, esc};
use crate::report::fmt;

/// Beyond these the page stays usable; the full texts are in the run directory.
const TURN_FIELD_MAX: usize = 64 * 1024;
const TURNS_MAX: usize = 2_000;

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

pub(super) fn transcript(h: &mut String, artefacts: &RunArtefacts) {
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
