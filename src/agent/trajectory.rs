//! `trajectory.jsonl`: one JSON line per model turn, tool call, tool result, note and
//! handoff. Each line is redacted and written with one `write` call and no user-space
//! buffer, so a run that crashes keeps every line written before the crash.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::tools::ToolOutcome;
use crate::provider::ToolCall;

pub const FILE_NAME: &str = "trajectory.jsonl";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Model,
    ToolCall,
    ToolResult,
    Note,
    Handoff,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub turn: u32,
    pub kind: Kind,
    pub ts: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hop: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Tool name for calls and results.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_id: Option<String>,
    /// The call's arguments: the parsed JSON when they parse, the raw text otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arguments: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_error: Option<bool>,
    /// The hallucination or refusal signal of a tool result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signal: Option<String>,
}

impl Entry {
    pub fn new(turn: u32, kind: Kind) -> Entry {
        Entry {
            turn,
            kind,
            ts: Utc::now(),
            hop: None,
            model: None,
            name: None,
            call_id: None,
            arguments: None,
            content: None,
            is_error: None,
            signal: None,
        }
    }
}

pub struct Trajectory {
    file: File,
    path: PathBuf,
}

impl Trajectory {
    /// Open `path` for appending, creating directories as needed. A path ending in
    /// `.jsonl` is the file itself; any other path is the run directory, which gets
    /// `trajectory.jsonl` inside it.
    pub fn create(path: &Path) -> std::io::Result<Trajectory> {
        let is_file = path.extension().is_some_and(|e| e == "jsonl");
        let path = if is_file {
            path.to_path_buf()
        } else {
            path.join(FILE_NAME)
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let file = OpenOptions::new().create(true).append(true).open(&path)?;
        Ok(Trajectory { file, path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Write one redacted line.
    pub fn append(&mut self, entry: &Entry) -> std::io::Result<()> {
        let json = serde_json::to_string(entry).map_err(std::io::Error::other)?;
        let mut line = crate::secret::redact(&json);
        line.push('\n');
        self.file.write_all(line.as_bytes())
    }

    /// One model answer: its text and the names of the tools it called.
    pub fn model(
        &mut self,
        turn: u32,
        hop: usize,
        model: &str,
        text: &str,
        calls: &[ToolCall],
    ) -> std::io::Result<()> {
        let mut e = Entry::new(turn, Kind::Model);
        e.hop = Some(hop);
        e.model = Some(model.to_string());
        e.content = Some(text.to_string());
        if !calls.is_empty() {
            e.arguments = Some(Value::Array(
                calls
                    .iter()
                    .map(|c| Value::String(c.name.clone()))
                    .collect(),
            ));
        }
        self.append(&e)
    }

    /// A call as the model sent it.
    pub fn tool_call(&mut self, turn: u32, call: &ToolCall) -> std::io::Result<()> {
        let mut e = Entry::new(turn, Kind::ToolCall);
        e.name = Some(call.name.clone());
        e.call_id = Some(call.id.clone());
        e.arguments = Some(arguments(call));
        self.append(&e)
    }

    /// A call's result. It repeats the arguments so the line stands on its own.
    pub fn tool_result(
        &mut self,
        turn: u32,
        call: &ToolCall,
        outcome: &ToolOutcome,
    ) -> std::io::Result<()> {
        let mut e = Entry::new(turn, Kind::ToolResult);
        e.name = Some(call.name.clone());
        e.call_id = Some(call.id.clone());
        e.arguments = Some(arguments(call));
        e.content = Some(outcome.content.clone());
        e.is_error = Some(outcome.is_error);
        e.signal = outcome.signal.map(|s| s.as_str().to_string());
        self.append(&e)
    }

    /// Something the loop did on its own: a limit, context trimming, a gate run.
    pub fn note(&mut self, turn: u32, text: &str) -> std::io::Result<()> {
        let mut e = Entry::new(turn, Kind::Note);
        e.content = Some(text.to_string());
        self.append(&e)
    }

    /// The walker moved from model `from` to `to` (hop `hop`); `summary` is what the next
    /// model was handed.
    pub fn handoff(
        &mut self,
        turn: u32,
        hop: usize,
        from: &str,
        to: &str,
        summary: &str,
    ) -> std::io::Result<()> {
        let mut e = Entry::new(turn, Kind::Handoff);
        e.hop = Some(hop);
        e.name = Some(from.to_string());
        e.model = Some(to.to_string());
        e.content = Some(summary.to_string());
        self.append(&e)
    }
}

/// The parsed JSON when the arguments parse, the raw text otherwise.
fn arguments(call: &ToolCall) -> Value {
    serde_json::from_str(&call.arguments).unwrap_or_else(|_| Value::String(call.arguments.clone()))
}

/// Read a trajectory back (reports, tests). A torn last line from a crash is skipped.
pub fn read(path: &Path) -> std::io::Result<Vec<Entry>> {
    let text = std::fs::read_to_string(path)?;
    Ok(text
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_redacted_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let mut t = Trajectory::create(&dir.path().join("run").join(FILE_NAME)).unwrap();
        let call = ToolCall {
            id: "c1".into(),
            name: "read_file".into(),
            arguments: r#"{"path":"ghp_abcdefghijklmnopqrstuvwxyz0123456789"}"#.into(),
        };
        t.model(1, 0, "scripted/a", "thinking", std::slice::from_ref(&call))
            .unwrap();
        t.tool_call(1, &call).unwrap();
        let bad = ToolCall {
            id: "c2".into(),
            name: "edit_file".into(),
            arguments: "{nope".into(),
        };
        t.tool_call(1, &bad).unwrap();
        t.note(1, "context trimmed").unwrap();
        t.handoff(2, 1, "scripted/a", "scripted/b", "progress so far")
            .unwrap();

        let text = std::fs::read_to_string(t.path()).unwrap();
        assert!(!text.contains("ghp_abc"), "{text}");
        let entries = read(t.path()).unwrap();
        assert_eq!(entries.len(), 5);
        assert_eq!(entries[0].kind, Kind::Model);
        assert_eq!(
            entries[1].arguments,
            Some(serde_json::json!({"path": "***"}))
        );
        assert_eq!(entries[2].arguments, Some(Value::String("{nope".into())));
        assert_eq!(entries[4].kind, Kind::Handoff);
        assert_eq!(entries[4].model.as_deref(), Some("scripted/b"));
        assert!(
            entries[4]
                .content
                .as_deref()
                .unwrap()
                .contains("progress so far")
        );

        // A directory path (existing or not) gets the file inside it.
        let t2 = Trajectory::create(dir.path()).unwrap();
        assert_eq!(t2.path(), dir.path().join(FILE_NAME));
        let t3 = Trajectory::create(&dir.path().join("run-2")).unwrap();
        assert_eq!(t3.path(), dir.path().join("run-2").join(FILE_NAME));
        assert!(t3.path().is_file());
    }
}
