//! The cross-file reference graph: definition name → defining files, and file → file edges
//! (a file that references a name points at the files that define it).

use std::collections::HashMap;

use serde::Serialize;

use super::FileEntry;

/// A name defined in more files than this carries no locating signal (`new`, `get`,
/// `__init__`) and would make the edge count quadratic.
const MAX_DEFINERS: usize = 25;

#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct Edge {
    pub from: usize,
    pub to: usize,
    /// Sum over shared names of 1 / (files defining the name).
    pub weight: f64,
}

#[derive(Debug, Default, Clone)]
pub struct RefGraph {
    /// Name → indexes into `Index::files` that define it.
    pub defined_in: HashMap<String, Vec<usize>>,
    /// Name → indexes of files that reference it.
    pub referenced_by: HashMap<String, Vec<usize>>,
    pub edges: Vec<Edge>,
}

impl RefGraph {
    pub fn build(files: &[FileEntry]) -> RefGraph {
        let mut defined_in: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, f) in files.iter().enumerate() {
            for d in &f.definitions {
                let v = defined_in.entry(d.name.clone()).or_default();
                if v.last() != Some(&i) {
                    v.push(i);
                }
            }
        }
        let mut referenced_by: HashMap<String, Vec<usize>> = HashMap::new();
        let mut weights: HashMap<(usize, usize), f64> = HashMap::new();
        for (i, f) in files.iter().enumerate() {
            for r in &f.references {
                let Some(defs) = defined_in.get(r) else {
                    continue;
                };
                referenced_by.entry(r.clone()).or_default().push(i);
                if defs.len() > MAX_DEFINERS || r.len() < 3 {
                    continue;
                }
                let w = 1.0 / defs.len() as f64;
                for &d in defs {
                    if d != i {
                        *weights.entry((i, d)).or_default() += w;
                    }
                }
            }
        }
        let mut edges: Vec<Edge> = weights
            .into_iter()
            .map(|((from, to), weight)| Edge { from, to, weight })
            .collect();
        edges.sort_by_key(|e| (e.from, e.to));
        RefGraph {
            defined_in,
            referenced_by,
            edges,
        }
    }
}
