//! The tools the model can call, their JSON schemas, and their dispatch. Every path goes
//! through [`Workspace`]; every result is redacted and kept within a character budget that
//! says what it cut. Mistakes the model makes come back as results it can act on, tagged
//! with a [`Signal`] the loop counts.

use std::path::Path;
use std::time::Duration;

use serde::Serialize;
use serde_json::{Map, Value, json};

use super::workspace::{Workspace, WorkspaceError};
use crate::gate::{Gate, GateCommand};
use crate::provider::{ToolCall, ToolSpec};
use crate::run_record::TestRun;

/// Characters of one tool result the model sees by default.
pub const DEFAULT_RESULT_BUDGET: usize = 12_000;
/// Files larger than this are refused for editing (and for `write_file` content).
pub const MAX_EDIT_BYTES: u64 = 1024 * 1024;
const MAX_LINE_CHARS: usize = 2_000;
const DEFAULT_SEARCH_RESULTS: usize = 50;
const MAX_SEARCH_RESULTS: usize = 200;
const MAX_DIR_ENTRIES: usize = 500;

pub const TOOL_NAMES: [&str; 8] = [
    "read_file",
    "list_dir",
    "search",
    "edit_file",
    "write_file",
    "git_diff",
    "run_tests",
    "finish",
];

/// A model mistake, for the loop's hallucination counter and the transcript.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Signal {
    UnknownTool,
    BadArguments,
    /// Read or edit of a file that does not exist.
    MissingFile,
    OldTextNotFound,
    /// `edit_file` whose old text occurs more than once.
    OldTextNotUnique,
    /// A path the workspace confinement refused.
    Refused,
    /// `write_file` on a file that exists.
    FileExists,
    /// Binary or oversized file for an edit, or a directory where a file was expected.
    Unsupported,
    /// `finish` claimed a fix the gate refutes (set by the loop, which runs the gate).
    FalseFinish,
}

impl Signal {
    pub fn as_str(self) -> &'static str {
        match self {
            Signal::UnknownTool => "unknown_tool",
            Signal::BadArguments => "bad_arguments",
            Signal::MissingFile => "missing_file",
            Signal::OldTextNotFound => "old_text_not_found",
            Signal::OldTextNotUnique => "old_text_not_unique",
            Signal::Refused => "refused",
            Signal::FileExists => "file_exists",
            Signal::Unsupported => "unsupported",
            Signal::FalseFinish => "false_finish",
        }
    }

    /// The signals design.md counts as hallucination: the model invented something.
    pub fn is_hallucination(self) -> bool {
        matches!(
            self,
            Signal::UnknownTool
                | Signal::BadArguments
                | Signal::MissingFile
                | Signal::OldTextNotFound
                | Signal::FalseFinish
        )
    }
}

impl std::fmt::Display for Signal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ToolOutcome {
    /// What goes back to the model: redacted, within the budget, the truncation said.
    pub content: String,
    pub is_error: bool,
    pub signal: Option<Signal>,
    /// A file the model read (root-relative).
    pub explored: Option<String>,
    /// A file the model changed or created (root-relative).
    pub edited: Option<String>,
    /// The model's summary, when it called `finish`.
    pub finished: Option<String>,
    pub test_run: Option<TestRun>,
}

impl ToolOutcome {
    /// An error result with a signal, for outcomes the loop decides itself (a `finish`
    /// the gate refutes). The content is redacted here since it skips [`Tools::call`].
    pub fn refusal(content: impl Into<String>, signal: Signal) -> Self {
        ToolOutcome::error(Some(signal), crate::secret::redact(&content.into()))
    }

    fn ok(content: impl Into<String>) -> Self {
        ToolOutcome {
            content: content.into(),
            ..Default::default()
        }
    }
    fn error(signal: Option<Signal>, content: impl Into<String>) -> Self {
        ToolOutcome {
            content: content.into(),
            is_error: true,
            signal,
            ..Default::default()
        }
    }
    fn refused(e: WorkspaceError) -> Self {
        ToolOutcome::error(Some(Signal::Refused), e.to_string())
    }
}

/// An error result on its way out of a tool: boxed, as a [`ToolOutcome`] is large.
struct Fail(Box<ToolOutcome>);

