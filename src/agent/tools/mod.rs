//! The tools the model can call. One registry, [`REGISTRY`], lists them; the schemas the
//! model is offered ([`specs`]), the names ([`TOOL_NAMES`]) and the dispatch
//! ([`Tools::call`]) all come from it. Each tool is one file holding one [`Tool`]: its
//! name, description, example, and one argument type that serde parses and schemars
//! describes, so the schema the model sees is the parser's own.
//!
//! Every path goes through [`Workspace`]; every result is redacted and kept within a
//! character budget that says what it cut. Mistakes the model makes come back as results
//! it can act on, tagged with a [`Signal`] the loop counts ([`ToolError::Model`]); faults
//! of the run itself ([`Fatal`]) end the loop instead.
//!
//! Adding a tool: a file with a type implementing [`Tool`], and one `entry::<T>()` line in
//! [`REGISTRY`]. The registry's tests then check its schema against its parser.

mod args;
mod edit_file;
mod edit_match;
mod error;
mod finish;
mod git_diff;
mod list_dir;
mod missing;
mod outcome;
mod pins;
mod read_file;
mod run_tests;
mod schema;
mod search;
mod signal;
#[cfg(test)]
mod testing;
mod text;
mod write_file;

use std::future::Future;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures::future::BoxFuture;
use schemars::JsonSchema;
use serde::de::DeserializeOwned;

use super::workspace::{Workspace, WorkspaceError};
use crate::gate::{Gate, GateCommand};
use crate::provider::{ToolCall, ToolSpec};
use crate::run_record::TestRun;

pub use edit_match::{Edit, EditError, apply_edit};
pub use error::Fatal;
pub(crate) use error::ToolError;
pub use outcome::ToolOutcome;
pub use pins::{ContentPins, Drift};
pub use signal::Signal;
pub use text::truncate_for_model;

/// Characters of one tool result the model sees by default.
pub const DEFAULT_RESULT_BUDGET: usize = 12_000;
/// Files larger than this are refused for editing (and for `write_file` content).
pub const MAX_EDIT_BYTES: u64 = 1024 * 1024;

/// One tool the model can call.
pub(crate) trait Tool: 'static {
    const NAME: &'static str;
    /// What the model reads about the tool.
    const DESCRIPTION: &'static str;
    /// Arguments that work, shown to the model after a mistake.
    const EXAMPLE: &'static str;
    /// Parsed with serde and described with schemars: field docs are the descriptions the
    /// model sees, `Option` fields are optional, the rest required.
    type Args: DeserializeOwned + JsonSchema + Send;

    fn run(
        tools: &mut Tools,
        args: Self::Args,
    ) -> impl Future<Output = Result<ToolOutcome, ToolError>> + Send;
}

type Call = for<'a> fn(&'a mut Tools, &'a str) -> BoxFuture<'a, Result<ToolOutcome, ToolError>>;

/// A [`Tool`] with its types erased, for the one list.
pub(crate) struct Entry {
    pub(crate) name: &'static str,
    spec: fn() -> ToolSpec,
    call: Call,
    /// The tool's schema against its parser (see the tests).
    #[cfg(test)]
    check: fn(),
}

const fn entry<T: Tool>() -> Entry {
    Entry {
        name: T::NAME,
        spec: spec_of::<T>,
        call: call_of::<T>,
        #[cfg(test)]
        check: tests::schema_matches_parser::<T>,
    }
}

/// Every tool, in the order the model is shown them.
pub(crate) const REGISTRY: [Entry; 8] = [
    entry::<read_file::ReadFile>(),
    entry::<list_dir::ListDir>(),
    entry::<search::Search>(),
    entry::<edit_file::EditFile>(),
    entry::<write_file::WriteFile>(),
    entry::<git_diff::GitDiff>(),
    entry::<run_tests::RunTests>(),
    entry::<finish::Finish>(),
];

/// The tools' names, from [`REGISTRY`].
pub const TOOL_NAMES: [&str; REGISTRY.len()] = {
    let mut names = [""; REGISTRY.len()];
    let mut i = 0;
    while i < names.len() {
        names[i] = REGISTRY[i].name;
        i += 1;
    }
    names
};

fn spec_of<T: Tool>() -> ToolSpec {
    ToolSpec {
        name: T::NAME.to_string(),
        description: T::DESCRIPTION.to_string(),
        parameters: schema::parameters::<T::Args>(),
    }
}

fn call_of<'a, T: Tool>(
    tools: &'a mut Tools,
    raw: &'a str,
) -> BoxFuture<'a, Result<ToolOutcome, ToolError>> {
    Box::pin(async move {
        let args = args::parse::<T>(raw)?;
        T::run(tools, args).await
    })
}

/// The JSON schemas the model is offered.
pub fn specs() -> Vec<ToolSpec> {
    REGISTRY.iter().map(|e| (e.spec)()).collect()
}

