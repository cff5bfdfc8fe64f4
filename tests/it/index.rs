//! The repo index end to end on real temp repositories: tags per language, ranking,
//! the cache, the context graph, the repo map and the terrain.

use std::path::Path;

use octagit::index::graph::NodeStatus;
use octagit::index::{self, ContextGraph, FileKind, Index, IndexOptions};
use octagit::terrain;

use crate::support::repo::TempRepo;

fn build(dir: &Path) -> Index {
    index::build(dir, &IndexOptions::default()).expect("index builds")
}

fn defs(idx: &Index, path: &str) -> Vec<String> {
    let i = idx
        .position(path)
        .unwrap_or_else(|| panic!("{path} not indexed: {:?}", paths(idx)));
    idx.files[i]
        .definitions
        .iter()
        .map(|d| d.name.clone())
        .collect()
}

fn paths(idx: &Index) -> Vec<String> {
    idx.files.iter().map(|f| f.path.clone()).collect()
}

// One push per feature-gated language, so `vec![]` cannot be used.
#[allow(unused_mut, clippy::vec_init_then_push)]
fn language_samples() -> Vec<(&'static str, &'static str, Vec<&'static str>)> {
    let mut v: Vec<(&str, &str, Vec<&str>)> = Vec::new();
    #[cfg(feature = "lang-rust")]
    v.push((
        "src/shapes.rs",
        "pub struct Circle { r: f64 }\nimpl Circle {\n    pub fn area(&self) -> f64 { if self.r > 0.0 { 3.14 * self.r * self.r } else { 0.0 } }\n}\npub trait Shape {}\nfn helper() { let c = Circle { r: 1.0 }; c.area(); }\n",
        vec!["Circle", "area", "Shape", "helper"],
    ));
    #[cfg(feature = "lang-python")]
    v.push((
        "pkg/models.py",
        "class Account:\n    def deposit(self, amount):\n        if amount < 0:\n            raise ValueError()\n        self.total += amount\n\ndef open_account():\n    return Account()\n",
        vec!["Account", "deposit", "open_account"],
    ));
    #[cfg(feature = "lang-javascript")]
    v.push((
        "web/cart.js",
        "class Cart {\n  add(item) { this.items.push(item); }\n}\nfunction total(cart) { return cart.items.length; }\n",
        vec!["Cart", "add", "total"],
    ));
    #[cfg(feature = "lang-typescript")]
    v.push((
        "web/user.ts",
        "interface User { name: string }\nclass UserStore {\n  find(id: number): User | undefined { return undefined; }\n}\nfunction makeStore(): UserStore { return new UserStore(); }\n",
        vec!["User", "UserStore", "find", "makeStore"],
    ));
    #[cfg(feature = "lang-go")]
    v.push((
        "server/handler.go",
        "package server\n\ntype Handler struct{}\n\nfunc (h *Handler) Serve() {}\n\nfunc NewHandler() *Handler { return &Handler{} }\n",
        vec!["Handler", "Serve", "NewHandler"],
    ));
    #[cfg(feature = "lang-java")]
    v.push((
        "java/Invoice.java",
        "public class Invoice {\n  public int total() { return 0; }\n}\ninterface Payable { void pay(); }\n",
        vec!["Invoice", "total", "Payable"],
    ));
    #[cfg(feature = "lang-c")]
    v.push((
        "csrc/buffer.c",
        "struct buffer { int len; };\nint buffer_len(struct buffer *b) { return b->len; }\n",
        vec!["buffer", "buffer_len"],
    ));
    #[cfg(feature = "lang-cpp")]
    v.push((
        "cpp/matrix.cpp",
        "class Matrix {\n public:\n  int rows();\n};\nint Matrix::rows() { return 0; }\nint determinant(Matrix m) { return 1; }\n",
        vec!["Matrix", "rows", "determinant"],
    ));
    #[cfg(feature = "lang-ruby")]
    v.push((
        "lib/mailer.rb",
        "module Notify\n  class Mailer\n    def deliver(msg)\n      send_now(msg)\n    end\n  end\nend\n",
        vec!["Notify", "Mailer", "deliver"],
    ));
    #[cfg(feature = "lang-php")]
    v.push((
        "app/Order.php",
        "<?php\nclass Order {\n  public function ship() { return true; }\n}\nfunction place_order() { return new Order(); }\n",
        vec!["Order", "ship", "place_order"],
    ));
    v
}

