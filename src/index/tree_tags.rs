//! Tags read straight off the syntax-tree walk, for grammars whose tags query is a few
//! fixed shapes (Python's: module-level assignments, classes, functions, calls). Running
//! the query costs about as much as the parse; the walk that counts branching nodes visits
//! every node anyway, so it collects the same definitions and references on the way.
//! `tags::tests` holds the walk to the query's output on the same source.

use std::collections::HashSet;

use tree_sitter::{Language, Node, Tree};

use super::Symbol;
use super::tags::{Tagged, symbol};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Other,
    Module,
    ExpressionStatement,
    Assignment,
    Class,
    Function,
    Call,
    Identifier,
    Attribute,
}

/// Node kinds and field ids of one grammar, resolved once.
pub(crate) struct TreeTags {
    /// Indexed by node kind id; several ids can share a name (aliases), so by name.
    kinds: Vec<Kind>,
    name: u16,
    left: u16,
    function: u16,
    attribute: u16,
}

impl TreeTags {
    /// The walk for `lang`, when its query is one this module reproduces.
    pub(crate) fn for_language(lang: &str, language: &Language) -> Option<TreeTags> {
        if lang != "python" {
            return None;
        }
        let kinds = (0..language.node_kind_count() as u16)
            .map(|id| {
                if !language.node_kind_is_named(id) {
                    return Kind::Other;
                }
                match language.node_kind_for_id(id).unwrap_or("") {
                    "module" => Kind::Module,
                    "expression_statement" => Kind::ExpressionStatement,
                    "assignment" => Kind::Assignment,
                    "class_definition" => Kind::Class,
                    "function_definition" => Kind::Function,
                    "call" => Kind::Call,
                    "identifier" => Kind::Identifier,
                    "attribute" => Kind::Attribute,
                    _ => Kind::Other,
                }
            })
            .collect();
        let field = |n: &str| language.field_id_for_name(n).map(u16::from);
        Some(TreeTags {
            kinds,
            name: field("name")?,
            left: field("left")?,
            function: field("function")?,
            attribute: field("attribute")?,
        })
    }

    fn kind(&self, n: Node) -> Kind {
        self.kinds
            .get(n.kind_id() as usize)
            .copied()
            .unwrap_or(Kind::Other)
    }

    fn field<'t>(&self, n: Node<'t>, field: u16, want: Kind) -> Option<Node<'t>> {
        let c = n.child_by_field_id(field)?;
        (self.kind(c) == want).then_some(c)
    }

    /// One pre-order walk: branching nodes (by `branching`, indexed by kind id),
    /// definitions and referenced names, as the tags query would give them.
    pub(crate) fn walk(&self, tree: &Tree, source: &[u8], branching: &[bool]) -> Tagged {
        let mut complexity = 0usize;
        let mut definitions: Vec<Symbol> = Vec::new();
        let mut seen_defs: HashSet<usize> = HashSet::new();
        let mut references: Vec<&str> = Vec::new();
        let text = |n: Node| -> Option<&str> {
            let s = std::str::from_utf8(&source[n.byte_range()]).ok()?.trim();
            (!s.is_empty() && s.len() <= 200).then_some(s)
        };
        // Kinds of the current node's ancestors, nearest last.
        let mut ancestors: Vec<Kind> = Vec::with_capacity(64);
        let mut cursor = tree.walk();
        'walk: loop {
            let node = cursor.node();
            if branching
                .get(node.kind_id() as usize)
                .copied()
                .unwrap_or(false)
            {
                complexity += 1;
            }
            let kind = self.kind(node);
            let def = match kind {
                Kind::Class => self
                    .field(node, self.name, Kind::Identifier)
                    .map(|n| (n, "class")),
                Kind::Function => self
                    .field(node, self.name, Kind::Identifier)
                    .map(|n| (n, "function")),
                Kind::Assignment
                    if ancestors.len() >= 2
                        && ancestors[ancestors.len() - 1] == Kind::ExpressionStatement
                        && ancestors[ancestors.len() - 2] == Kind::Module =>
                {
                    self.field(node, self.left, Kind::Identifier)
                        .map(|n| (n, "constant"))
                }
                Kind::Call => {
                    let callee = node.child_by_field_id(self.function);
                    let name = callee.and_then(|c| match self.kind(c) {
                        Kind::Identifier => Some(c),
                        Kind::Attribute => self.field(c, self.attribute, Kind::Identifier),
                        _ => None,
                    });
                    if let Some(s) = name.and_then(text) {
                        references.push(s);
                    }
                    None
                }
                _ => None,
            };
            if let Some((name_node, what)) = def
                && let Some(name) = text(name_node)
                && seen_defs.insert(name_node.start_byte())
            {
                definitions.push(symbol(source, name, what, name_node, node));
            }
            if cursor.goto_first_child() {
                ancestors.push(kind);
                continue;
            }
            while !cursor.goto_next_sibling() {
                if !cursor.goto_parent() {
                    break 'walk;
                }
                ancestors.pop();
            }
        }
        definitions.sort_by_key(|d| d.line);
        references.sort_unstable();
        references.dedup();
        Tagged {
            definitions,
            references: references.into_iter().map(str::to_string).collect(),
            complexity,
            parse_timed_out: false,
        }
    }
}