impl From<ToolOutcome> for Fail {
    fn from(o: ToolOutcome) -> Fail {
        Fail(Box::new(o))
    }
}

/// The JSON schemas the model is offered.
pub fn specs() -> Vec<ToolSpec> {
    let spec = |name: &str, description: &str, parameters: Value| ToolSpec {
        name: name.to_string(),
        description: description.to_string(),
        parameters,
    };
    vec![
        spec(
            "read_file",
            "Read a text file of the repository, with line numbers. Paths are relative to the repo root. Use start_line/end_line (1-based, inclusive) for a part of a long file.",
            json!({"type": "object", "properties": {
                "path": {"type": "string", "description": "File path relative to the repo root"},
                "start_line": {"type": "integer", "minimum": 1},
                "end_line": {"type": "integer", "minimum": 1}
            }, "required": ["path"]}),
        ),
        spec(
            "list_dir",
            "List the entries of a directory of the repository (directories end with /). Default: the repo root.",
            json!({"type": "object", "properties": {
                "path": {"type": "string", "description": "Directory relative to the repo root"}
            }}),
        ),
        spec(
            "search",
            "Search the repository's files for a regular expression (Rust regex syntax; files ignored by .gitignore are skipped). Returns path:line: text for each matching line.",
            json!({"type": "object", "properties": {
                "pattern": {"type": "string", "description": "Regular expression"},
                "path": {"type": "string", "description": "Directory or file to search in, relative to the repo root"},
                "max_results": {"type": "integer", "minimum": 1, "maximum": MAX_SEARCH_RESULTS}
            }, "required": ["pattern"]}),
        ),
        spec(
            "edit_file",
            "Replace one exact, unique occurrence of old_text in a file with new_text. Copy old_text exactly from read_file output without the line numbers, with enough lines to be unique.",
            json!({"type": "object", "properties": {
                "path": {"type": "string"},
                "old_text": {"type": "string", "description": "Exact text to replace"},
                "new_text": {"type": "string", "description": "Replacement text"}
            }, "required": ["path", "old_text", "new_text"]}),
        ),
        spec(
            "write_file",
            "Create a new file with the given content. Existing files are changed with edit_file instead.",
            json!({"type": "object", "properties": {
                "path": {"type": "string"},
                "content": {"type": "string"}
            }, "required": ["path", "content"]}),
        ),
        spec(
            "git_diff",
            "Show your changes so far: the diff of the working tree (including new files) against the last commit.",
            json!({"type": "object", "properties": {}}),
        ),
        spec(
            "run_tests",
            "Run the repository's test command and get a digest: failing tests, the comparison with the run before your edits, and the end of the output.",
            json!({"type": "object", "properties": {}}),
        ),
        spec(
            "finish",
            "Call once the fix is complete: summarise what was wrong and what you changed. The tests run after this.",
            json!({"type": "object", "properties": {
                "summary": {"type": "string", "description": "What was wrong and how the edits fix it"}
            }, "required": ["summary"]}),
        ),
    ]
}

pub struct Tools {
    workspace: Workspace,
    gate: Option<Gate>,
    budget: usize,
}

impl Tools {
    pub fn new(workspace: Workspace) -> Tools {
        Tools {
            workspace,
            gate: None,
            budget: DEFAULT_RESULT_BUDGET,
        }
    }

    /// `run_tests` runs this gate; without one it says there is no test command.
    pub fn with_gate(mut self, gate: Option<Gate>) -> Tools {
        self.gate = gate;
        self
    }

    /// Shorthand: tools confined to `repo`, refusing writes to `protected` globs, with
    /// `test_command` as the gate.
    pub fn for_repo(
        repo: &Path,
        protected: &[String],
        test_command: Option<String>,
        test_timeout: Duration,
    ) -> Result<Tools, WorkspaceError> {
        let workspace = Workspace::new(repo, protected)?;
        let gate = test_command.map(|command| {
            let command = GateCommand {
                command,
                source: "config".into(),
            };
            Gate::new(workspace.root(), command, test_timeout)
        });
        Ok(Tools::new(workspace).with_gate(gate))
    }

