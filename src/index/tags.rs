//! Languages (one cargo feature each) and per-file tagging: definitions, references and a
//! complexity figure from a single tree-sitter parse.
//!
//! The tag queries and their validation come from `tree-sitter-tags` (`TagsConfiguration`),
//! but the matches run on our own parse so the same tree also yields the branching-node
//! count; `generate_tags` would parse a second time for that.

use std::cell::RefCell;
use std::collections::HashSet;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use tree_sitter::{Language, Parser, QueryCursor, StreamingIterator};
use tree_sitter_tags::TagsConfiguration;

use super::Symbol;
use super::tree_tags::TreeTags;

/// What one parse of a file yields; this is what the on-disk cache stores.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Tagged {
    pub definitions: Vec<Symbol>,
    /// Distinct names referenced (calls, type uses), sorted.
    pub references: Vec<String>,
    /// Branching nodes: if/loop/match arm/case/catch/conditional expression.
    pub complexity: usize,
    /// The parse ran past [`PARSE_BUDGET`]; the file is indexed as text only.
    #[serde(default)]
    pub parse_timed_out: bool,
}

/// Time one file's parse may take.
pub const PARSE_BUDGET: std::time::Duration = std::time::Duration::from_secs(2);

pub(crate) struct Lang {
    pub name: &'static str,
    config: TagsConfiguration,
    /// Indexed by node kind id: true when the kind branches.
    branching: Vec<bool>,
    /// Capture index → role, resolved once from the query's capture names.
    roles: Vec<Role>,
    /// The same tags read off the tree walk, for grammars whose query it reproduces.
    direct: Option<TreeTags>,
}

#[derive(Clone, Debug, PartialEq)]
enum Role {
    Name,
    Definition(String),
    Reference(String),
    Other,
}

/// Node kinds counted as branches, across the supported grammars. Kinds a grammar lacks
/// resolve to id 0 and are ignored.
const BRANCH_KINDS: &[&str] = &[
    "if_statement",
    "if_expression",
    "if_let_expression",
    "elif_clause",
    "else_if_clause",
    "for_statement",
    "for_in_statement",
    "for_expression",
    "foreach_statement",
    "enhanced_for_statement",
    "range_based_for_statement",
    "while_statement",
    "while_expression",
    "loop_expression",
    "do_statement",
    "match_arm",
    "case_clause",
    "switch_case",
    "switch_block_statement_group",
    "case_statement",
    "expression_case",
    "type_case",
    "communication_case",
    "catch_clause",
    "except_clause",
    "rescue",
    "conditional_expression",
    "ternary_expression",
    "conditional",
    "if_modifier",
    "unless",
    "unless_modifier",
    "while_modifier",
    "until",
    "until_modifier",
    "when",
    "boolean_operator",
    "if",
    "elsif",
    "while",
    "for",
    "case",
];

/// Every language this build can tag, in a fixed order (the index into [`compiled`]).
const NAMES: [&str; 11] = [
    "rust",
    "python",
    "javascript",
    "typescript",
    "tsx",
    "go",
    "java",
    "c",
    "cpp",
    "ruby",
    "php",
];

/// File extension → language name, for the languages compiled in.
pub(crate) fn lang_for_path(path: &str) -> Option<&'static Lang> {
    let ext = path.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase())?;
    let name = match ext.as_str() {
        "rs" => "rust",
        "py" | "pyi" => "python",
        "js" | "mjs" | "cjs" | "jsx" => "javascript",
        "ts" | "mts" | "cts" => "typescript",
        "tsx" => "tsx",
        "go" => "go",
        "java" => "java",
        "c" | "h" => "c",
        "cc" | "cpp" | "cxx" | "hpp" | "hh" | "hxx" | "c++" | "h++" => "cpp",
        "rb" => "ruby",
        "php" => "php",
        _ => return None,
    };
    lang(name)
}