#[test]
fn tags_definitions_for_every_enabled_language() {
    let samples = language_samples();
    assert_eq!(
        samples.len(),
        index::tags::enabled_languages().len() - usize::from(cfg!(feature = "lang-typescript"))
    );
    let files: Vec<(&str, &str)> = samples.iter().map(|(p, t, _)| (*p, *t)).collect();
    let repo = TempRepo::with_files(&files);
    let idx = build(repo.path());
    for (path, _, want) in &samples {
        let got = defs(&idx, path);
        for w in want {
            assert!(
                got.iter().any(|g| g == w),
                "{path}: expected a definition of {w}, got {got:?}"
            );
        }
        let f = &idx.files[idx.position(path).unwrap()];
        assert!(f.lang.is_some(), "{path} has no language");
        assert_eq!(f.kind, FileKind::Source, "{path}");
        assert!(f.symbols >= want.len(), "{path}: {} symbols", f.symbols);
    }
    assert_eq!(idx.stats.parsed, samples.len());
    // Branching nodes are counted: the rust and python samples each hold an `if`.
    #[cfg(feature = "lang-python")]
    assert!(idx.files[idx.position("pkg/models.py").unwrap()].complexity >= 1);
    #[cfg(feature = "lang-rust")]
    {
        let f = &idx.files[idx.position("src/shapes.rs").unwrap()];
        assert!(f.complexity >= 1);
        let area = f.definitions.iter().find(|d| d.name == "area").unwrap();
        assert_eq!(area.line, 3);
        assert!(
            area.signature.contains("pub fn area(&self) -> f64"),
            "{}",
            area.signature
        );
        // References feed the graph.
        assert!(
            f.references.iter().any(|r| r == "area"),
            "{:?}",
            f.references
        );
    }
}

fn fixture() -> TempRepo {
    TempRepo::with_files(&[
        (
            "src/config.rs",
            "/// Settings file handling.\npub struct Settings { pub name: String }\n\npub fn parse_config(text: &str) -> Settings {\n    let name = text.lines().next().unwrap().to_string();\n    Settings { name }\n}\n",
        ),
        (
            "src/app.rs",
            "use crate::config::parse_config;\n\npub fn start(raw: &str) {\n    let s = parse_config(raw);\n    println!(\"{}\", s.name);\n}\n",
        ),
        (
            "src/cli.rs",
            "pub fn main_entry(args: &[String]) {\n    let s = crate::config::parse_config(&args[0]);\n    crate::app::start(&s.name);\n}\n",
        ),
        (
            "src/render.rs",
            "pub fn render_page(title: &str) -> String {\n    format!(\"<h1>{title}</h1>\")\n}\npub fn render_list(items: &[String]) -> String { items.join(\",\") }\n",
        ),
        (
            "src/network.rs",
            "pub fn fetch_url(url: &str) -> Vec<u8> { let _ = url; Vec::new() }\npub fn retry_fetch(url: &str) { for _ in 0..3 { fetch_url(url); } }\n",
        ),
        (
            "tests/config_test.rs",
            "#[test]\nfn parses() { let s = app::config::parse_config(\"x\"); assert_eq!(s.name, \"x\"); }\n",
        ),
        (
            "README.md",
            "# Demo\n\nA demo app. Configuration is read from a file.\n",
        ),
        (
            "Cargo.toml",
            "[package]\nname = \"demo\"\nversion = \"0.1.0\"\n",
        ),
        (
            "pkg/db.py",
            "import os\n\n\ndef connect(url):\n    if not url:\n        raise ValueError('no url')\n    return os.open(url, 0)\n",
        ),
        (
            "pkg/views.py",
            "from pkg.db import connect\n\n\ndef home():\n    return connect('x')\n",
        ),
    ])
}