    /// The run before any edit: `run_tests` then tells the model what it fixed and broke.
    pub fn set_baseline(&mut self, baseline: TestRun) {
        if let Some(g) = self.gate.as_mut() {
            g.baseline = Some(baseline);
        }
    }

    /// Characters of one result the model sees (at least 200).
    pub fn with_budget(mut self, chars: usize) -> Tools {
        self.budget = chars.max(200);
        self
    }

    pub fn workspace(&self) -> &Workspace {
        &self.workspace
    }

    pub fn gate(&self) -> Option<&Gate> {
        self.gate.as_ref()
    }

    /// For the loop to record the baseline once it has run.
    pub fn gate_mut(&mut self) -> Option<&mut Gate> {
        self.gate.as_mut()
    }

    pub async fn call(&mut self, call: &ToolCall) -> ToolOutcome {
        let name = call.name.trim();
        let Some(&tool) = TOOL_NAMES.iter().find(|t| **t == name) else {
            return ToolOutcome::error(
                Some(Signal::UnknownTool),
                format!(
                    "unknown tool `{}`; the tools are: {}",
                    call.name,
                    TOOL_NAMES.join(", ")
                ),
            );
        };
        let args = match Args::parse(tool, &call.arguments) {
            Ok(a) => a,
            Err(e) => return self.finalise(*e.0),
        };
        let out = match tool {
            "read_file" => self.read_file(&args),
            "list_dir" => self.list_dir(&args),
            "search" => self.search(&args),
            "edit_file" => self.edit_file(&args),
            "write_file" => self.write_file(&args),
            "git_diff" => self.git_diff(),
            "run_tests" => self.run_tests().await,
            _ => self.finish(&args),
        };
        self.finalise(out.unwrap_or_else(|e| *e.0))
    }

    fn finalise(&self, mut out: ToolOutcome) -> ToolOutcome {
        out.content = truncate_for_model(&crate::secret::redact(&out.content), self.budget);
        out
    }

    fn read_file(&self, args: &Args) -> Result<ToolOutcome, Fail> {
        let rel = args.str("path")?;
        let path = self
            .workspace
            .resolve_read(&rel)
            .map_err(ToolOutcome::refused)?;
        let shown = self.workspace.relative(&path);
        if path.is_dir() {
            return Err(Fail::from(ToolOutcome::error(
                Some(Signal::Unsupported),
                format!("`{rel}` is a directory; use list_dir to see what it holds"),
            )));
        }
        let bytes = std::fs::read(&path).map_err(|_| self.missing(&rel, "read"))?;
        if bytes.contains(&0) {
            return Err(Fail::from(ToolOutcome::error(
                Some(Signal::Unsupported),
                format!(
                    "`{shown}` is a binary file ({} bytes); it cannot be shown as text",
                    bytes.len()
                ),
            )));
        }
        let text = String::from_utf8_lossy(&bytes);
        let lines: Vec<&str> = text.lines().collect();
        let total = lines.len();
        let start = args.opt_usize("start_line")?.unwrap_or(1).max(1);
        let end = args.opt_usize("end_line")?.unwrap_or(total).min(total);
        if total == 0 {
            return Ok(ToolOutcome {
                explored: Some(shown.clone()),
                ..ToolOutcome::ok(format!("`{shown}` is empty"))
            });
        }
        if start > total || start > end {
            return Err(Fail::from(ToolOutcome::error(
                Some(Signal::BadArguments),
                format!(
                    "`{shown}` has {total} lines; start_line {start} and end_line {end} select none"
                ),
            )));
        }
        // Stop at a line boundary within the budget and say where to continue.
        let room = self.budget.saturating_sub(200);
        let mut body = String::new();
        let mut last = start - 1;
        for (i, line) in lines.iter().enumerate().take(end).skip(start - 1) {
            let numbered = format!("{:>5}\t{}\n", i + 1, cut_line(line));
            if body.len() + numbered.len() > room && i + 1 > start {
                break;
            }
            body.push_str(&numbered);
            last = i + 1;
        }
        let mut content = format!("{shown} (lines {start}-{last} of {total})\n{body}");
        if last < end {
            let rest: usize = lines[last..end].iter().map(|l| l.len() + 1).sum();
            content.push_str(&format!(
                "[truncated: {rest} more bytes; continue with start_line={}]\n",
                last + 1
            ));
        }
        Ok(ToolOutcome {
            explored: Some(shown),
            ..ToolOutcome::ok(content)
        })
    }

