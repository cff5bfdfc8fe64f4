//! The context graph (`context-graph.json`): every indexed file with its metrics and how far
//! the run got with it (ranked → explored → edited), and the reference edges between files.
//! Written at the start of a run and after each change, so a run that dies still leaves it.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{FileKind, Index, Ranked};

/// Edges kept in the file: the strongest ones, so a huge repo still gives a readable graph.
const MAX_EDGES: usize = 50_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NodeStatus {
    /// Indexed, not among the ranked files.
    Indexed,
    /// Among the files the ranking put in front of the agent.
    Ranked,
    /// Read by the agent.
    Explored,
    /// Changed by the agent.
    Edited,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GraphNode {
    pub path: String,
    pub kind: FileKind,
    pub lang: Option<String>,
    pub lines: usize,
    pub size: u64,
    pub symbols: usize,
    pub complexity: usize,
    /// 1-based position in the ranking, when ranked.
    pub rank: Option<usize>,
    pub score: Option<f64>,
    pub reason: Option<String>,
    pub status: NodeStatus,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GraphEdge {
    /// Index into `nodes` of the referencing file.
    pub source: usize,
    /// Index into `nodes` of the defining file.
    pub target: usize,
    pub weight: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContextGraph {
    pub version: u32,
    pub nodes: Vec<GraphNode>,
    pub edges: Vec<GraphEdge>,
    #[serde(skip)]
    by_path: HashMap<String, usize>,
}

/// Ranked files beyond this many stay `indexed`: only the head of the ranking is "shown".
const RANKED_SHOWN: usize = 30;

impl ContextGraph {
    pub fn new(index: &Index, ranked: &[Ranked]) -> Self {
        let mut nodes: Vec<GraphNode> = index
            .files
            .iter()
            .map(|f| GraphNode {
                path: f.path.clone(),
                kind: f.kind,
                lang: f.lang.map(str::to_string),
                lines: f.lines,
                size: f.size,
                symbols: f.symbols,
                complexity: f.complexity,
                rank: None,
                score: None,
                reason: None,
                status: NodeStatus::Indexed,
            })
            .collect();
        for (k, r) in ranked.iter().enumerate() {
            if let Some(i) = index.position(&r.path) {
                let n = &mut nodes[i];
                n.rank = Some(k + 1);
                n.score = Some(r.score);
                n.reason = Some(r.reason.clone());
                if k < RANKED_SHOWN {
                    n.status = NodeStatus::Ranked;
                }
            }
        }
        let mut edges: Vec<GraphEdge> = index
            .refs
            .edges
            .iter()
            .map(|e| GraphEdge {
                source: e.from,
                target: e.to,
                weight: (e.weight * 1000.0).round() / 1000.0,
            })
            .collect();
        if edges.len() > MAX_EDGES {
            edges.sort_by(|a, b| b.weight.total_cmp(&a.weight));
            edges.truncate(MAX_EDGES);
            edges.sort_by_key(|e| (e.source, e.target));
        }
        let mut g = ContextGraph {
            version: 1,
            nodes,
            edges,
            by_path: HashMap::new(),
        };
        g.reindex();
        g
    }

    fn reindex(&mut self) {
        self.by_path = self
            .nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (n.path.clone(), i))
            .collect();
    }

    fn raise(&mut self, path: &str, status: NodeStatus) {
        let path = path.trim_start_matches("./");
        let i = match self.by_path.get(path) {
            Some(i) => *i,
            None => {
                // A file the agent created, or one the index skipped: still part of the map.
                self.nodes.push(GraphNode {
                    path: path.to_string(),
                    kind: super::walk::classify(path, super::tags::lang_for_path(path).is_some()),
                    lang: None,
                    lines: 0,
                    size: 0,
                    symbols: 0,
                    complexity: 0,
                    rank: None,
                    score: None,
                    reason: None,
                    status: NodeStatus::Indexed,
                });
                self.by_path.insert(path.to_string(), self.nodes.len() - 1);
                self.nodes.len() - 1
            }
        };
        let n = &mut self.nodes[i];
        n.status = n.status.max(status);
    }

    pub fn mark_explored(&mut self, path: &str) {
        self.raise(path, NodeStatus::Explored);
    }

    pub fn mark_edited(&mut self, path: &str) {
        self.raise(path, NodeStatus::Edited);
    }

    pub fn node(&self, path: &str) -> Option<&GraphNode> {
        self.by_path.get(path).map(|i| &self.nodes[*i])
    }

    pub fn status(&self, path: &str) -> Option<NodeStatus> {
        self.by_path.get(path).map(|i| self.nodes[*i].status)
    }

    /// Write as JSON through a temp file and a rename, so a reader (or a crash) never sees
    /// half a graph.
    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        std::fs::create_dir_all(dir)?;
        let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
        serde_json::to_writer(std::io::BufWriter::new(tmp.as_file_mut()), self)
            .map_err(std::io::Error::other)?;
        tmp.as_file_mut().flush()?;
        tmp.persist(path).map_err(|e| e.error)?;
        Ok(())
    }

    pub fn read(path: &Path) -> Result<Self, String> {
        let bytes = std::fs::read(path).map_err(|e| {
            format!(
                "cannot read the context graph {}: {e}; check the path",
                path.display()
            )
        })?;
        let mut g: ContextGraph = serde_json::from_slice(&bytes).map_err(|e| {
            format!(
                "{} is not a context graph ({e}); pass the context-graph.json a run wrote",
                path.display()
            )
        })?;
        g.reindex();
        Ok(g)
    }
}
