//! The terrain model: files laid out by the treemap, rasterised onto a grid as symbol
//! density (height) and complexity density, smoothed, with peaks found.

use super::treemap::{self, Layout, Rect};
use crate::index::{FileKind, Index};

pub struct Model {
    pub map: Rect,
    pub layout: Layout,
    pub gx: usize,
    pub gy: usize,
    /// Row-major, normalised to 0..=1.
    pub height: Vec<f64>,
    /// Row-major, normalised to 0..=1.
    pub complexity: Vec<f64>,
    /// Per cell: the file contributing most height there.
    pub owner: Vec<Option<usize>>,
}

#[derive(Debug, Clone)]
pub struct Peak {
    pub x: f64,
    pub y: f64,
    pub file: usize,
}

/// Map area per file: sub-linear in lines so one huge file does not swallow the map and
/// small files stay visible.
fn area_weight(lines: usize) -> f64 {
    (lines.max(1) as f64).powf(0.75) + 4.0
}

/// Config, docs and tests are valleys: they hold code mass of a different kind.
fn kind_factor(k: FileKind) -> f64 {
    match k {
        FileKind::Source => 1.0,
        FileKind::Test => 0.3,
        FileKind::Other => 0.15,
        FileKind::Config | FileKind::Docs | FileKind::Generated => 0.08,
    }
}

impl Model {
    pub fn build(index: &Index, map: Rect, gx: usize, gy: usize) -> Model {
        let paths: Vec<&str> = index.files.iter().map(|f| f.path.as_str()).collect();
        let weights: Vec<f64> = index.files.iter().map(|f| area_weight(f.lines)).collect();
        let layout = treemap::layout(&paths, &weights, map);
        let cw = map.w / gx as f64;
        let ch = map.h / gy as f64;
        let cell_area = cw * ch;
        let mut h = vec![0.0f64; gx * gy];
        let mut c = vec![0.0f64; gx * gy];
        let mut best = vec![0.0f64; gx * gy];
        let mut owner = vec![None; gx * gy];
        for (i, (f, r)) in index.files.iter().zip(&layout.files).enumerate() {
            if r.area() <= 0.0 {
                continue;
            }
            let dens = f.symbols as f64 * kind_factor(f.kind) / weights[i];
            let cdens = f.complexity as f64 * kind_factor(f.kind) / weights[i];
            let x0 = (((r.x - map.x) / cw).floor().max(0.0)) as usize;
            let y0 = (((r.y - map.y) / ch).floor().max(0.0)) as usize;
            let x1 = ((((r.x + r.w - map.x) / cw).ceil()) as usize).min(gx);
            let y1 = ((((r.y + r.h - map.y) / ch).ceil()) as usize).min(gy);
            for yy in y0..y1 {
                let cy0 = map.y + yy as f64 * ch;
                let oy = (r.y + r.h).min(cy0 + ch) - r.y.max(cy0);
                if oy <= 0.0 {
                    continue;
                }
                for xx in x0..x1 {
                    let cx0 = map.x + xx as f64 * cw;
                    let ox = (r.x + r.w).min(cx0 + cw) - r.x.max(cx0);
                    if ox <= 0.0 {
                        continue;
                    }
                    let frac = ox * oy / cell_area;
                    let k = yy * gx + xx;
                    h[k] += dens * frac;
                    c[k] += cdens * frac;
                    let share = (dens + 1e-6) * frac;
                    if share > best[k] {
                        best[k] = share;
                        owner[k] = Some(i);
                    }
                }
            }
        }
        let sigma = (gx.max(gy) as f64 / 60.0).max(1.0);
        blur(&mut h, gx, gy, sigma);
        blur(&mut c, gx, gy, sigma);
        normalise(&mut h);
        normalise(&mut c);
        Model {
            map,
            layout,
            gx,
            gy,
            height: h,
            complexity: c,
            owner,
        }
    }

    pub fn cell_size(&self) -> (f64, f64) {
        (self.map.w / self.gx as f64, self.map.h / self.gy as f64)
    }

