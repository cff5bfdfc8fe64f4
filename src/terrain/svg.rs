//! The SVG writer: relief bands, contour lines, red complexity contours, directory
//! outlines, the agent's trail (explored/edited), peak labels and a legend.

use std::fmt::Write;

use contour::ContourBuilder;

use super::heightmap::Model;
use super::treemap::Rect;
use crate::index::graph::NodeStatus;
use crate::index::{ContextGraph, Index};

pub const WIDTH: f64 = 800.0;
pub const HEIGHT: f64 = 600.0;
const TOP: f64 = 30.0;
const MAP_H: f64 = 490.0;
const GX: usize = 160;
const GY: usize = 98;

/// Relief thresholds and their fill colours, low to high (hypsometric tints).
const LEVELS: &[(f64, &str)] = &[
    (0.04, "#cfe3b5"),
    (0.12, "#b5d68f"),
    (0.22, "#d9d98c"),
    (0.32, "#e8cf8a"),
    (0.42, "#ddb278"),
    (0.52, "#c99561"),
    (0.62, "#b07a4f"),
    (0.72, "#946345"),
    (0.82, "#a8998c"),
    (0.91, "#efeae4"),
];
const BASE: &str = "#e7f0dc";
const COMPLEXITY_LEVELS: &[f64] = &[0.35, 0.6, 0.85];

pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            c if (c as u32) < 0x20 && c != '\t' => o.push(' '),
            // Not XML characters: a file named with them made the SVG unparseable
            // (tests/it/strange_repo.rs).
            '\u{FFFE}' | '\u{FFFF}' => o.push('\u{FFFD}'),
            c => o.push(c),
        }
    }
    o
}

pub fn model_for(index: &Index) -> Model {
    Model::build(
        index,
        Rect {
            x: 0.0,
            y: TOP,
            w: WIDTH,
            h: MAP_H,
        },
        GX,
        GY,
    )
}

/// Ring coordinates → path data, simplified (Douglas-Peucker, 0.6 px) to keep the file small.
fn ring_path(out: &mut String, pts: &[(f64, f64)]) {
    let simp = simplify(pts, 0.6);
    if simp.len() < 3 {
        return;
    }
    for (k, (x, y)) in simp.iter().enumerate() {
        let _ = write!(out, "{}{:.1} {:.1}", if k == 0 { "M" } else { "L" }, x, y);
    }
    out.push('Z');
}

fn simplify(pts: &[(f64, f64)], eps: f64) -> Vec<(f64, f64)> {
    if pts.len() < 4 {
        return pts.to_vec();
    }
    let mut keep = vec![false; pts.len()];
    keep[0] = true;
    keep[pts.len() - 1] = true;
    let mut stack = vec![(0usize, pts.len() - 1)];
    while let Some((a, b)) = stack.pop() {
        if b <= a + 1 {
            continue;
        }
        let (ax, ay) = pts[a];
        let (bx, by) = pts[b];
        let (dx, dy) = (bx - ax, by - ay);
        let len = (dx * dx + dy * dy).sqrt();
        let mut far = (0.0, a);
        for (i, &(px, py)) in pts.iter().enumerate().take(b).skip(a + 1) {
            let d = if len < 1e-9 {
                ((px - ax).powi(2) + (py - ay).powi(2)).sqrt()
            } else {
                ((px - ax) * dy - (py - ay) * dx).abs() / len
            };
            if d > far.0 {
                far = (d, i);
            }
        }
        if far.0 > eps {
            keep[far.1] = true;
            stack.push((a, far.1));
            stack.push((far.1, b));
        }
    }
    pts.iter()
        .zip(keep)
        .filter(|(_, k)| *k)
        .map(|(p, _)| *p)
        .collect()
}

/// Path data of the region where `values` ≥ `threshold` (holes included).
fn contour_path(model: &Model, values: &[f64], threshold: f64) -> String {
    let (cw, ch) = model.cell_size();
    let builder = ContourBuilder::new(model.gx, model.gy, true)
        .x_origin(model.map.x)
        .y_origin(model.map.y)
        .x_step(cw)
        .y_step(ch);
    let mut d = String::new();
    let Ok(contours) = builder.contours(values, &[threshold]) else {
        return d;
    };
    for c in contours {
        for poly in c.geometry().0.iter() {
            let ext: Vec<(f64, f64)> = poly.exterior().0.iter().map(|p| (p.x, p.y)).collect();
            ring_path(&mut d, &ext);
            for hole in poly.interiors() {
                let h: Vec<(f64, f64)> = hole.0.iter().map(|p| (p.x, p.y)).collect();
                ring_path(&mut d, &h);
            }
        }
    }
    d
}