/// Names of the languages compiled into this build.
pub fn enabled_languages() -> Vec<&'static str> {
    NAMES
        .iter()
        .copied()
        .filter(|n| spec(n).is_some())
        .collect()
}

/// The tagger for one language, built on first use. Compiling a tags query costs tens of
/// milliseconds per grammar (more in debug builds); a repository rarely needs all ten, and
/// the demo and most tests need one.
fn lang(name: &str) -> Option<&'static Lang> {
    static COMPILED: [OnceLock<Option<Lang>>; 11] = [const { OnceLock::new() }; 11];
    let i = NAMES.iter().position(|n| *n == name)?;
    COMPILED[i]
        .get_or_init(|| {
            let (language, query) = spec(NAMES[i])?;
            match Lang::new(NAMES[i], language, &query) {
                Ok(l) => Some(l),
                Err(e) => {
                    // A grammar/query mismatch is a build defect; the index still works for
                    // the other languages.
                    tracing::warn!("tags query for {name} does not compile: {e}");
                    None
                }
            }
        })
        .as_ref()
}

/// Grammar and tags query of a language, when its cargo feature is on.
fn spec(name: &str) -> Option<(Language, String)> {
    match name {
        #[cfg(feature = "lang-rust")]
        "rust" => Some((
            tree_sitter_rust::LANGUAGE.into(),
            tree_sitter_rust::TAGS_QUERY.into(),
        )),
        #[cfg(feature = "lang-python")]
        "python" => Some((
            tree_sitter_python::LANGUAGE.into(),
            tree_sitter_python::TAGS_QUERY.into(),
        )),
        #[cfg(feature = "lang-javascript")]
        "javascript" => Some((
            tree_sitter_javascript::LANGUAGE.into(),
            tree_sitter_javascript::TAGS_QUERY.into(),
        )),
        // The typescript query only adds TS-specific patterns; the JS one covers functions,
        // classes and calls (design.md pitfall).
        #[cfg(feature = "lang-typescript")]
        "typescript" | "tsx" => {
            let q = format!(
                "{}\n{}",
                tree_sitter_javascript::TAGS_QUERY,
                tree_sitter_typescript::TAGS_QUERY
            );
            let language = if name == "tsx" {
                tree_sitter_typescript::LANGUAGE_TSX
            } else {
                tree_sitter_typescript::LANGUAGE_TYPESCRIPT
            };
            Some((language.into(), q))
        }
        #[cfg(feature = "lang-go")]
        "go" => Some((
            tree_sitter_go::LANGUAGE.into(),
            tree_sitter_go::TAGS_QUERY.into(),
        )),
        #[cfg(feature = "lang-java")]
        "java" => Some((
            tree_sitter_java::LANGUAGE.into(),
            tree_sitter_java::TAGS_QUERY.into(),
        )),
        #[cfg(feature = "lang-c")]
        "c" => Some((
            tree_sitter_c::LANGUAGE.into(),
            tree_sitter_c::TAGS_QUERY.into(),
        )),
        #[cfg(feature = "lang-cpp")]
        "cpp" => Some((
            tree_sitter_cpp::LANGUAGE.into(),
            tree_sitter_cpp::TAGS_QUERY.into(),
        )),
        #[cfg(feature = "lang-ruby")]
        "ruby" => Some((
            tree_sitter_ruby::LANGUAGE.into(),
            tree_sitter_ruby::TAGS_QUERY.into(),
        )),
        #[cfg(feature = "lang-php")]
        "php" => Some((
            tree_sitter_php::LANGUAGE_PHP.into(),
            tree_sitter_php::TAGS_QUERY.into(),
        )),
        _ => None,
    }
}