    /// The highest local maxima, at least a tenth of the map apart, each named by the file
    /// that owns its cell.
    pub fn peaks(&self, n: usize) -> Vec<Peak> {
        let (cw, ch) = self.cell_size();
        let r = 3isize;
        let mut cands: Vec<(f64, usize, usize)> = Vec::new();
        for y in 0..self.gy {
            for x in 0..self.gx {
                let v = self.height[y * self.gx + x];
                if v < 0.2 {
                    continue;
                }
                let mut is_max = true;
                'n: for dy in -r..=r {
                    for dx in -r..=r {
                        let (nx, ny) = (x as isize + dx, y as isize + dy);
                        if (dx, dy) == (0, 0)
                            || nx < 0
                            || ny < 0
                            || nx >= self.gx as isize
                            || ny >= self.gy as isize
                        {
                            continue;
                        }
                        let nv = self.height[ny as usize * self.gx + nx as usize];
                        if nv > v || (nv == v && (dy, dx) < (0, 0)) {
                            is_max = false;
                            break 'n;
                        }
                    }
                }
                if is_max {
                    cands.push((v, x, y));
                }
            }
        }
        cands.sort_by(|a, b| b.0.total_cmp(&a.0));
        let min_d = (self.gx.max(self.gy) as f64) / 10.0;
        let mut out: Vec<Peak> = Vec::new();
        let mut cells: Vec<(usize, usize)> = Vec::new();
        for (_, x, y) in cands {
            if out.len() >= n {
                break;
            }
            if cells.iter().any(|(px, py)| {
                let dx = *px as f64 - x as f64;
                let dy = *py as f64 - y as f64;
                (dx * dx + dy * dy).sqrt() < min_d
            }) {
                continue;
            }
            let Some(file) = self.owner_near(x, y) else {
                continue;
            };
            if out.iter().any(|p| p.file == file) {
                continue;
            }
            cells.push((x, y));
            out.push(Peak {
                x: self.map.x + (x as f64 + 0.5) * cw,
                y: self.map.y + (y as f64 + 0.5) * ch,
                file,
            });
        }
        out
    }

    fn owner_near(&self, x: usize, y: usize) -> Option<usize> {
        for r in 0..4isize {
            for dy in -r..=r {
                for dx in -r..=r {
                    let (nx, ny) = (x as isize + dx, y as isize + dy);
                    if nx >= 0
                        && ny >= 0
                        && (nx as usize) < self.gx
                        && (ny as usize) < self.gy
                        && let Some(o) = self.owner[ny as usize * self.gx + nx as usize]
                    {
                        return Some(o);
                    }
                }
            }
        }
        None
    }
}

/// Separable Gaussian blur, clamped at the edges.
fn blur(v: &mut [f64], gx: usize, gy: usize, sigma: f64) {
    let rad = (sigma * 3.0).ceil() as isize;
    let kernel: Vec<f64> = (-rad..=rad)
        .map(|i| (-(i * i) as f64 / (2.0 * sigma * sigma)).exp())
        .collect();
    let ksum: f64 = kernel.iter().sum();
    let mut tmp = vec![0.0; v.len()];
    for y in 0..gy {
        for x in 0..gx {
            let mut s = 0.0;
            for (k, w) in kernel.iter().enumerate() {
                let xx = (x as isize + k as isize - rad).clamp(0, gx as isize - 1) as usize;
                s += w * v[y * gx + xx];
            }
            tmp[y * gx + x] = s / ksum;
        }
    }
    for y in 0..gy {
        for x in 0..gx {
            let mut s = 0.0;
            for (k, w) in kernel.iter().enumerate() {
                let yy = (y as isize + k as isize - rad).clamp(0, gy as isize - 1) as usize;
                s += w * tmp[yy * gx + x];
            }
            v[y * gx + x] = s / ksum;
        }
    }
}

/// Scale to 0..=1 by a high percentile, so one outlier file does not flatten the rest.
fn normalise(v: &mut [f64]) {
    let mut nz: Vec<f64> = v.iter().copied().filter(|x| *x > 0.0).collect();
    if nz.is_empty() {
        return;
    }
    nz.sort_by(|a, b| a.total_cmp(b));
    let top = nz[((nz.len() as f64 * 0.998) as usize).min(nz.len() - 1)].max(1e-12);
    for x in v.iter_mut() {
        *x = (*x / top).min(1.0);
    }
}