#[test]
fn ranks_the_defining_file_of_a_named_symbol_first() {
    let repo = fixture();
    let idx = build(repo.path());
    let ranked = index::rank(
        &idx,
        "Crash in `parse_config` on empty input\n\nCalling parse_config(\"\") panics instead of returning an error.",
    );
    assert!(!ranked.is_empty());
    assert_eq!(ranked[0].path, "src/config.rs", "{ranked:#?}");
    assert!(
        ranked[0]
            .reason
            .contains("defines `parse_config` named in the issue"),
        "{}",
        ranked[0].reason
    );
    // The files that call it come next, ahead of unrelated code; the test trails its source.
    let pos = |p: &str| {
        ranked
            .iter()
            .position(|r| r.path == p)
            .unwrap_or(usize::MAX)
    };
    assert!(pos("src/app.rs") < pos("src/render.rs"), "{ranked:#?}");
    assert!(pos("src/cli.rs") < pos("src/network.rs"), "{ranked:#?}");
    assert!(pos("src/config.rs") < pos("tests/config_test.rs"));
    for w in ranked.windows(2) {
        assert!(w[0].score >= w[1].score);
    }
}

#[test]
fn ranks_stack_trace_frames_and_named_paths() {
    let repo = fixture();
    let idx = build(repo.path());
    let issue = "Home page fails\n\nTraceback (most recent call last):\n  File \"/srv/site/pkg/views.py\", line 5, in home\n  File \"/srv/site/pkg/db.py\", line 6, in connect\nValueError: no url\n";
    let ranked = index::rank(&idx, issue);
    assert_eq!(ranked[0].path, "pkg/db.py", "{ranked:#?}");
    assert!(
        ranked[0].reason.contains("stack trace (line 6)"),
        "{}",
        ranked[0].reason
    );
    assert_eq!(ranked[1].path, "pkg/views.py", "{ranked:#?}");

    let ranked = index::rank(&idx, "The output of src/render.rs:2:5 is not escaped");
    assert_eq!(ranked[0].path, "src/render.rs", "{ranked:#?}");
}

#[test]
fn second_run_reparses_only_changed_files() {
    let repo = fixture();
    let cache = tempfile::tempdir().unwrap();
    let opts = IndexOptions {
        cache_dir: Some(cache.path().to_path_buf()),
        threads: Some(2),
        ..Default::default()
    };
    let first = index::build(repo.path(), &opts).unwrap();
    let parseable = first.files.iter().filter(|f| f.lang.is_some()).count();
    assert_eq!(first.stats.parsed, parseable);
    assert_eq!(first.stats.cached, 0);

    let second = index::build(repo.path(), &opts).unwrap();
    assert_eq!(second.stats.parsed, 0, "{:?}", second.stats);
    assert_eq!(second.stats.cached, parseable);
    assert_eq!(
        defs(&second, "src/config.rs"),
        defs(&first, "src/config.rs")
    );

    repo.write("src/render.rs", "pub fn render_table() {}\n");
    let third = index::build(repo.path(), &opts).unwrap();
    assert_eq!(third.stats.parsed, 1, "{:?}", third.stats);
    assert_eq!(third.stats.cached, parseable - 1);
    assert_eq!(defs(&third, "src/render.rs"), ["render_table"]);
}

#[test]
fn walk_skips_ignored_binary_generated_and_large_files() {
    let repo = fixture();
    repo.write(".gitignore", "build/\n");
    repo.write("build/out.rs", "fn ignored() {}\n");
    repo.write("node_modules/lib/index.js", "function vendored() {}\n");
    repo.write("gen/api.rs", "// @generated by a tool\nfn generated() {}\n");
    std::fs::write(repo.path().join("data.raw"), [0u8, 1, 2, 3]).unwrap();
    repo.write("src/huge.rs", &"// filler line\n".repeat(100));
    let idx = index::build(
        repo.path(),
        &IndexOptions {
            max_file_bytes: 1000,
            ..Default::default()
        },
    )
    .unwrap();
    let p = paths(&idx);
    for gone in [
        "build/out.rs",
        "node_modules/lib/index.js",
        "gen/api.rs",
        "data.raw",
        "src/huge.rs",
    ] {
        assert!(
            !p.contains(&gone.to_string()),
            "{gone} should be skipped: {p:?}"
        );
    }
    let r = &idx.stats.skipped_reasons;
    assert_eq!(r.get("generated"), Some(&1), "{r:?}");
    assert_eq!(r.get("binary"), Some(&1), "{r:?}");
    assert_eq!(r.get("too large"), Some(&1), "{r:?}");
    assert!(p.contains(&"src/config.rs".to_string()));
}