impl Lang {
    fn new(name: &'static str, language: Language, query: &str) -> Result<Lang, String> {
        let config =
            TagsConfiguration::new(language.clone(), query, "").map_err(|e| e.to_string())?;
        let mut branching = vec![false; language.node_kind_count()];
        for kind in BRANCH_KINDS {
            let id = language.id_for_node_kind(kind, true);
            if id != 0 {
                branching[id as usize] = true;
            }
        }
        let roles = config
            .query
            .capture_names()
            .iter()
            .map(|n| {
                if *n == "name" {
                    Role::Name
                } else if let Some(k) = n.strip_prefix("definition.") {
                    Role::Definition(k.to_string())
                } else if let Some(k) = n.strip_prefix("reference.") {
                    Role::Reference(k.to_string())
                } else {
                    Role::Other
                }
            })
            .collect();
        Ok(Lang {
            name,
            direct: TreeTags::for_language(name, &language),
            config,
            branching,
            roles,
        })
    }

    /// Parse `source` once; collect tags and count branching nodes.
    pub fn tag(&self, source: &[u8]) -> Tagged {
        self.tag_with(source, true)
    }

    /// [`Lang::tag`], reading the tags off the tree walk when `direct` and the grammar
    /// allows it, else with the tags query.
    fn tag_with(&self, source: &[u8], direct: bool) -> Tagged {
        thread_local! {
            static PARSER: RefCell<Parser> = RefCell::new(Parser::new());
            static CURSOR: RefCell<QueryCursor> = RefCell::new(QueryCursor::new());
        }
        let tree = PARSER.with(|p| {
            let mut p = p.borrow_mut();
            if p.set_language(&self.config.language).is_err() {
                return None;
            }
            // Tree-sitter's error recovery is quadratic on some inputs (a file of unclosed
            // braces); one such file must not stall the whole index.
            let deadline = std::time::Instant::now() + PARSE_BUDGET;
            // Tree-sitter calls back every few hundred operations; reading the clock on
            // each call cost 4% of a cold index, so it is read on one call in 64.
            let mut calls = 0u32;
            let mut cb = |state: &tree_sitter::ParseState| {
                let _ = state;
                calls = calls.wrapping_add(1);
                if calls.is_multiple_of(64) && std::time::Instant::now() > deadline {
                    std::ops::ControlFlow::Break(())
                } else {
                    std::ops::ControlFlow::Continue(())
                }
            };
            let options = tree_sitter::ParseOptions::new().progress_callback(&mut cb);
            let len = source.len();
            p.parse_with_options(
                &mut |i, _| if i < len { &source[i..] } else { &[] as &[u8] },
                None,
                Some(options),
            )
        });
        let Some(tree) = tree else {
            return Tagged {
                parse_timed_out: true,
                ..Tagged::default()
            };
        };
        if direct && let Some(d) = &self.direct {
            return d.walk(&tree, source, &self.branching);
        }

        let mut complexity = 0usize;
        let mut cursor = tree.walk();
        'walk: loop {
            let id = cursor.node().kind_id() as usize;
            if self.branching.get(id).copied().unwrap_or(false) {
                complexity += 1;
            }
            if cursor.goto_first_child() {
                continue;
            }
            while !cursor.goto_next_sibling() {
                if !cursor.goto_parent() {
                    break 'walk;
                }
            }
        }