    fn list_dir(&self, args: &Args) -> Result<ToolOutcome, Fail> {
        let rel = args.opt_str("path")?.unwrap_or_default();
        let path = self
            .workspace
            .resolve_read(&rel)
            .map_err(ToolOutcome::refused)?;
        if path.is_file() {
            return Err(Fail::from(ToolOutcome::error(
                Some(Signal::Unsupported),
                format!("`{rel}` is a file; use read_file to read it"),
            )));
        }
        let entries = std::fs::read_dir(&path).map_err(|_| self.missing(&rel, "list"))?;
        let mut names: Vec<String> = entries
            .filter_map(Result::ok)
            .filter(|e| e.file_name() != ".git")
            .map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                match e.file_type() {
                    Ok(t) if t.is_dir() => format!("{name}/"),
                    Ok(t) if t.is_symlink() => format!("{name}@"),
                    _ => name,
                }
            })
            .collect();
        names.sort();
        let shown = self.workspace.relative(&path);
        let shown = if shown.is_empty() {
            ".".to_string()
        } else {
            shown
        };
        let total = names.len();
        let mut content = format!("{shown}/ ({total} entries)\n");
        for n in names.iter().take(MAX_DIR_ENTRIES) {
            content.push_str(n);
            content.push('\n');
        }
        if total > MAX_DIR_ENTRIES {
            content.push_str(&format!(
                "[truncated: {} more entries]\n",
                total - MAX_DIR_ENTRIES
            ));
        }
        Ok(ToolOutcome::ok(content))
    }

    fn search(&self, args: &Args) -> Result<ToolOutcome, Fail> {
        use grep_searcher::{BinaryDetection, SearcherBuilder, sinks};

        let pattern = args.str("pattern")?;
        if pattern.is_empty() {
            return Err(Fail::from(
                args.bad("`pattern` is empty; give a regular expression to look for"),
            ));
        }
        let max = args
            .opt_usize("max_results")?
            .unwrap_or(DEFAULT_SEARCH_RESULTS)
            .clamp(1, MAX_SEARCH_RESULTS);
        let rel = args.opt_str("path")?.unwrap_or_default();
        let base = self
            .workspace
            .resolve_read(&rel)
            .map_err(ToolOutcome::refused)?;
        if !base.exists() {
            return Err(Fail::from(self.missing(&rel, "search")));
        }
        let mut note = String::new();
        let matcher = match grep_regex::RegexMatcherBuilder::new().build(&pattern) {
            Ok(m) => m,
            Err(e) => {
                note = format!(
                    "(`{pattern}` is not a valid regex: {}; searched for it as literal text)\n",
                    first_line(&e.to_string())
                );
                grep_regex::RegexMatcherBuilder::new()
                    .build(&regex::escape(&pattern))
                    .map_err(|e| args.bad(&format!("cannot search for `{pattern}`: {e}")))?
            }
        };
        let mut searcher = SearcherBuilder::new()
            .line_number(true)
            .binary_detection(BinaryDetection::quit(0))
            .build();
        let walk = ignore::WalkBuilder::new(&base)
            .hidden(false)
            .require_git(false)
            .sort_by_file_name(|a, b| a.cmp(b))
            .filter_entry(|e| e.file_name() != ".git")
            .build();
        let mut hits: Vec<String> = Vec::new();
        let mut more = false;
        'files: for entry in walk.filter_map(Result::ok) {
            if !entry.file_type().is_some_and(|t| t.is_file()) {
                continue;
            }
            let rel_path = self.workspace.relative(entry.path());
            let mut file_hits = Vec::new();
            let _ = searcher.search_path(
                &matcher,
                entry.path(),
                sinks::Lossy(|n, line| {
                    file_hits.push(format!("{rel_path}:{n}: {}", cut_line(line.trim_end())));
                    Ok(file_hits.len() <= max)
                }),
            );
            for h in file_hits {
                if hits.len() == max {
                    more = true;
                    break 'files;
                }
                hits.push(h);
            }
        }
        let mut content = note;
        if hits.is_empty() {
            content.push_str(&format!("no match for `{pattern}`"));
            if !rel.is_empty() {
                content.push_str(&format!(" under `{rel}`"));
            }
            content.push('\n');
        } else {
            content.push_str(&hits.join("\n"));
            content.push('\n');
            if more {
                content.push_str(&format!(
                    "[truncated: more than {max} matching lines; narrow the pattern or the path]\n"
                ));
            }
        }
        Ok(ToolOutcome::ok(content))
    }

    fn edit_file(&self, args: &Args) -> Result<ToolOutcome, Fail> {
        let rel = args.str("path")?;
        let old = args.str("old_text")?;
        let new = args.str("new_text")?;
        if old.is_empty() {
            return Err(Fail::from(args.bad("`old_text` is empty; to create a file use write_file, to change one give the exact text to replace")));
        }
        let path = self
            .workspace
            .resolve_write(&rel)
            .map_err(ToolOutcome::refused)?;
        let shown = self.workspace.relative(&path);
        let text = self.editable_text(&rel, &path)?;
        let edit = apply_edit(&text, &old, &new).map_err(|e| match e {
            EditError::NotFound(hint) => ToolOutcome::error(
                Some(Signal::OldTextNotFound),
                format!("old_text was not found in `{shown}`. {hint}"),
            ),
            EditError::NotUnique(lines) => ToolOutcome::error(
                Some(Signal::OldTextNotUnique),
                format!(
                    "old_text occurs {} times in `{shown}` (starting at lines {}); include more surrounding lines so it matches once",
                    lines.len(),
                    lines.iter().map(|l| l.to_string()).collect::<Vec<_>>().join(", ")
                ),
            ),
            EditError::NoChange => ToolOutcome::error(
                None,
                "old_text and new_text are the same; nothing was changed".to_string(),
            ),
        })?;
        std::fs::write(&path, &edit.text)
            .map_err(|e| ToolOutcome::error(None, format!("cannot write `{shown}`: {e}")))?;
        let lines: Vec<&str> = edit.text.lines().collect();
        let from = edit.start_line.saturating_sub(2).max(1);
        let to = (edit.start_line + edit.new_lines + 1).min(lines.len());
        let mut content = format!(
            "edited `{shown}`: replaced {} line(s) at line {} with {} line(s). Lines {from}-{to} now read:\n",
            edit.old_lines, edit.start_line, edit.new_lines
        );
        content.push_str(&numbered(&lines, from, to));
        Ok(ToolOutcome {
            edited: Some(shown),
            ..ToolOutcome::ok(content)
        })
    }

    /// The file's text, when it exists and is a small text file.
    fn editable_text(&self, rel: &str, path: &Path) -> Result<String, Fail> {
        let meta = match std::fs::metadata(path) {
            Ok(m) => m,
            Err(_) => {
                let mut e = self.missing(rel, "edit");
                e.content.push_str("; to create a new file use write_file");
                return Err(e.into());
            }
        };
        if meta.is_dir() {
            return Err(Fail::from(ToolOutcome::error(
                Some(Signal::Unsupported),
                format!("`{rel}` is a directory, not a file"),
            )));
        }
        if meta.len() > MAX_EDIT_BYTES {
            return Err(Fail::from(ToolOutcome::error(
                Some(Signal::Unsupported),
                format!(
                    "`{rel}` is {} bytes, over the {} byte limit for edits; leave it unchanged",
                    meta.len(),
                    MAX_EDIT_BYTES
                ),
            )));
        }
        let bytes = std::fs::read(path)
            .map_err(|e| ToolOutcome::error(None, format!("cannot read `{rel}`: {e}")))?;
        if bytes.contains(&0) {
            return Err(Fail::from(ToolOutcome::error(
                Some(Signal::Unsupported),
                format!("`{rel}` is a binary file; it cannot be edited as text"),
            )));
        }
        let text = String::from_utf8(bytes).map_err(|_| {
            ToolOutcome::error(
                Some(Signal::Unsupported),
                format!("`{rel}` is not UTF-8 text; it cannot be edited"),
            )
        })?;
        Ok(text)
    }

    fn write_file(&self, args: &Args) -> Result<ToolOutcome, Fail> {
        let rel = args.str("path")?;
        let content = args.str("content")?;
        if rel.trim().is_empty() || rel.ends_with('/') {
            return Err(Fail::from(args.bad("`path` must name a file")));
        }
        let path = self
            .workspace
            .resolve_write(&rel)
            .map_err(ToolOutcome::refused)?;
        let shown = self.workspace.relative(&path);
        if std::fs::symlink_metadata(&path).is_ok() {
            return Err(Fail::from(ToolOutcome::error(
                Some(Signal::FileExists),
                format!(
                    "`{shown}` already exists; change it with edit_file (write_file only creates new files)"
                ),
            )));
        }
        if content.len() as u64 > MAX_EDIT_BYTES || content.contains('\0') {
            return Err(Fail::from(ToolOutcome::error(
                Some(Signal::Unsupported),
                format!(
                    "the content for `{shown}` is binary or over {MAX_EDIT_BYTES} bytes; write a smaller text file"
                ),
            )));
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| {
                ToolOutcome::error(
                    None,
                    format!("cannot create the directory for `{shown}`: {e}"),
                )
            })?;
        }
        // create_new: never follow a symlink planted between the check and the write.
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| ToolOutcome::error(None, format!("cannot create `{shown}`: {e}")))?;
        f.write_all(content.as_bytes())
            .map_err(|e| ToolOutcome::error(None, format!("cannot write `{shown}`: {e}")))?;
        Ok(ToolOutcome {
            edited: Some(shown.clone()),
            ..ToolOutcome::ok(format!(
                "created `{shown}` ({} lines)",
                content.lines().count()
            ))
        })
    }

    fn git_diff(&self) -> Result<ToolOutcome, Fail> {
        let (patch, stat) = crate::diff::workdir_diff(self.workspace.root()).map_err(|e| {
            ToolOutcome::error(None, format!("cannot compute the diff: {}", e.message()))
        })?;
        if patch.is_empty() {
            return Ok(ToolOutcome::ok(
                "no changes yet: the working tree matches the last commit",
            ));
        }
        Ok(ToolOutcome::ok(format!(
            "{} file(s) changed, {} insertion(s), {} deletion(s)\n{patch}",
            stat.files, stat.insertions, stat.deletions
        )))
    }

    async fn run_tests(&self) -> Result<ToolOutcome, Fail> {
        let Some(gate) = &self.gate else {
            return Err(Fail::from(ToolOutcome::error(
                None,
                "no test command is configured or detected for this repository; check the fix by reading the code, then call finish",
            )));
        };
        let run = gate.run().await;
        let digest = gate.digest(&run, self.budget / 3);
        Ok(ToolOutcome {
            is_error: !run.success,
            test_run: Some(run),
            ..ToolOutcome::ok(digest)
        })
    }

    fn finish(&self, args: &Args) -> Result<ToolOutcome, Fail> {
        let summary = args.str("summary")?;
        if summary.trim().is_empty() {
            return Err(Fail::from(args.bad(
                "`summary` is empty; say what was wrong and what you changed",
            )));
        }
        Ok(ToolOutcome {
            finished: Some(crate::secret::redact(summary.trim())),
            ..ToolOutcome::ok("Recorded. The tests run next; if they fail you will be told.")
        })
    }

    /// A missing-file error, naming files with the same name elsewhere in the repository.
    fn missing(&self, rel: &str, verb: &str) -> ToolOutcome {
        let name = Path::new(rel)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned());
        let mut similar = Vec::new();
        if let Some(name) = name {
            let walk = ignore::WalkBuilder::new(self.workspace.root())
                .hidden(false)
                .require_git(false)
                .filter_entry(|e| e.file_name() != ".git")
                .build();
            for e in walk.filter_map(Result::ok) {
                if e.file_name().to_string_lossy() == name {
                    similar.push(self.workspace.relative(e.path()));
                    if similar.len() == 5 {
                        break;
                    }
                }
            }
        }
        let hint = if similar.is_empty() {
            "use list_dir or search to find the right path".to_string()
        } else {
            similar.sort();
            format!("files with that name: {}", similar.join(", "))
        };
        ToolOutcome::error(
            Some(Signal::MissingFile),
            format!("cannot {verb} `{rel}`: no such file in the repository; {hint}"),
        )
    }
}