#[test]
fn reference_graph_links_users_to_definitions() {
    let repo = fixture();
    let idx = build(repo.path());
    let config = idx.position("src/config.rs").unwrap();
    let app = idx.position("src/app.rs").unwrap();
    assert_eq!(idx.refs.defined_in.get("parse_config"), Some(&vec![config]));
    assert!(
        idx.refs
            .edges
            .iter()
            .any(|e| e.from == app && e.to == config),
        "{:?}",
        idx.refs.edges
    );
}

#[test]
fn repo_map_fits_the_budget_and_lists_signatures() {
    let repo = fixture();
    let idx = build(repo.path());
    let ranked = index::rank(&idx, "parse_config panics");
    let map = index::repo_map(&idx, &ranked, 400);
    assert!(octagit::tokens::count(&map) <= 400);
    assert!(map.starts_with("src/config.rs"), "{map}");
    assert!(
        map.contains("4│ pub fn parse_config(text: &str) -> Settings {"),
        "{map}"
    );
    let tiny = index::repo_map(&idx, &ranked, 30);
    assert!(octagit::tokens::count(&tiny) <= 30, "{tiny}");
    assert!(tiny.len() < map.len());
}

/// A run that edits, then dies: the graph on disk still shows where it went.
#[test]
fn context_graph_is_written_and_survives_a_failed_run() {
    let repo = fixture();
    let idx = build(repo.path());
    let ranked = index::rank(&idx, "parse_config panics");
    let out = tempfile::tempdir().unwrap();
    let path = out.path().join("run").join("context-graph.json");

    let result = std::panic::catch_unwind(|| {
        let mut g = ContextGraph::new(&idx, &ranked);
        g.write(&path).unwrap();
        g.mark_explored("src/config.rs");
        g.mark_explored("src/app.rs");
        g.write(&path).unwrap();
        g.mark_edited("src/config.rs");
        g.mark_edited("src/new_module.rs");
        g.write(&path).unwrap();
        panic!("simulated provider failure mid-run");
    });
    assert!(result.is_err());

    let g = ContextGraph::read(&path).expect("graph readable after the failure");
    assert_eq!(g.status("src/config.rs"), Some(NodeStatus::Edited));
    assert_eq!(g.status("src/app.rs"), Some(NodeStatus::Explored));
    assert_eq!(g.status("src/new_module.rs"), Some(NodeStatus::Edited));
    assert_eq!(g.status("src/cli.rs"), Some(NodeStatus::Ranked));
    assert_eq!(
        g.status("README.md").map(|s| s >= NodeStatus::Indexed),
        Some(true)
    );
    let config = g.nodes.iter().find(|n| n.path == "src/config.rs").unwrap();
    assert_eq!(config.rank, Some(1));
    assert!(config.symbols > 0);
    assert!(!g.edges.is_empty());
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert!(json["nodes"][0]["status"].as_str().is_some());
}

