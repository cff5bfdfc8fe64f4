//! The cross-file reference graph: definition name → defining files, and file → file edges
//! (a file that references a name points at the files that define it).

use rayon::prelude::*;
use rustc_hash::FxHashMap;
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
    pub defined_in: FxHashMap<String, Vec<usize>>,
    /// Name → indexes of files that reference it.
    pub referenced_by: FxHashMap<String, Vec<usize>>,
    pub edges: Vec<Edge>,
}

impl RefGraph {
    pub fn build(files: &[FileEntry]) -> RefGraph {
        let mut defined_in: FxHashMap<String, Vec<usize>> = FxHashMap::default();
        for (i, f) in files.iter().enumerate() {
            for d in &f.definitions {
                match defined_in.get_mut(d.name.as_str()) {
                    Some(v) if v.last() == Some(&i) => {}
                    Some(v) => v.push(i),
                    None => {
                        defined_in.insert(d.name.clone(), vec![i]);
                    }
                }
            }
        }
        // Each file's resolved references and out-edges, in parallel: on a large tree
        // this was a third of a warm index when one map held every edge.
        let per_file: Vec<(Vec<&str>, Vec<Edge>)> = files
            .par_iter()
            .enumerate()
            .map(|(i, f)| {
                let mut resolved = Vec::new();
                let mut weights: FxHashMap<usize, f64> = FxHashMap::default();
                for r in &f.references {
                    let Some(defs) = defined_in.get(r.as_str()) else {
                        continue;
                    };
                    resolved.push(r.as_str());
                    if defs.len() > MAX_DEFINERS || r.len() < 3 {
                        continue;
                    }
                    let w = 1.0 / defs.len() as f64;
                    for &d in defs {
                        if d != i {
                            *weights.entry(d).or_default() += w;
                        }
                    }
                }
                let mut edges: Vec<Edge> = weights
                    .into_iter()
                    .map(|(to, weight)| Edge {
                        from: i,
                        to,
                        weight,
                    })
                    .collect();
                edges.sort_by_key(|e| e.to);
                (resolved, edges)
            })
            .collect();
        let mut referenced_by: FxHashMap<String, Vec<usize>> = FxHashMap::default();
        let mut edges = Vec::with_capacity(per_file.iter().map(|(_, e)| e.len()).sum());
        for (i, (resolved, out)) in per_file.into_iter().enumerate() {
            for r in resolved {
                match referenced_by.get_mut(r) {
                    Some(v) => v.push(i),
                    None => {
                        referenced_by.insert(r.to_string(), vec![i]);
                    }
                }
            }
            edges.extend(out);
        }
        RefGraph {
            defined_in,
            referenced_by,
            edges,
        }
    }
}
