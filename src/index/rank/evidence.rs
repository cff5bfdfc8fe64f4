//! What the issue names, resolved to files: stack frames and `file:line` forms, written
//! paths and dotted modules, packages, and definitions and uses of its identifiers.

use std::collections::{HashMap, HashSet};

use super::signals::*;
use crate::index::mentions::{
    common_suffix, components, frame_res, issue_identifiers, looks_like_file, path_re, title,
};
use crate::index::terms::{SPECIFIC_BIT, hash_term, stopwords, tf};
use crate::index::{FileKind, Index};

#[derive(Default, Clone)]
pub(super) struct Evidence {
    pub(super) raw: [f64; ADDITIVE],
    pub(super) frame_lines: Vec<usize>,
    pub(super) path_mentioned: bool,
    pub(super) package: Vec<String>,
    pub(super) symbols: Vec<String>,
    pub(super) uses: Vec<String>,
    pub(super) literals: Vec<(usize, String)>,
    pub(super) words: Vec<(f64, String)>,
    /// Place in the fielded BM25 order, 1 = best; 0 when no query word is in the file.
    pub(super) lexical_rank: usize,
}

/// How specific an identifier named in the issue is: IDF over the files that define or
/// reference it, scaled down for short names (`foo`, `idx`) and plain prose words.
pub(crate) struct Named {
    pub name: String,
    pub spec: f64,
}

/// A name the issue's own example code defines counts this much of itself.
const OWN_NAME: f64 = 0.3;
/// A name the issue writes only in example code or a traceback, never in its title or
/// prose, counts this much of itself.
const CODE_ONLY: f64 = 0.3;
/// Up to this many files named by path count in full; more share the signal.
const PATHS_IN_FULL: f64 = 3.0;
/// A named package's other modules get this share of its package value.
const PACKAGE_MEMBER: f64 = 0.35;