pub struct Tools {
    workspace: Workspace,
    gate: Option<Gate>,
    budget: usize,
    pins: ContentPins,
    cancel: Option<Arc<AtomicBool>>,
}

impl Tools {
    pub fn new(workspace: Workspace) -> Tools {
        Tools {
            workspace,
            gate: None,
            budget: DEFAULT_RESULT_BUDGET,
            pins: ContentPins::default(),
            cancel: None,
        }
    }

    /// `run_tests` runs this gate; without one it says there is no test command.
    pub fn with_gate(mut self, gate: Option<Gate>) -> Tools {
        self.gate = gate;
        self
    }

    /// Once `flag` is set, no further tool runs: [`Tools::try_call`] says [`Fatal::Cancelled`].
    pub fn with_cancel(mut self, flag: Arc<AtomicBool>) -> Tools {
        self.cancel = Some(flag);
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

    /// The content of every file as the agent's own edit tools last wrote it, for the
    /// commit step to find files that changed after (test code the agent ran can rewrite
    /// them).
    pub fn edited_content(&self) -> &ContentPins {
        &self.pins
    }

    /// One call, every error turned into a result for the model: a [`Fatal`] error says
    /// what happened as an error result. The loop uses [`Tools::try_call`].
    pub async fn call(&mut self, call: &ToolCall) -> ToolOutcome {
        match self.try_call(call).await {
            Ok(out) => out,
            Err(fatal) => self.finalise(ToolOutcome::error(None, fatal.to_string())),
        }
    }

    /// One call: the result for the model (its mistakes included), or the fault that ends
    /// the run.
    pub async fn try_call(&mut self, call: &ToolCall) -> Result<ToolOutcome, Fatal> {
        if self
            .cancel
            .as_ref()
            .is_some_and(|c| c.load(Ordering::Relaxed))
        {
            return Err(Fatal::Cancelled);
        }
        if !self.workspace.root().is_dir() {
            return Err(Fatal::WorkspaceGone {
                path: self.workspace.root().display().to_string(),
            });
        }
        let name = call.name.trim();
        let Some(entry) = REGISTRY.iter().find(|e| e.name == name) else {
            return Ok(self.finalise(ToolOutcome::error(
                Some(Signal::UnknownTool),
                format!(
                    "unknown tool `{}`; the tools are: {}",
                    call.name,
                    TOOL_NAMES.join(", ")
                ),
            )));
        };
        let out = match (entry.call)(self, &call.arguments).await {
            Ok(out) => out,
            Err(ToolError::Model(out)) => *out,
            Err(ToolError::Fatal(fatal)) => return Err(fatal),
        };
        Ok(self.finalise(out))
    }

    fn finalise(&self, mut out: ToolOutcome) -> ToolOutcome {
        out.content = truncate_for_model(&crate::secret::redact(&out.content), self.budget);
        out
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use serde::de::{self, Visitor};
    use serde_json::{Map, Value};

    use super::*;

    /// The field names serde's derive asks for, whatever the schema says: every derived
    /// struct hands its list to `deserialize_struct`.
    fn serde_fields<T: DeserializeOwned>() -> Vec<&'static str> {
        struct Fields(std::cell::RefCell<Vec<&'static str>>);
        impl<'de> de::Deserializer<'de> for &Fields {
            type Error = de::value::Error;
            fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
                Err(de::Error::custom("not a struct"))
            }
            fn deserialize_struct<V: Visitor<'de>>(
                self,
                _: &'static str,
                fields: &'static [&'static str],
                _: V,
            ) -> Result<V::Value, Self::Error> {
                self.0.borrow_mut().extend_from_slice(fields);
                Err(de::Error::custom("fields taken"))
            }
            serde::forward_to_deserialize_any! {
                bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
                bytes byte_buf option unit unit_struct newtype_struct seq tuple
                tuple_struct map enum identifier ignored_any
            }
        }
        let fields = Fields(Default::default());
        let _ = T::deserialize(&fields);
        fields.0.into_inner()
    }

    fn sample(json_type: &str) -> Value {
        match json_type {
            "integer" => Value::from(1),
            "boolean" => Value::from(true),
            _ => Value::from("x"),
        }
    }

    /// The schema's property names are the parser's fields, a full set of arguments in
    /// the schema's types parses, and exactly the schema's required fields cannot be left
    /// out. A field added to one side only fails here.
    pub(super) fn schema_matches_parser<T: Tool>() {
        let spec = spec_of::<T>();
        let params = &spec.parameters;
        assert_eq!(params["type"], "object", "{}", T::NAME);
        let properties = params["properties"].as_object().expect("properties");
        let names: BTreeSet<&str> = properties.keys().map(String::as_str).collect();
        let fields: BTreeSet<&str> = serde_fields::<T::Args>().into_iter().collect();
        assert_eq!(
            names,
            fields,
            "{}: schema properties against serde's fields",
            T::NAME
        );
        let full: Map<String, Value> = properties
            .iter()
            .map(|(k, p)| (k.clone(), sample(p["type"].as_str().unwrap_or("string"))))
            .collect();
        let parse =
            |m: &Map<String, Value>| args::parse::<T>(&Value::Object(m.clone()).to_string());
        assert!(parse(&full).is_ok(), "{}: {full:?} does not parse", T::NAME);
        let required: BTreeSet<&str> = params
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        for name in &names {
            let mut without = full.clone();
            without.remove(*name);
            assert_eq!(
                parse(&without).is_err(),
                required.contains(name),
                "{}: `{name}` required in the schema and in the parser alike",
                T::NAME
            );
        }
        // The example the model is shown after a mistake is itself valid.
        assert!(
            parse_example::<T>(),
            "{}: its example does not parse",
            T::NAME
        );
    }

    fn parse_example<T: Tool>() -> bool {
        args::parse::<T>(T::EXAMPLE).is_ok()
    }

    #[test]
    fn every_tools_schema_matches_its_parser() {
        for e in &REGISTRY {
            (e.check)();
        }
    }

    #[test]
    fn specs_are_valid_schemas_for_every_tool() {
        let s = specs();
        let names: Vec<&str> = s.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, TOOL_NAMES);
        for t in &s {
            assert_eq!(t.parameters["type"], "object", "{}", t.name);
            let text = t.parameters.to_string();
            for plain in ["$ref", "$schema", "title", "definitions", "null", "format"] {
                assert!(!text.contains(plain), "{}: {text}", t.name);
            }
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

    /// The schemas the model saw before they were generated from the argument types.
    #[test]
    fn schemas_are_the_ones_models_were_shown() {
        let by_name: std::collections::BTreeMap<String, Value> = specs()
            .into_iter()
            .map(|s| (s.name, s.parameters))
            .collect();
        let expected = serde_json::json!({
            "read_file": {"type": "object", "properties": {
                "path": {"type": "string", "description": "File path relative to the repo root"},
                "start_line": {"type": "integer", "minimum": 1},
                "end_line": {"type": "integer", "minimum": 1}
            }, "required": ["path"]},
            "list_dir": {"type": "object", "properties": {
                "path": {"type": "string", "description": "Directory relative to the repo root"}
            }},
            "search": {"type": "object", "properties": {
                "pattern": {"type": "string", "description": "Regular expression"},
                "path": {"type": "string", "description": "Directory or file to search in, relative to the repo root"},
                "max_results": {"type": "integer", "minimum": 1, "maximum": 200}
            }, "required": ["pattern"]},
            "edit_file": {"type": "object", "properties": {
                "path": {"type": "string"},
                "old_text": {"type": "string", "description": "Exact text to replace"},
                "new_text": {"type": "string", "description": "Replacement text"}
            }, "required": ["path", "old_text", "new_text"]},
            "write_file": {"type": "object", "properties": {
                "path": {"type": "string"},
                "content": {"type": "string"}
            }, "required": ["path", "content"]},
            "git_diff": {"type": "object", "properties": {}},
            "run_tests": {"type": "object", "properties": {}},
            "finish": {"type": "object", "properties": {
                "summary": {"type": "string", "description": "What was wrong and how the edits fix it"}
            }, "required": ["summary"]},
        });
        for (name, schema) in expected.as_object().unwrap() {
            assert_eq!(&by_name[name], schema, "{name}");
        }
    }

    #[tokio::test]
    async fn cancellation_and_a_vanished_checkout_are_fatal() {
        let dir = tempfile::tempdir().unwrap();
        let repo = dir.path().join("repo");
        std::fs::create_dir(&repo).unwrap();
        let flag = Arc::new(AtomicBool::new(false));
        let mut tools = Tools::for_repo(&repo, &[], None, Duration::from_secs(5))
            .unwrap()
            .with_cancel(flag.clone());
        let call = ToolCall {
            id: "c".into(),
            name: "list_dir".into(),
            arguments: "{}".into(),
        };
        assert!(tools.try_call(&call).await.is_ok());
        flag.store(true, Ordering::Relaxed);
        assert!(matches!(tools.try_call(&call).await, Err(Fatal::Cancelled)));
        flag.store(false, Ordering::Relaxed);
        std::fs::remove_dir(&repo).unwrap();
        assert!(matches!(
            tools.try_call(&call).await,
            Err(Fatal::WorkspaceGone { .. })
        ));
        // `call` still answers, as an error result without a signal.
        let out = tools.call(&call).await;
        assert!(out.is_error && out.signal.is_none(), "{out:?}");
        assert!(out.content.contains("gone"), "{}", out.content);
    }
}