/// The peak label: the file name, with its directory when the name alone says nothing.
fn peak_label(path: &str) -> String {
    let mut parts = path.rsplit('/');
    let name = parts.next().unwrap_or(path);
    let stem = name.split('.').next().unwrap_or(name);
    let generic = matches!(
        stem,
        "mod" | "lib" | "main" | "index" | "__init__" | "utils" | "util" | "types" | "init"
    );
    match parts.next() {
        Some(dir) if generic => format!("{dir}/{name}"),
        _ => name.to_string(),
    }
}

pub fn render(index: &Index, graph: Option<&ContextGraph>) -> String {
    let model = model_for(index);
    let mut s = String::with_capacity(200_000);
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" font-family="DejaVu Sans, Liberation Sans, Arial, sans-serif">"#
    );
    s.push('\n');
    let root_name = index
        .root
        .canonicalize()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().to_string()))
        .unwrap_or_else(|| index.root.display().to_string());
    let _ = writeln!(
        s,
        r##"<title>Terrain of {}</title><rect width="{WIDTH}" height="{HEIGHT}" fill="#fbfaf7"/>"##,
        esc(&root_name)
    );
    let _ = writeln!(
        s,
        r##"<text x="10" y="20" font-size="14" font-weight="bold" fill="#333">{}</text><text x="{}" y="20" font-size="11" fill="#555" text-anchor="end">{} files · {} symbols · height = symbol density</text>"##,
        esc(&root_name),
        WIDTH - 10.0,
        index.stats.files,
        index.stats.symbols
    );

    // Relief.
    let _ = writeln!(
        s,
        r#"<g id="relief" class="relief"><rect x="{}" y="{}" width="{}" height="{}" fill="{BASE}"/>"#,
        model.map.x, model.map.y, model.map.w, model.map.h
    );
    for (t, colour) in LEVELS {
        let d = contour_path(&model, &model.height, *t);
        if !d.is_empty() {
            let _ = writeln!(s, r#"<path fill="{colour}" fill-rule="evenodd" d="{d}"/>"#);
        }
    }
    s.push_str("</g>\n");

    // Contour lines (every third one heavier, as on survey maps).
    s.push_str(r##"<g id="contours" class="contours" fill="none" stroke="#6b5239" stroke-linejoin="round">"##);
    s.push('\n');
    for (k, (t, _)) in LEVELS.iter().enumerate().skip(1) {
        let d = contour_path(&model, &model.height, *t);
        if !d.is_empty() {
            let (w, o) = if k % 3 == 0 { (0.9, 0.75) } else { (0.45, 0.5) };
            let _ = writeln!(
                s,
                r#"<path class="contour" stroke-width="{w}" stroke-opacity="{o}" d="{d}"/>"#
            );
        }
    }
    s.push_str("</g>\n");

    // Complexity.
    s.push_str(r##"<g id="complexity" class="complexity-contours" fill="none" stroke="#d7191c" stroke-linejoin="round">"##);
    s.push('\n');
    for (k, t) in COMPLEXITY_LEVELS.iter().enumerate() {
        let d = contour_path(&model, &model.complexity, *t);
        if !d.is_empty() {
            let w = 0.8 + 0.5 * k as f64;
            let _ = writeln!(
                s,
                r#"<path class="contour complexity" stroke-width="{w:.1}" stroke-opacity="0.85" stroke-dasharray="{}" d="{d}"/>"#,
                if k == 0 { "3 2" } else { "none" }
            );
        }
    }
    s.push_str("</g>\n");

    // Directory outlines: top level always, second level where it is big enough to read.
    s.push_str(r##"<g id="directories" class="directories" fill="none" stroke="#ffffff">"##);
    s.push('\n');
    for d in model
        .layout
        .dirs
        .iter()
        .filter(|d| d.depth <= 2 && d.rect.area() > 400.0)
    {
        let (w, o) = if d.depth == 1 {
            (1.6, 0.85)
        } else {
            (0.7, 0.6)
        };
        let r = d.rect;
        let _ = writeln!(
            s,
            r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" stroke-width="{w}" stroke-opacity="{o}"/>"#,
            r.x, r.y, r.w, r.h
        );
    }
    s.push_str("</g>\n");
    s.push_str(
        r##"<g id="directory-labels" class="labels" font-size="10" fill="#3d3d3d" stroke="#ffffff" stroke-width="2.5" paint-order="stroke" stroke-opacity="0.8">"##,
    );
    s.push('\n');
    for d in model.layout.dirs.iter().filter(|d| {
        (d.depth == 1 && d.rect.w > 40.0 && d.rect.h > 14.0)
            || (d.depth == 2 && d.rect.w > 70.0 && d.rect.h > 40.0)
    }) {
        let max_chars = ((d.rect.w - 6.0) / 6.0).max(3.0) as usize;
        let shown = if d.depth == 1 {
            d.path.as_str()
        } else {
            d.path.rsplit('/').next().unwrap_or(&d.path)
        };
        let mut label: String = format!("{shown}/");
        if label.chars().count() > max_chars {
            label = label
                .chars()
                .take(max_chars.saturating_sub(1))
                .collect::<String>()
                + "…";
        }
        let style = if d.depth == 1 {
            ""
        } else {
            r#" font-size="9" font-style="italic" fill-opacity="0.8""#
        };
        let _ = writeln!(
            s,
            r#"<text x="{:.1}" y="{:.1}"{style}>{}</text>"#,
            d.rect.x + 4.0,
            d.rect.y + if d.depth == 1 { 12.0 } else { 23.0 },
            esc(&label)
        );
    }
    s.push_str("</g>\n");

    // The agent's trail.
    let status =
        |i: usize| -> Option<NodeStatus> { graph.and_then(|g| g.status(&index.files[i].path)) };
    let rect_of = |i: usize| model.layout.files[i];
    s.push_str(r##"<g id="ranked" class="highlight ranked" fill="none" stroke="#1f1f1f" stroke-width="1" stroke-dasharray="2 2">"##);
    s.push('\n');
    for i in 0..index.files.len() {
        // Only the head of the ranking: thirty outlines would hide the relief.
        let top = graph
            .and_then(|g| g.node(&index.files[i].path))
            .and_then(|n| n.rank)
            .is_some_and(|r| r <= 10);
        if status(i) == Some(NodeStatus::Ranked) && top {
            outline(
                &mut s,
                grow(rect_of(i), 1.5),
                "ranked",
                &index.files[i].path,
            );
        }
    }
    s.push_str("</g>\n");
    s.push_str(r##"<g id="explored" class="highlight explored" fill="#1e88e5" fill-opacity="0.35" stroke="#0d47a1" stroke-width="1.4">"##);
    s.push('\n');
    for i in 0..index.files.len() {
        if matches!(status(i), Some(NodeStatus::Explored | NodeStatus::Edited)) {
            outline(
                &mut s,
                grow(rect_of(i), 1.5),
                "explored",
                &index.files[i].path,
            );
        }
    }
    s.push_str("</g>\n");
    s.push_str(r##"<g id="edited" class="highlight edited" fill="#e91e63" stroke="#ffffff" stroke-width="1.2">"##);
    s.push('\n');
    for i in 0..index.files.len() {
        if status(i) == Some(NodeStatus::Edited) {
            let r = rect_of(i);
            let (x, y) = (r.cx(), r.cy());
            let _ = writeln!(
                s,
                r#"<g><title>edited: {}</title><circle cx="{x:.1}" cy="{y:.1}" r="6"/><path d="M{:.1} {:.1}L{:.1} {:.1}M{:.1} {:.1}L{:.1} {:.1}" stroke-width="1.8"/></g>"#,
                esc(&index.files[i].path),
                x - 3.0,
                y - 3.0,
                x + 3.0,
                y + 3.0,
                x - 3.0,
                y + 3.0,
                x + 3.0,
                y - 3.0
            );
        }
    }
    s.push_str("</g>\n");

    // Peaks.
    s.push_str(r##"<g id="peaks" class="peaks" font-size="10.5" font-weight="bold" fill="#222">"##);
    s.push('\n');
    for p in model.peaks(8) {
        let f = &index.files[p.file];
        let label = esc(&peak_label(&f.path));
        // Keep labels off the title bar and inside the map.
        let ty = (p.y - 7.0).max(TOP + 26.0);
        let anchor = if p.x > WIDTH - 120.0 {
            "end"
        } else if p.x < 120.0 {
            "start"
        } else {
            "middle"
        };
        let _ = writeln!(
            s,
            r##"<g><title>{} · {} symbols, {} lines</title><path d="M{:.1} {:.1}l5 9h-10z" fill="#3b2a1a" stroke="#fff" stroke-width="0.8"/><text x="{:.1}" y="{:.1}" text-anchor="{anchor}" stroke="#ffffff" stroke-width="3" paint-order="stroke" stroke-opacity="0.9">{label}</text></g>"##,
            esc(&f.path),
            f.symbols,
            f.lines,
            p.x,
            p.y - 4.0,
            p.x,
            ty,
        );
    }
    s.push_str("</g>\n");

    legend(&mut s);
    s.push_str("</svg>\n");
    s
}

/// A highlight rectangle whose tooltip says why the file is marked.
fn outline(s: &mut String, r: Rect, why: &str, path: &str) {
    let _ = writeln!(
        s,
        r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}"><title>{why}: {}</title></rect>"#,
        r.x,
        r.y,
        r.w,
        r.h,
        esc(path)
    );
}

fn grow(r: Rect, by: f64) -> Rect {
    Rect {
        x: r.x - by,
        y: r.y - by,
        w: r.w + 2.0 * by,
        h: r.h + 2.0 * by,
    }
}

fn legend(s: &mut String) {
    let y = TOP + MAP_H + 14.0;
    s.push_str(r##"<g id="legend" class="legend" font-size="10.5" fill="#333">"##);
    s.push('\n');
    let _ = write!(
        s,
        r#"<text x="10" y="{:.1}">symbol density</text>"#,
        y + 9.0
    );
    let x0 = 95.0;
    let _ = write!(
        s,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="end" font-size="9">low</text>"#,
        x0 - 3.0,
        y + 22.0
    );
    let sw = 14.0;
    let _ = write!(
        s,
        r##"<rect x="{x0}" y="{y:.1}" width="{sw}" height="10" fill="{BASE}" stroke="#999" stroke-width="0.3"/>"##
    );
    for (k, (_, colour)) in LEVELS.iter().enumerate() {
        let _ = write!(
            s,
            r##"<rect x="{:.1}" y="{y:.1}" width="{sw}" height="10" fill="{colour}" stroke="#999" stroke-width="0.3"/>"##,
            x0 + sw * (k + 1) as f64
        );
    }
    let xe = x0 + sw * (LEVELS.len() + 1) as f64;
    let _ = write!(
        s,
        r#"<text x="{:.1}" y="{:.1}" font-size="9" text-anchor="end">high (peaks)</text>"#,
        xe,
        y + 22.0
    );
    let _ = write!(
        s,
        r#"<text x="{x0}" y="{:.1}" font-size="9">config · docs · tests lie low</text>"#,
        y + 34.0
    );
    let mut x = xe + 20.0;
    let item = |s: &mut String, x: f64, icon: &str, text: &str| {
        let _ = write!(
            s,
            r#"{icon}<text x="{:.1}" y="{:.1}">{}</text>"#,
            x + 22.0,
            y + 9.0,
            esc(text)
        );
    };
    item(
        s,
        x,
        &format!(
            r##"<path d="M{x} {:.1}h18" stroke="#6b5239" stroke-width="0.9"/>"##,
            y + 5.0
        ),
        "contour",
    );
    x += 75.0;
    item(
        s,
        x,
        &format!(
            r##"<path d="M{x} {:.1}h18" stroke="#d7191c" stroke-width="1.5"/>"##,
            y + 5.0
        ),
        "complexity",
    );
    x += 90.0;
    item(
        s,
        x,
        &format!(
            r##"<rect x="{x}" y="{y}" width="18" height="10" fill="#1e88e5" fill-opacity="0.35" stroke="#0d47a1"/>"##
        ),
        "explored",
    );
    x += 80.0;
    item(
        s,
        x,
        &format!(
            r##"<circle cx="{:.1}" cy="{:.1}" r="5" fill="#e91e63"/>"##,
            x + 9.0,
            y + 5.0
        ),
        "edited",
    );
    x += 70.0;
    item(
        s,
        x,
        &format!(
            r##"<rect x="{x}" y="{y}" width="18" height="10" fill="none" stroke="#1f1f1f" stroke-dasharray="2 2"/>"##
        ),
        "ranked",
    );
    let _ = write!(
        s,
        r##"<text x="{:.1}" y="{:.1}" font-size="9" fill="#666">area = lines of code; outlined blocks = top-level directories; ▲ = peak (densest file)</text>"##,
        xe + 20.0,
        y + 34.0
    );
    s.push_str("\n</g>\n");
}