pub(super) fn named_identifiers(index: &Index, issue: &str) -> Vec<Named> {
    let n = index.files.len().max(1) as f64;
    let stop = stopwords();
    let own_names = issue_defined_names(issue);
    let title_ids: HashSet<&str> = crate::index::terms::identifiers(title(issue)).collect();
    let prose = crate::index::mentions::prose_identifiers(issue);
    let mut out = Vec::new();
    for (id, code_like) in issue_identifiers(issue) {
        if id.len() < 3 || (!code_like && stop.contains(id.to_ascii_lowercase().as_str())) {
            continue;
        }
        let defs = index.refs.defined_in.get(id.as_str()).map_or(0, Vec::len);
        let refs = index
            .refs
            .referenced_by
            .get(id.as_str())
            .map_or(0, Vec::len);
        if defs == 0 && refs == 0 {
            continue;
        }
        let idf = (1.0 + n / (defs + refs) as f64).ln();
        let len = ((id.len() as f64 - 2.0) / 6.0).clamp(0.15, 1.0);
        let kind = if code_like { 1.0 } else { 0.3 };
        // Few files define `version` or `current`, but most files say the word: a name
        // the repo's text uses everywhere says little about where the fix goes.
        let h = hash_term(id.as_bytes());
        let df = index.terms.iter().filter(|t| tf(t, h) > 0).count();
        let rare = if df == 0 {
            1.0
        } else {
            ((n / df as f64).ln() / n.max(2.0).ln()).clamp(0.0, 1.0)
        };
        let rare = rare.powf(if code_like { 0.5 } else { 2.0 });
        // The issue's own example code defines `Foo`, `attr1`, `example`: the reporter's
        // names, which the repo has only in test fixtures if at all.
        let own = if own_names.contains(id.as_str()) {
            OWN_NAME
        } else {
            1.0
        };
        let in_title = if title_ids.contains(id.as_str()) {
            TITLE_BOOST
        } else {
            1.0
        };
        // `models.CharField` in the reporter's example model, `_prepare` in the traceback:
        // context the frames and the words already carry, not where the reporter points.
        let context = if prose.contains(id.as_str()) {
            1.0
        } else {
            CODE_ONLY
        };
        out.push(Named {
            spec: idf * len * kind * rare * own * in_title * context,
            name: id,
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// Frames, `file:line` forms, written paths and dotted module paths.
pub(super) fn paths_and_frames(index: &Index, issue: &str, ev: &mut [Evidence]) {
    let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
    let comps: Vec<Vec<&str>> = index.files.iter().map(|f| components(&f.path)).collect();
    for (i, c) in comps.iter().enumerate() {
        if let Some(last) = c.last() {
            by_name.entry(*last).or_default().push(i);
        }
    }
    // (file, strength in [0, 1]) of a written path; exact multi-component matches win.
    let resolve = |cand: &str| -> Vec<(usize, f64)> {
        let cand = cand.trim_start_matches("a/").trim_start_matches("b/");
        let cc = components(cand);
        let Some(last) = cc.last() else {
            return Vec::new();
        };
        let Some(hits) = by_name.get(last) else {
            return Vec::new();
        };
        let best = hits
            .iter()
            .map(|&i| common_suffix(&cc, &comps[i]))
            .max()
            .unwrap_or(0);
        let ties = hits
            .iter()
            .filter(|&&i| common_suffix(&cc, &comps[i]) == best)
            .count();
        hits.iter()
            .filter(|&&i| best > 0 && common_suffix(&cc, &comps[i]) == best)
            .map(|&i| {
                let full = best == comps[i].len() || best == cc.len();
                let s = if full && best >= 2 { 1.0 } else { 0.6 };
                (i, s / ties as f64)
            })
            .collect()
    };
    // Python prints the deepest frame last ("most recent call last"); Rust, Go, Java and
    // JS print it first. The deepest frame is usually where the fix goes.
    let [py, other] = frame_res();
    let mut frames: Vec<(String, usize)> = py
        .captures_iter(issue)
        .map(|c| (c[1].to_string(), c[2].parse().unwrap_or(0)))
        .collect();
    let mut rest: Vec<(String, usize)> = other
        .captures_iter(issue)
        .map(|c| (c[1].to_string(), c[2].parse().unwrap_or(0)))
        .collect();
    rest.reverse();
    frames.extend(rest);
    let nframes = frames.len();
    for (k, (p, l)) in frames.iter().enumerate() {
        let depth = if nframes > 1 {
            k as f64 / (nframes - 1) as f64
        } else {
            1.0
        };
        for (i, s) in resolve(p) {
            let e = &mut ev[i];
            e.raw[FRAME] = e.raw[FRAME].max(s * (1.0 + depth));
            if !e.frame_lines.contains(l) {
                e.frame_lines.push(*l);
            }
        }
    }
    // (file → strength) of written paths and dotted module paths, combined below.
    let mut written: HashMap<usize, f64> = HashMap::new();
    let mut note = |i: usize, s: f64| {
        let v = written.entry(i).or_default();
        *v = v.max(s);
    };
    for m in path_re().find_iter(issue) {
        for (i, s) in resolve(m.as_str()) {
            note(i, s);
        }
    }
    // Dotted module paths: `xarray.core.variable` → xarray/core/variable.py or
    // .../variable/__init__.py. Two components at least, so `self.x` does not count.
    static DOTTED: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let dotted = DOTTED.get_or_init(|| {
        regex::Regex::new(r"\b[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*){1,8}\b")
            .expect("static regex")
    });
    for m in dotted.find_iter(issue) {
        if looks_like_file(m.as_str()) {
            continue;
        }
        let parts: Vec<&str> = m.as_str().split('.').collect();
        // Try the longest prefix that is a module: `pkg.mod.Class.method` → pkg/mod.py.
        for end in (2..=parts.len()).rev() {
            let rel = parts[..end].join("/");
            let mut found = false;
            for cand in [format!("{rel}.py"), format!("{rel}/__init__.py")] {
                // The whole dotted name must be the file's path or its tail: in
                // `tool.pylint.MASTER`, `tool` is no directory of the repo.
                let tail = format!("/{cand}");
                for (i, s) in resolve(&cand) {
                    let p = &index.files[i].path;
                    if s >= 1.0 && (*p == cand || p.ends_with(&tail)) {
                        note(i, 0.8);
                        found = true;
                    }
                }
            }
            if found {
                break;
            }
        }
    }
    // A bare `conf.py` that forty fixtures share names none of them; a list of ten
    // extensions names each less than one module does.
    let named: Vec<(usize, f64)> = written.into_iter().filter(|(_, s)| *s >= 0.3).collect();
    let spread = (PATHS_IN_FULL / named.len().max(1) as f64).sqrt().min(1.0);
    for (i, s) in named {
        ev[i].raw[PATH] = ev[i].raw[PATH].max(s * spread);
        ev[i].path_mentioned = true;
    }
}

/// The issue names a module or package: `autodoc` → sphinx/ext/autodoc/__init__.py,
/// `cli` → flask/cli.py.
pub(super) fn packages(
    index: &Index,
    issue: &str,
    named: &[Named],
    rarity: &HashMap<u32, f64>,
    ev: &mut [Evidence],
) {
    let mut by_module: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, f) in index.files.iter().enumerate() {
        if f.kind != FileKind::Source {
            continue;
        }
        let mut parts = f.path.rsplit('/');
        let name = parts.next().unwrap_or(&f.path);
        let stem = name.split('.').next().unwrap_or(name);
        let module = if matches!(stem, "__init__" | "mod" | "index" | "lib") {
            match parts.next() {
                Some(d) => d,
                None => continue,
            }
        } else {
            stem
        };
        by_module
            .entry(module.to_ascii_lowercase())
            .or_default()
            .push(i);
    }
    let _ = named;
    // In code form: backticks, a call, a dotted name, snake_case or camelCase.
    let code_form = issue_identifiers(issue);
    let code: HashSet<&str> = code_form
        .iter()
        .filter(|(_, c)| **c)
        .map(|(n, _)| n.as_str())
        .collect();
    let stop = stopwords();
    let mut seen = HashSet::new();
    // A written path (`shop/pricing.py`) already counts as a path or frame; its words do
    // not name the package a second time.
    let issue = path_re().replace_all(issue, " ");
    let joined = crate::index::terms::compounds(&issue);
    let words = crate::index::terms::identifiers(&issue).chain(joined.iter().map(String::as_str));
    words.for_each(|id| {
        let lower = id.to_ascii_lowercase();
        if lower.len() < 4 || stop.contains(lower.as_str()) || !seen.insert(lower.clone()) {
            return;
        }
        // A plain word must be long to count ("config" yes, "data" no); a name in code
        // form counts from four letters.
        if !code.contains(id) && lower.len() < 6 {
            return;
        }
        let Some(files) = by_module.get(&lower) else {
            return;
        };
        if files.len() > 6 {
            return;
        }
        // `logging` in pytest is everywhere; `autodoc` in one corner of sphinx.
        let rare = rarity
            .get(&(crate::index::terms::hash_term(lower.as_bytes()) & !SPECIFIC_BIT))
            .copied()
            .unwrap_or(1.0);
        let form = if code.contains(id) { 1.0 } else { 0.5 };
        for &i in files {
            let s = form * (0.3 + 0.7 * rare) / (files.len() as f64).sqrt();
            if s > ev[i].raw[PACKAGE] {
                ev[i].raw[PACKAGE] = s;
            }
            if !ev[i].package.contains(&lower) {
                ev[i].package.push(lower.clone());
            }
        }
    });
    // The package's own modules: `napoleon` named, its docstring.py holds the fix as
    // often as its __init__.py does. They get a share of the package's value.
    let share = PACKAGE_MEMBER;
    let inits: Vec<(String, f64, String)> = index
        .files
        .iter()
        .enumerate()
        .filter(|(i, f)| ev[*i].raw[PACKAGE] > 0.0 && is_package_init(&f.path))
        .filter_map(|(i, f)| {
            let dir = f.path.rsplit_once('/')?.0;
            Some((
                format!("{dir}/"),
                ev[i].raw[PACKAGE],
                ev[i].package.first()?.clone(),
            ))
        })
        .collect();
    for (dir, s, name) in inits {
        for (i, f) in index.files.iter().enumerate() {
            let Some(rest) = f.path.strip_prefix(&dir) else {
                continue;
            };
            if f.kind != FileKind::Source || rest.contains('/') || is_package_init(&f.path) {
                continue;
            }
            let v = s * share;
            if v > ev[i].raw[PACKAGE] {
                ev[i].raw[PACKAGE] = v;
                if !ev[i].package.contains(&name) {
                    ev[i].package.push(name.clone());
                }
            }
        }
    }
}

pub(super) fn definitions_and_uses(index: &Index, named: &[Named], ev: &mut [Evidence]) {
    for nm in named {
        let defs: &[usize] = index
            .refs
            .defined_in
            .get(nm.name.as_str())
            .map_or(&[], Vec::as_slice);
        if defs.len() <= 50 {
            for &d in defs {
                ev[d].raw[DEFINES] += nm.spec;
                ev[d].symbols.push(nm.name.clone());
            }
        }
        if let Some(users) = index.refs.referenced_by.get(nm.name.as_str())
            && users.len() <= 300
        {
            for &u in users {
                if !defs.contains(&u) {
                    ev[u].raw[USES] += nm.spec;
                    ev[u].uses.push(nm.name.clone());
                }
            }
        }
    }
}

/// Names the issue's own code defines: `def f`, `class Foo`, `x = ...` at a line's start.
fn issue_defined_names(issue: &str) -> HashSet<&str> {
    static DEF: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = DEF.get_or_init(|| {
        regex::Regex::new(
            r"(?m)(?:\b(?:def|class)\s+([A-Za-z_][A-Za-z0-9_]*)|^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?::\s*[A-Za-z_][\w\[\], .]*)?=[^=])",
        )
        .expect("static regex")
    });
    re.captures_iter(issue)
        .filter_map(|c| c.get(1).or_else(|| c.get(2)).map(|m| m.as_str()))
        .collect()
}

fn is_package_init(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let stem = name.split('.').next().unwrap_or(name);
    matches!(stem, "__init__" | "mod" | "index" | "lib")
}
