//! The advisor's labelled evaluation set: run directories of real failure shapes (run.json
//! and trajectory.jsonl as the pipeline wrote them, recorded by
//! `scripts/advisor-fixtures.sh`), each with `expected.json`: the class and reason the run
//! must carry, and the words the advice must (and must not) hold. The integration test holds
//! the built-in advisor to every case; `examples/bench_advisor.rs` scores a model-written
//! advisor on the same set.

use std::path::Path;

use serde::Deserialize;

use crate::run_record::{Advice, RunRecord};

#[derive(Debug, Deserialize)]
pub struct Expected {
    pub class: String,
    #[serde(default)]
    pub reason: Option<String>,
    /// Each must appear in the next step (case-insensitive).
    #[serde(default)]
    pub next_step_has: Vec<String>,
    /// None may appear in the next step: the advice that would be wrong here.
    #[serde(default)]
    pub next_step_lacks: Vec<String>,
    /// Each must appear in the headline or the body.
    #[serde(default)]
    pub says: Vec<String>,
}

/// Where the set lives in the source tree.
pub const CASES_DIR: &str = "tests/it/fixtures/advisor";

/// Every case under `dir` (a folder per case holding run.json and expected.json), by name.
pub fn load_cases(dir: &Path) -> Result<Vec<Case>, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut cases = vec![];
    for e in entries.filter_map(|e| e.ok()) {
        let dir = e.path();
        if !dir.join("expected.json").is_file() {
            continue;
        }
        let name = e.file_name().to_string_lossy().into_owned();
        let record = RunRecord::read(&dir).map_err(|e| format!("{name}: {e}"))?;
        let text = std::fs::read_to_string(dir.join("expected.json"))
            .map_err(|e| format!("{name}/expected.json: {e}"))?;
        let expected: Expected =
            serde_json::from_str(&text).map_err(|e| format!("{name}/expected.json: {e}"))?;
        cases.push(Case {
            name,
            record,
            expected,
        });
    }
    cases.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(cases)
}

pub struct Case {
    pub name: String,
    pub record: RunRecord,
    pub expected: Expected,
}

/// What is wrong with `advice` for this case; empty when it is right.
pub fn misses(record: &RunRecord, expected: &Expected, advice: &Advice) -> Vec<String> {
    let mut out = vec![];
    let class = record
        .failure
        .as_ref()
        .map(|f| f.class.as_str().to_string())
        .unwrap_or_else(|| "none".into());
    if class != expected.class {
        out.push(format!("class {class}, expected {}", expected.class));
    }
    let reason = record
        .failure
        .as_ref()
        .and_then(|f| f.reason)
        .map(|r| r.as_str().to_string());
    if reason != expected.reason {
        out.push(format!("reason {reason:?}, expected {:?}", expected.reason));
    }
    let next = advice.next_step.to_lowercase();
    for w in &expected.next_step_has {
        if !next.contains(&w.to_lowercase()) {
            out.push(format!("next step lacks {w:?}: {}", advice.next_step));
        }
    }
    for w in &expected.next_step_lacks {
        if next.contains(&w.to_lowercase()) {
            out.push(format!("next step says {w:?}: {}", advice.next_step));
        }
    }
    let text = format!("{}\n{}", advice.headline, advice.body).to_lowercase();
    for w in &expected.says {
        if !text.contains(&w.to_lowercase()) {
            out.push(format!("advice lacks {w:?}: {}", advice.headline));
        }
    }
    out
}