/// The model's arguments as a JSON object. Lenient where models commonly slip (empty
/// arguments for tools without parameters, doubly encoded JSON, numbers as strings).
struct Args {
    tool: &'static str,
    map: Map<String, Value>,
}

impl Args {
    fn parse(tool: &'static str, raw: &str) -> Result<Args, Fail> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Ok(Args {
                tool,
                map: Map::new(),
            });
        }
        let bad = |detail: String| {
            ToolOutcome::error(
                Some(Signal::BadArguments),
                format!(
                    "the arguments for `{tool}` are not a JSON object ({detail}); send an object such as {}",
                    example(tool)
                ),
            )
        };
        let value: Value = serde_json::from_str(raw).map_err(|e| bad(e.to_string()))?;
        let value = match value {
            Value::String(s) => serde_json::from_str(&s).map_err(|e| bad(e.to_string()))?,
            v => v,
        };
        match value {
            Value::Object(map) => Ok(Args { tool, map }),
            Value::Null => Ok(Args {
                tool,
                map: Map::new(),
            }),
            other => Err(Fail::from(bad(format!("got {}", kind(&other))))),
        }
    }

    fn bad(&self, message: &str) -> ToolOutcome {
        ToolOutcome::error(
            Some(Signal::BadArguments),
            format!("{}: {message}", self.tool),
        )
    }

    fn str(&self, key: &str) -> Result<String, Fail> {
        self.opt_str(key)?.ok_or_else(|| {
            Fail::from(self.bad(&format!(
                "missing required argument `{key}`; send {}",
                example(self.tool)
            )))
        })
    }

    fn opt_str(&self, key: &str) -> Result<Option<String>, Fail> {
        match self.map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
            Some(other) => Err(Fail::from(
                self.bad(&format!("`{key}` must be a string, got {}", kind(other))),
            )),
        }
    }

    fn opt_usize(&self, key: &str) -> Result<Option<usize>, Fail> {
        let v = match self.map.get(key) {
            None | Some(Value::Null) => return Ok(None),
            Some(v) => v,
        };
        let n = match v {
            Value::Number(n) => n.as_u64(),
            Value::String(s) => s.trim().parse::<u64>().ok(),
            _ => None,
        };
        n.map(|n| Some(n as usize)).ok_or_else(|| {
            Fail::from(self.bad(&format!("`{key}` must be a whole number, got {v}")))
        })
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn example(tool: &str) -> &'static str {
    match tool {
        "read_file" => r#"{"path": "src/lib.rs", "start_line": 1, "end_line": 80}"#,
        "list_dir" => r#"{"path": "src"}"#,
        "search" => r#"{"pattern": "fn main", "path": "src"}"#,
        "edit_file" => r#"{"path": "src/lib.rs", "old_text": "a - b", "new_text": "a + b"}"#,
        "write_file" => r#"{"path": "tests/test_new.py", "content": "..."}"#,
        "finish" => r#"{"summary": "what was wrong and what changed"}"#,
        _ => "{}",
    }
}

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

fn cut_line(line: &str) -> String {
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

fn first_line(s: &str) -> &str {
    s.lines()
        .map(str::trim)
        .rfind(|l| !l.is_empty())
        .unwrap_or(s)
}

/// Lines `from..=to` (1-based) with their numbers, as read_file shows them.
fn numbered(lines: &[&str], from: usize, to: usize) -> String {
    let mut s = String::new();
    for n in from..=to.min(lines.len()) {
        s.push_str(&format!("{n:>5}\t{}\n", cut_line(lines[n - 1])));
    }
    s
}

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
    fn specs_are_valid_schemas_for_every_tool() {
        let s = specs();
        let names: Vec<&str> = s.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, TOOL_NAMES);
        for t in &s {
            assert_eq!(t.parameters["type"], "object", "{}", t.name);
            if let Some(req) = t.parameters.get("required") {
                for r in req.as_array().unwrap() {
                    assert!(
                        t.parameters["properties"]
                            .get(r.as_str().unwrap())
                            .is_some()
                    );
                }
            }
        }
    }
}
