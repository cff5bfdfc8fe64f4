//! Personalised PageRank over the reference graph.

use crate::index::Index;

/// PageRank over referencing → defining edges, restarting at the files with evidence
/// (weighted by it). With no evidence the restart is uniform: plain PageRank.
pub(super) fn personalised_pagerank(index: &Index, base: &[f64]) -> Vec<f64> {
    let n = base.len();
    let mut p: Vec<f64> = base.to_vec();
    // Only the strongest evidence seeds the walk, so noise words do not spread.
    let mut sorted: Vec<f64> = p.iter().copied().filter(|v| *v > 0.0).collect();
    sorted.sort_by(|a, b| b.total_cmp(a));
    let cutoff = sorted.get(50).copied().unwrap_or(0.0);
    for v in &mut p {
        if *v <= cutoff {
            *v = 0.0;
        }
    }
    let total: f64 = p.iter().sum();
    if total > 0.0 {
        for v in &mut p {
            *v /= total;
        }
    } else {
        p = vec![1.0 / n as f64; n];
    }
    let mut out_w = vec![0.0f64; n];
    for e in &index.refs.edges {
        out_w[e.from] += e.weight;
    }
    let d = 0.85;
    let mut r = p.clone();
    for _ in 0..25 {
        let mut next: Vec<f64> = p.iter().map(|v| (1.0 - d) * v).collect();
        let mut dangling = 0.0;
        for (i, w) in out_w.iter().enumerate() {
            if *w == 0.0 {
                dangling += r[i];
            }
        }
        for e in &index.refs.edges {
            next[e.to] += d * r[e.from] * e.weight / out_w[e.from];
        }
        for (v, pv) in next.iter_mut().zip(&p) {
            *v += d * dangling * pv;
        }
        r = next;
    }
    r
}
