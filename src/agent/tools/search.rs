//! `search`: a regular expression over the repository's files as ripgrep's libraries read
//! them (.gitignore honoured, binaries skipped); an invalid regex is searched for as text.

use schemars::JsonSchema;
use serde::Deserialize;

use super::text::{cut_line, last_line};
use super::{Tool, ToolError, ToolOutcome, Tools};

const DEFAULT_SEARCH_RESULTS: usize = 50;
const MAX_SEARCH_RESULTS: usize = 200;

pub(crate) struct Search;

#[derive(Debug, Deserialize, JsonSchema)]
pub(crate) struct Args {
    /// Regular expression
    pattern: String,
    /// Directory or file to search in, relative to the repo root
    path: Option<String>,
    #[schemars(range(min = 1, max = MAX_SEARCH_RESULTS))]
    max_results: Option<usize>,
}

impl Tool for Search {
    const NAME: &'static str = "search";
    const DESCRIPTION: &'static str = "Search the repository's files for a regular expression (Rust regex syntax; files ignored by .gitignore are skipped). Returns path:line: text for each matching line.";
    const EXAMPLE: &'static str = r#"{"pattern": "fn main", "path": "src"}"#;
    type Args = Args;

    async fn run(tools: &mut Tools, args: Args) -> Result<ToolOutcome, ToolError> {
        use grep_searcher::{BinaryDetection, SearcherBuilder, sinks};

        let pattern = args.pattern;
        if pattern.is_empty() {
            return Err(ToolError::bad_arguments(
                Self::NAME,
                "`pattern` is empty; give a regular expression to look for",
            ));
        }
        let max = args
            .max_results
            .unwrap_or(DEFAULT_SEARCH_RESULTS)
            .clamp(1, MAX_SEARCH_RESULTS);
        let rel = args.path.unwrap_or_default();
        let base = tools.workspace.resolve_read(&rel)?;
        if !base.exists() {
            return Err(tools.missing(&rel, "search").into());
        }
        let mut note = String::new();
        let matcher = match grep_regex::RegexMatcherBuilder::new().build(&pattern) {
            Ok(m) => m,
            Err(e) => {
                note = format!(
                    "(`{pattern}` is not a valid regex: {}; searched for it as literal text)\n",
                    last_line(&e.to_string())
                );
                grep_regex::RegexMatcherBuilder::new()
                    .build(&regex::escape(&pattern))
                    .map_err(|e| {
                        ToolError::bad_arguments(
                            Self::NAME,
                            &format!("cannot search for `{pattern}`: {e}"),
                        )
                    })?
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
            let rel_path = tools.workspace.relative(entry.path());
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
}

#[cfg(test)]
mod tests {
    use super::super::Signal;
    use super::super::testing::{call, tools};
    use serde_json::json;

    #[tokio::test]
    async fn an_empty_pattern_is_bad_and_results_are_capped() {
        let (_d, mut t) = tools(&[("a.txt", &"hit\n".repeat(300))]);
        let out = call(&mut t, "search", json!({"pattern": ""})).await;
        assert_eq!(out.signal, Some(Signal::BadArguments));
        assert!(
            out.content.starts_with("search: `pattern` is empty"),
            "{}",
            out.content
        );
        // Past the schema's maximum, the maximum.
        let out = call(
            &mut t,
            "search",
            json!({"pattern": "hit", "max_results": 10_000}),
        )
        .await;
        assert_eq!(
            out.content.matches("a.txt:").count(),
            200,
            "{}",
            out.content
        );
        let out = call(&mut t, "search", json!({"pattern": "hit", "path": "gone"})).await;
        assert_eq!(out.signal, Some(Signal::MissingFile));
    }
}