        let mut definitions: Vec<Symbol> = Vec::new();
        let mut seen_defs: HashSet<usize> = HashSet::new();
        let mut references: HashSet<String> = HashSet::new();
        let query_cut = std::cell::Cell::new(false);
        CURSOR.with(|c| {
            let mut qc = c.borrow_mut();
            // The query over a huge error tree can be as slow as the parse: same budget.
            let deadline = std::time::Instant::now() + PARSE_BUDGET;
            let mut cb = |_: &tree_sitter::QueryCursorState| {
                if std::time::Instant::now() > deadline {
                    query_cut.set(true);
                    std::ops::ControlFlow::Break(())
                } else {
                    std::ops::ControlFlow::Continue(())
                }
            };
            let options = tree_sitter::QueryCursorOptions::new().progress_callback(&mut cb);
            let mut matches =
                qc.matches_with_options(&self.config.query, tree.root_node(), source, options);
            while let Some(m) = matches.next() {
                let mut name_node = None;
                let mut role: Option<(&Role, tree_sitter::Node)> = None;
                for cap in m.captures() {
                    match &self.roles[cap.index as usize] {
                        Role::Name => name_node = Some(cap.node),
                        r @ (Role::Definition(_) | Role::Reference(_)) => {
                            role = Some((r, cap.node))
                        }
                        Role::Other => {}
                    }
                }
                let (Some(name_node), Some((role, node))) = (name_node, role) else {
                    continue;
                };
                let Ok(name) = std::str::from_utf8(&source[name_node.byte_range()]) else {
                    continue;
                };
                let name = name.trim();
                if name.is_empty() || name.len() > 200 {
                    continue;
                }
                match role {
                    Role::Definition(kind) => {
                        if !seen_defs.insert(name_node.start_byte()) {
                            continue;
                        }
                        definitions.push(symbol(source, name, kind, name_node, node));
                    }
                    Role::Reference(_) if !references.contains(name) => {
                        references.insert(name.to_string());
                    }
                    _ => {}
                }
            }
        });
        definitions.sort_by_key(|d| d.line);
        let mut references: Vec<String> = references.into_iter().collect();
        references.sort();
        Tagged {
            definitions,
            references,
            complexity,
            parse_timed_out: query_cut.get(),
        }
    }
}

/// The definition `node` named by `name_node`.
pub(crate) fn symbol(
    source: &[u8],
    name: &str,
    kind: &str,
    name_node: tree_sitter::Node,
    node: tree_sitter::Node,
) -> Symbol {
    Symbol {
        name: name.to_string(),
        kind: kind.to_string(),
        line: name_node.start_position().row + 1,
        end_line: node.end_position().row + 1,
        signature: signature(source, node.start_byte()),
    }
}

/// The definition's first line, trimmed and capped: enough to show a signature in the map.
pub(crate) fn signature(source: &[u8], start: usize) -> String {
    let line_start = source[..start]
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |i| i + 1);
    let end = source[start..]
        .iter()
        .position(|b| *b == b'\n')
        .map_or(source.len(), |i| start + i);
    let text = String::from_utf8_lossy(&source[line_start..end]);
    let text = text.trim();
    let mut s: String = text.chars().take(160).collect();
    if s.len() < text.len() {
        s.push('…');
    }
    s
}

#[cfg(test)]
mod tree_walk_tests {
    #[test]
    fn the_python_walk_gives_what_the_query_gives() {
        let src = r#"
import os
LIMIT = 10
a, b = 1, 2
x: int = 3

class Config(Base):
    default = 1

    def load(self, path):
        if path:
            return os.path.join(path, read(path))
        self.items.append(parse_config(path))

def helper():
    class Inner: pass
    y = 2
    for i in range(3):
        print(i)
    return (lambda: go())()

@decorator(arg)
async def run():
    await session.get(url).json()
"#;
        let lang = super::lang("python").expect("python compiled in");
        assert!(lang.direct.is_some());
        let walked = lang.tag_with(src.as_bytes(), true);
        let queried = lang.tag_with(src.as_bytes(), false);
        assert_eq!(walked, queried);
        let names: Vec<&str> = walked.definitions.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(
            names,
            ["LIMIT", "x", "Config", "load", "helper", "Inner", "run"]
        );
        assert!(walked.references.contains(&"parse_config".to_string()));
    }
}

#[cfg(test)]
mod parse_budget_tests {
    #[test]
    fn a_pathological_file_is_cut_off_not_waited_for() {
        // Unclosed braces make tree-sitter's error recovery quadratic.
        let bomb = "{".repeat(60_000);
        let lang = super::lang("javascript").expect("javascript compiled in");
        let started = std::time::Instant::now();
        let t = lang.tag(bomb.as_bytes());
        assert!(
            started.elapsed() < super::PARSE_BUDGET * 3,
            "took {:?}",
            started.elapsed()
        );
        assert!(t.parse_timed_out);
    }
}
