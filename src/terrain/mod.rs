//! The repository as a landscape: directories laid out as a squarified treemap, height =
//! symbol density, contours, complexity in red, the agent's trail on top. Output as SVG,
//! PNG (resvg), a text heatmap for the job summary (GitHub strips inline SVG) and a short
//! description of the peaks (for MCP clients that cannot see pictures).

mod heightmap;
mod svg;
pub mod treemap;

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::Path;

use crate::index::graph::NodeStatus;
use crate::index::{ContextGraph, Index};

/// The terrain as a standalone SVG document (800×600 viewBox).
pub fn render_svg(index: &Index, graph: Option<&ContextGraph>) -> String {
    svg::render(index, graph)
}

/// Rasterise `svg` to a PNG at `out`, with the system's fonts for the labels.
pub fn render_png(svg: &str, out: &Path) -> Result<(), String> {
    let mut opt = resvg::usvg::Options::default();
    opt.fontdb_mut().load_system_fonts();
    let tree = resvg::usvg::Tree::from_str(svg, &opt)
        .map_err(|e| format!("the terrain SVG does not parse ({e}); this is a bug"))?;
    let size = tree.size().to_int_size();
    let mut pixmap = resvg::tiny_skia::Pixmap::new(size.width(), size.height())
        .ok_or_else(|| "the terrain has an empty size; this is a bug".to_string())?;
    resvg::render(
        &tree,
        resvg::tiny_skia::Transform::default(),
        &mut pixmap.as_mut(),
    );
    pixmap.save_png(out).map_err(|e| {
        format!(
            "cannot write {}: {e}; check that the directory exists and is writable",
            out.display()
        )
    })
}

const RAMP: &[char] = &[' ', '.', ':', '-', '=', '+', '*', '#', '%', '@'];

/// A `cols`×`rows` character heatmap of the terrain plus a one-line legend. Explored
/// files show as `o`, edited ones as `X`. Meant for a fenced code block.
pub fn heatmap_text(
    index: &Index,
    graph: Option<&ContextGraph>,
    cols: usize,
    rows: usize,
) -> String {
    let cols = cols.max(4);
    let rows = rows.max(2);
    let model = svg::model_for(index);
    let mut grid = vec![vec![' '; cols]; rows];
    for (r, line) in grid.iter_mut().enumerate() {
        for (c, ch) in line.iter_mut().enumerate() {
            let (x0, x1) = (
                c * model.gx / cols,
                ((c + 1) * model.gx / cols).max(c * model.gx / cols + 1),
            );
            let (y0, y1) = (
                r * model.gy / rows,
                ((r + 1) * model.gy / rows).max(r * model.gy / rows + 1),
            );
            let mut sum = 0.0;
            let mut n = 0.0;
            for y in y0..y1.min(model.gy) {
                for x in x0..x1.min(model.gx) {
                    sum += model.height[y * model.gx + x];
                    n += 1.0;
                }
            }
            let v = if n > 0.0 { sum / n } else { 0.0 };
            *ch = RAMP[((v * (RAMP.len() - 1) as f64).round() as usize).min(RAMP.len() - 1)];
        }
    }
    let (mut explored, mut edited) = (0, 0);
    if let Some(g) = graph {
        for (i, f) in index.files.iter().enumerate() {
            let mark = match g.status(&f.path) {
                Some(NodeStatus::Edited) => 'X',
                Some(NodeStatus::Explored) => 'o',
                _ => continue,
            };
            if mark == 'X' {
                edited += 1;
            } else {
                explored += 1;
            }
            let r = model.layout.files[i];
            let c = (((r.cx() - model.map.x) / model.map.w * cols as f64) as usize).min(cols - 1);
            let rr = (((r.cy() - model.map.y) / model.map.h * rows as f64) as usize).min(rows - 1);
            if grid[rr][c] != 'X' {
                grid[rr][c] = mark;
            }
        }
    }
    let mut out = String::new();
    for line in grid {
        out.push_str(line.iter().collect::<String>().trim_end());
        out.push('\n');
    }
    let _ = write!(
        out,
        "legend: symbol density {} (low→high) · o explored ({explored}) · X edited ({edited}) · map = directories as blocks, area = lines",
        RAMP[1..].iter().collect::<String>()
    );
    out
}

/// A few lines naming where the code mass is (top directories) and the top `n` peaks.
pub fn describe_peaks(index: &Index, n: usize) -> String {
    if index.files.is_empty() {
        return "The repository has no indexed files.".to_string();
    }
    let model = svg::model_for(index);
    let mut mass: BTreeMap<String, usize> = BTreeMap::new();
    let total: usize = index.files.iter().map(|f| f.symbols).sum();
    for f in &index.files {
        let dir = match f.path.split_once('/') {
            Some((d, _)) => format!("{d}/"),
            None => "(root)".to_string(),
        };
        *mass.entry(dir).or_default() += f.symbols;
    }
    let mut dirs: Vec<(String, usize)> = mass.into_iter().collect();
    dirs.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let mut out = String::new();
    if total > 0 {
        let parts: Vec<String> = dirs
            .iter()
            .take(4)
            .filter(|(_, m)| *m > 0)
            .map(|(d, m)| format!("{d} {}%", (*m as f64 * 100.0 / total as f64).round()))
            .collect();
        let _ = writeln!(
            out,
            "Code mass ({} files, {} symbols): {}.",
            index.files.len(),
            total,
            parts.join(", ")
        );
    } else {
        let _ = writeln!(
            out,
            "{} files, no parsed symbols (no supported language found).",
            index.files.len()
        );
    }
    let peaks = model.peaks(n);
    if !peaks.is_empty() {
        out.push_str("Peaks (densest files): ");
        let ps: Vec<String> = peaks
            .iter()
            .map(|p| {
                let f = &index.files[p.file];
                format!(
                    "{} ({} symbols, {} lines, complexity {})",
                    f.path, f.symbols, f.lines, f.complexity
                )
            })
            .collect();
        out.push_str(&ps.join("; "));
        out.push('.');
    }
    out.trim_end().to_string()
}
