//! Squarified treemap (Bruls, Huizing, van Wijk 2000) of the directory tree: every
//! directory is one rectangle holding its children, so neighbours in the tree are
//! neighbours on the map.

use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl Rect {
    pub fn area(&self) -> f64 {
        self.w * self.h
    }
    pub fn cx(&self) -> f64 {
        self.x + self.w / 2.0
    }
    pub fn cy(&self) -> f64 {
        self.y + self.h / 2.0
    }
}

/// A laid-out directory (for boundaries and labels).
#[derive(Debug, Clone)]
pub struct DirRect {
    pub path: String,
    pub depth: usize,
    pub rect: Rect,
}

pub struct Layout {
    /// Parallel to the input files.
    pub files: Vec<Rect>,
    pub dirs: Vec<DirRect>,
}

#[derive(Default)]
struct Node {
    dirs: BTreeMap<String, Node>,
    files: Vec<usize>,
    weight: f64,
}

/// Lay out `paths` ('/'-separated) with the given positive weights inside `area`.
pub fn layout(paths: &[&str], weights: &[f64], area: Rect) -> Layout {
    let mut root = Node::default();
    for (i, p) in paths.iter().enumerate() {
        let mut node = &mut root;
        let segs: Vec<&str> = p.split('/').collect();
        for seg in &segs[..segs.len() - 1] {
            node.weight += weights[i];
            node = node.dirs.entry((*seg).to_string()).or_default();
        }
        node.weight += weights[i];
        node.files.push(i);
    }
    let mut out = Layout {
        files: vec![
            Rect {
                x: area.x,
                y: area.y,
                w: 0.0,
                h: 0.0
            };
            paths.len()
        ],
        dirs: Vec::new(),
    };
    place(&root, "", 0, area, weights, &mut out);
    out
}

enum Item<'a> {
    Dir(&'a str, &'a Node),
    File(usize),
}

fn place(node: &Node, prefix: &str, depth: usize, rect: Rect, weights: &[f64], out: &mut Layout) {
    let mut items: Vec<(f64, Item)> = node
        .dirs
        .iter()
        .map(|(name, n)| (n.weight, Item::Dir(name.as_str(), n)))
        .chain(node.files.iter().map(|&i| (weights[i], Item::File(i))))
        .filter(|(w, _)| *w > 0.0)
        .collect();
    items.sort_by(|a, b| b.0.total_cmp(&a.0));
    let sizes: Vec<f64> = items.iter().map(|(w, _)| *w).collect();
    let rects = squarify(&sizes, rect);
    for ((_, item), r) in items.into_iter().zip(rects) {
        match item {
            Item::File(i) => out.files[i] = r,
            Item::Dir(name, n) => {
                let path = if prefix.is_empty() {
                    name.to_string()
                } else {
                    format!("{prefix}/{name}")
                };
                out.dirs.push(DirRect {
                    path: path.clone(),
                    depth: depth + 1,
                    rect: r,
                });
                place(n, &path, depth + 1, r, weights, out);
            }
        }
    }
}

/// Split `rect` into rectangles with areas proportional to `sizes` (sorted descending),
/// keeping aspect ratios close to 1.
pub fn squarify(sizes: &[f64], rect: Rect) -> Vec<Rect> {
    let total: f64 = sizes.iter().sum();
    if sizes.is_empty() || total <= 0.0 {
        return Vec::new();
    }
    let scale = rect.area() / total;
    let areas: Vec<f64> = sizes.iter().map(|s| s * scale).collect();
    let mut out = Vec::with_capacity(sizes.len());
    let mut free = rect;
    let mut i = 0;
    while i < areas.len() {
        let short = free.w.min(free.h);
        let mut j = i + 1;
        let mut best = worst(&areas[i..j], short);
        while j < areas.len() {
            let next = worst(&areas[i..=j], short);
            if next > best {
                break;
            }
            best = next;
            j += 1;
        }
        let row = &areas[i..j];
        let row_sum: f64 = row.iter().sum();
        if free.w >= free.h {
            // Column on the left.
            let cw = if free.h > 0.0 { row_sum / free.h } else { 0.0 };
            let mut y = free.y;
            for a in row {
                let h = if cw > 0.0 { a / cw } else { 0.0 };
                out.push(Rect {
                    x: free.x,
                    y,
                    w: cw,
                    h,
                });
                y += h;
            }
            free = Rect {
                x: free.x + cw,
                y: free.y,
                w: (free.w - cw).max(0.0),
                h: free.h,
            };
        } else {
            // Row on top.
            let rh = if free.w > 0.0 { row_sum / free.w } else { 0.0 };
            let mut x = free.x;
            for a in row {
                let w = if rh > 0.0 { a / rh } else { 0.0 };
                out.push(Rect {
                    x,
                    y: free.y,
                    w,
                    h: rh,
                });
                x += w;
            }
            free = Rect {
                x: free.x,
                y: free.y + rh,
                w: free.w,
                h: (free.h - rh).max(0.0),
            };
        }
        i = j;
    }
    out
}

/// The worst aspect ratio in a row of `areas` laid along a side of length `side`.
fn worst(areas: &[f64], side: f64) -> f64 {
    let s: f64 = areas.iter().sum();
    let (mut mx, mut mn) = (f64::MIN, f64::MAX);
    for a in areas {
        mx = mx.max(*a);
        mn = mn.min(*a);
    }
    if s <= 0.0 || mn <= 0.0 || side <= 0.0 {
        return f64::MAX;
    }
    let s2 = s * s;
    let w2 = side * side;
    (w2 * mx / s2).max(s2 / (w2 * mn))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn squarify_fills_the_rect_exactly() {
        let r = Rect {
            x: 0.0,
            y: 0.0,
            w: 600.0,
            h: 400.0,
        };
        let out = squarify(&[6.0, 6.0, 4.0, 3.0, 2.0, 2.0, 1.0], r);
        let total: f64 = out.iter().map(Rect::area).sum();
        assert!((total - r.area()).abs() < 1e-6, "{total}");
        for o in &out {
            assert!(
                o.x >= -1e-9
                    && o.y >= -1e-9
                    && o.x + o.w <= 600.0 + 1e-6
                    && o.y + o.h <= 400.0 + 1e-6,
                "{o:?}"
            );
        }
        // Areas follow the weights.
        assert!((out[0].area() - 6.0 / 24.0 * r.area()).abs() < 1e-6);
    }

    #[test]
    fn siblings_stay_inside_their_directory() {
        let paths = ["a/x.rs", "a/y.rs", "b/z.rs", "b/c/w.rs"];
        let l = layout(
            &paths,
            &[1.0, 1.0, 1.0, 1.0],
            Rect {
                x: 0.0,
                y: 0.0,
                w: 100.0,
                h: 100.0,
            },
        );
        let a = l.dirs.iter().find(|d| d.path == "a").unwrap().rect;
        for f in &l.files[..2] {
            assert!(
                f.x >= a.x - 1e-9
                    && f.x + f.w <= a.x + a.w + 1e-9
                    && f.y >= a.y - 1e-9
                    && f.y + f.h <= a.y + a.h + 1e-9
            );
        }
        assert!((a.area() - 5000.0).abs() < 1e-6);
    }
}