fn svg_layers(svg: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(svg).expect("the SVG is well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert!(root.attribute("viewBox").is_some());
    doc.descendants()
        .filter_map(|n| n.attribute("id").map(str::to_string))
        .collect()
}

#[test]
fn terrain_svg_is_valid_xml_with_contour_and_highlight_layers() {
    let repo = fixture();
    repo.write("src/odd & <name>.rs", "fn weird() { if true { } }\n");
    let idx = build(repo.path());
    let ranked = index::rank(&idx, "parse_config panics");
    let mut g = ContextGraph::new(&idx, &ranked);
    g.mark_explored("src/app.rs");
    g.mark_explored("src/odd & <name>.rs");
    g.mark_edited("src/config.rs");
    let svg = terrain::render_svg(&idx, Some(&g));
    let ids = svg_layers(&svg);
    for layer in [
        "relief",
        "contours",
        "complexity",
        "explored",
        "edited",
        "ranked",
        "peaks",
        "legend",
    ] {
        assert!(
            ids.iter().any(|i| i == layer),
            "missing layer {layer}: {ids:?}"
        );
    }
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let layer = |id: &str| {
        doc.descendants()
            .find(|n| n.attribute("id") == Some(id))
            .unwrap()
    };
    let explored_titles: Vec<String> = layer("explored")
        .descendants()
        .filter(|n| n.has_tag_name("title"))
        .filter_map(|n| n.text().map(str::to_string))
        .collect();
    assert!(
        explored_titles.contains(&"explored: src/odd & <name>.rs".to_string()),
        "{explored_titles:?}"
    );
    assert!(explored_titles.contains(&"explored: src/app.rs".to_string()));
    assert_eq!(
        layer("edited")
            .children()
            .filter(|n| n.is_element())
            .count(),
        1
    );
    assert!(
        layer("contours").children().any(|n| n.has_tag_name("path")),
        "no contour lines drawn"
    );
    assert!(
        layer("peaks").children().any(|n| n.is_element()),
        "no peak labelled"
    );

    let out = tempfile::tempdir().unwrap();
    let png = out.path().join("t.png");
    terrain::render_png(&svg, &png).unwrap();
    let bytes = std::fs::read(&png).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");

    let text = terrain::heatmap_text(&idx, Some(&g), 40, 10);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 11, "{text}");
    assert!(
        lines[..10].iter().all(|l| l.chars().count() <= 40),
        "{text}"
    );
    assert!(
        text.contains('X') && lines[10].starts_with("legend:"),
        "{text}"
    );
    let peaks = terrain::describe_peaks(&idx, 3);
    assert!(peaks.contains("src/"), "{peaks}");
}

#[test]
fn terrain_of_ten_thousand_files_stays_under_500_kb() {
    let dir = tempfile::tempdir().unwrap();
    for d in 0..40 {
        for f in 0..250 {
            let sub = dir.path().join(format!("pkg{d}/mod{}", f % 7));
            std::fs::create_dir_all(&sub).unwrap();
            let body = (0..(f % 13 + 1))
                .map(|k| format!("def fn_{d}_{f}_{k}(x):\n    if x:\n        return x\n"))
                .collect::<String>();
            std::fs::write(sub.join(format!("file{f}.py")), body).unwrap();
        }
    }
    let idx = build(dir.path());
    assert_eq!(idx.files.len(), 10_000);
    let svg = terrain::render_svg(&idx, None);
    assert!(svg.len() < 500 * 1024, "{} bytes", svg.len());
    svg_layers(&svg);
}

#[test]
fn rank_and_terrain_commands_work_on_a_repo() {
    let repo = fixture();
    let cache = tempfile::tempdir().unwrap();
    let out = assert_cmd::Command::cargo_bin("octagit")
        .unwrap()
        .env("XDG_CACHE_HOME", cache.path())
        .args(["rank", "--repo"])
        .arg(repo.path())
        .args([
            "--issue",
            "parse_config panics on empty input",
            "--json",
            "--top",
            "3",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["ranked"][0]["path"], "src/config.rs");
    assert_eq!(v["ranked"].as_array().unwrap().len(), 3);
    assert!(v["stats"]["files"].as_u64().unwrap() >= 8);

    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("t.svg");
    let png = dir.path().join("t.png");
    let out = assert_cmd::Command::cargo_bin("octagit")
        .unwrap()
        .env("XDG_CACHE_HOME", cache.path())
        .args(["terrain", "--repo"])
        .arg(repo.path())
        .arg("-o")
        .arg(&svg)
        .arg("--png")
        .arg(&png)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    svg_layers(&std::fs::read_to_string(&svg).unwrap());
    assert!(std::fs::metadata(&png).unwrap().len() > 1000);

    let missing = assert_cmd::Command::cargo_bin("octagit")
        .unwrap()
        .env("XDG_CACHE_HOME", cache.path())
        .args(["rank", "--repo"])
        .arg(repo.path())
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("--issue-file"));
}
