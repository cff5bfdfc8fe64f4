//! The container image, proven without a Docker engine (CI machines have none): the
//! runtime stage's filesystem is built from the Dockerfile's own package list with
//! `mmdebstrap` (Debian packages from the mirror this machine's apt already uses), the
//! Dockerfile's later `RUN` lines run inside it, the test binary is copied in as the image
//! copies the release binary, and `octagit action` runs inside it with `chroot`, the way the
//! runner starts the container: `/github/workspace`, `/github/home`, the event file, the
//! file-command files, `RUNNER_TEMP` as the host path. A Python repository with a pytest
//! suite and a Node repository with an `npm test` script each get fixed by a scripted model,
//! pushed to a bare remote inside the root, with a mock GitHub API on loopback.
//!
//! The package list is read from the Dockerfile, so the image and this test cannot drift.
//! Skipped, with the reason printed, only where the machine cannot do it (not root, no
//! chroot, no Debian sources); CI runs as root and must not skip (CI=true makes a missing
//! mmdebstrap an error). The built root is cached under target/ keyed by the package list.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::mock_github::MockGitHub;
use crate::support::repo::git_in;

const TOKEN: &str = "ghs_chroottoken1234567890abcdefABCD";

/// What the Dockerfile's runtime stage installs and runs.
#[derive(Debug, Default, PartialEq)]
struct Runtime {
    /// `bookworm` from `FROM debian:bookworm-slim`.
    suite: String,
    packages: Vec<String>,
    /// Later `RUN` lines, each with the `ENV` in force before it.
    runs: Vec<(Vec<(String, String)>, String)>,
    /// Every `ENV` of the stage (the container's environment).
    env: Vec<(String, String)>,
}

/// Logical lines: comments dropped, `\` continuations joined.
fn instructions(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for line in text.lines() {
        let t = line.trim();
        if t.starts_with('#') || (t.is_empty() && cur.is_empty()) {
            continue;
        }
        match t.strip_suffix('\\') {
            Some(head) => {
                cur.push_str(head.trim_end());
                cur.push(' ');
            }
            None => {
                cur.push_str(t);
                if !cur.trim().is_empty() {
                    out.push(cur.trim().to_string());
                }
                cur.clear();
            }
        }
    }
    out
}

fn parse_dockerfile(text: &str) -> Runtime {
    let ins = instructions(text);
    let last_from = ins
        .iter()
        .rposition(|i| i.to_ascii_uppercase().starts_with("FROM "))
        .expect("a FROM line");
    let image = ins[last_from].split_whitespace().nth(1).unwrap_or("");
    let tag = image.split(':').nth(1).unwrap_or("");
    let mut rt = Runtime {
        suite: tag.split('-').next().unwrap_or("").to_string(),
        ..Default::default()
    };
    for i in &ins[last_from + 1..] {
        let (kw, rest) = i.split_once(' ').unwrap_or((i, ""));
        match kw.to_ascii_uppercase().as_str() {
            "ENV" => {
                for pair in rest.split_whitespace() {
                    if let Some((k, v)) = pair.split_once('=') {
                        rt.env.push((k.to_string(), v.to_string()));
                    }
                }
            }
            "RUN" => {
                let segs: Vec<&str> = rest.split("&&").map(str::trim).collect();
                if let Some(install) = segs.iter().find(|s| s.contains("apt-get install")) {
                    let after = install.split("apt-get install").nth(1).unwrap_or("");
                    rt.packages.extend(
                        after
                            .split_whitespace()
                            .filter(|w| !w.starts_with('-'))
                            .map(str::to_string),
                    );
                } else {
                    rt.runs.push((rt.env.clone(), rest.to_string()));
                }
            }
            _ => {}
        }
    }
    rt
}

fn dockerfile() -> Runtime {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    parse_dockerfile(&std::fs::read_to_string(root.join("Dockerfile")).unwrap())
}

/// Runs everywhere: the image carries what the common test suites need.
#[test]
fn the_runtime_stage_installs_python_node_git_and_bubblewrap() {
    let rt = dockerfile();
    assert_eq!(rt.suite, "bookworm");
    for p in [
        "git",
        "ca-certificates",
        "python3",
        "python3-venv",
        "python3-pytest",
        "nodejs",
        "npm",
        "bubblewrap",
    ] {
        assert!(rt.packages.iter().any(|x| x == p), "{p} missing: {rt:?}");
    }
    assert!(
        rt.runs.iter().any(|(_, r)| r.contains("venv")),
        "a virtual environment is created: {rt:?}"
    );
    let path = rt.env.iter().find(|(k, _)| k == "PATH").map(|(_, v)| v);
    assert!(
        path.is_some_and(|p| p.starts_with("/opt/venv/bin:")),
        "{rt:?}"
    );
}

#[test]
fn dockerfile_parsing_joins_continuations_and_skips_comments() {
    let rt = parse_dockerfile(
        "FROM rust AS build\nRUN apt-get install -y nope\nFROM debian:trixie-slim\n# c\nRUN apt-get update \\\n # inner\n && apt-get install -y --no-install-recommends a b \\\n && rm -rf x\nRUN echo hi\nENV A=1 B=2\n",
    );
    assert_eq!(rt.suite, "trixie");
    assert_eq!(rt.packages, vec!["a", "b"]);
    assert_eq!(rt.runs.len(), 1);
    assert_eq!(rt.runs[0].1, "echo hi");
    assert_eq!(rt.env.len(), 2);
}

/// deb822 sources for `suite` (and its -updates/-security) from this machine's apt config,
/// or `None`. No mirror host is written in this repository: apt's own config names it.
fn host_sources(suite: &str) -> Option<String> {
    let mut texts = Vec::new();
    if let Ok(t) = std::fs::read_to_string("/etc/apt/sources.list") {
        texts.push(("list", t));
    }
    if let Ok(rd) = std::fs::read_dir("/etc/apt/sources.list.d") {
        for e in rd.flatten() {
            let p = e.path();
            let kind = match p.extension().and_then(|x| x.to_str()) {
                Some("sources") => "sources",
                Some("list") => "list",
                _ => continue,
            };
            if let Ok(t) = std::fs::read_to_string(&p) {
                texts.push((kind, t));
            }
        }
    }
    let wanted = |s: &str| s == suite || s.starts_with(&format!("{suite}-"));
    let mut out = String::new();
    for (kind, text) in texts {
        if kind == "list" {
            for l in text.lines().map(str::trim) {
                let w: Vec<&str> = l.split_whitespace().collect();
                // deb [opts] URI SUITE COMPONENTS...
                if w.first() != Some(&"deb") {
                    continue;
                }
                let i = if w.get(1).is_some_and(|x| x.starts_with('[')) {
                    2
                } else {
                    1
                };
                if w.len() > i + 2 && wanted(w[i + 1]) {
                    out.push_str(&format!(
                        "Types: deb\nURIs: {}\nSuites: {}\nComponents: {}\n\n",
                        w[i],
                        w[i + 1],
                        w[i + 2..].join(" ")
                    ));
                }
            }
        } else {
            for stanza in text.split("\n\n") {
                let field = |name: &str| {
                    stanza
                        .lines()
                        .find_map(|l| l.strip_prefix(&format!("{name}:")))
                        .map(|v| v.trim().to_string())
                };
                let (Some(types), Some(uris), Some(suites)) =
                    (field("Types"), field("URIs"), field("Suites"))
                else {
                    continue;
                };
                let keep: Vec<&str> = suites.split_whitespace().filter(|s| wanted(s)).collect();
                if !types.split_whitespace().any(|t| t == "deb") || keep.is_empty() {
                    continue;
                }
                out.push_str(&format!(
                    "Types: deb\nURIs: {uris}\nSuites: {}\nComponents: {}\n",
                    keep.join(" "),
                    field("Components").unwrap_or_else(|| "main".into())
                ));
                if let Some(k) = field("Signed-By") {
                    out.push_str(&format!("Signed-By: {k}\n"));
                }
                out.push('\n');
            }
        }
    }
    (!out.is_empty()).then_some(out)
}

fn on_path(bin: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {bin}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Why this machine cannot run the test, or `None`.
fn cannot_chroot() -> Option<String> {
    if !cfg!(target_os = "linux") {
        return Some("not Linux".into());
    }
    let uid = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    if uid != "0" {
        return Some(format!(
            "chroot needs root and this runs as uid {uid} (CI runs as root)"
        ));
    }
    if !Command::new("chroot")
        .args(["/", "/bin/true"])
        .status()
        .is_ok_and(|s| s.success())
    {
        return Some("`chroot / /bin/true` fails here (no CAP_SYS_CHROOT?)".into());
    }
    None
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// Bytes of the image's own files: the test's additions (the binary, the mounts, the
/// remote) are left out, so the figure is the packages' root.
fn apparent_size(dir: &Path) -> u64 {
    let skip = [
        dir.join("usr/local/bin/octagit"),
        dir.join("github"),
        dir.join("remote"),
    ];
    let mut total = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            if skip.contains(&e.path()) {
                continue;
            }
            let Ok(m) = e.path().symlink_metadata() else {
                continue;
            };
            if m.is_dir() {
                stack.push(e.path());
            } else {
                total += m.len();
            }
        }
    }
    total
}

/// What debian's `-slim` images configure in /etc/dpkg/dpkg.cfg.d/docker (debuerreotype's
/// slimification): no docs, man pages, info or translations. Applied here so the root
/// (and the size this test reports) is the slim image's.
const SLIM_DPKG: &[&str] = &[
    "path-exclude=/usr/share/doc/*",
    "path-include=/usr/share/doc/*/copyright",
    "path-exclude=/usr/share/man/*",
    "path-exclude=/usr/share/groff/*",
    "path-exclude=/usr/share/info/*",
    "path-exclude=/usr/share/lintian/*",
    "path-exclude=/usr/share/linda/*",
    "path-exclude=/usr/share/locale/*",
    "path-include=/usr/share/locale/locale.alias",
];

/// The runtime root, built (or reused from target/) from the Dockerfile.
fn runtime_root(rt: &Runtime, sources: &str) -> PathBuf {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (&rt.suite, &rt.packages, &rt.runs, sources, SLIM_DPKG).hash(&mut h);
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/chroot-rootfs");
    let root = base.join(format!("{}-{:016x}", rt.suite, h.finish()));
    if root.join(".octagit-complete").is_file() {
        eprintln!("chroot: reusing {}", root.display());
        return root;
    }
    std::fs::create_dir_all(&base).unwrap();
    let building = root.with_extension("building");
    let _ = std::fs::remove_dir_all(&building);
    let list = base.join(format!("{}.sources", rt.suite));
    std::fs::write(&list, sources).unwrap();
    let mut cmd = Command::new("mmdebstrap");
    cmd.args(["--variant=apt", "--quiet"])
        .arg(format!("--include={}", rt.packages.join(",")));
    for opt in SLIM_DPKG {
        cmd.arg(format!("--dpkgopt={opt}"));
    }
    for (env, run) in &rt.runs {
        let vars: Vec<String> = env
            .iter()
            .map(|(k, v)| shell_quote(&format!("{k}={v}")))
            .collect();
        cmd.arg(format!(
            "--customize-hook=chroot \"$1\" /usr/bin/env {} /bin/sh -c {}",
            vars.join(" "),
            shell_quote(run)
        ));
    }
    cmd.arg(&rt.suite).arg(&building).arg(&list);
    let started = Instant::now();
    let out = cmd.output().expect("mmdebstrap runs");
    assert!(
        out.status.success(),
        "mmdebstrap failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::write(building.join(".octagit-complete"), "").unwrap();
    let _ = std::fs::remove_dir_all(&root);
    std::fs::rename(&building, &root).unwrap();
    eprintln!(
        "chroot: built {} packages' root in {:.0} s",
        rt.packages.len(),
        started.elapsed().as_secs_f64()
    );
    root
}

/// `/proc` mounted in the root for the test's length, as the container runtime provides it
/// (octagit re-executes itself through `/proc/self/exe` and the sandbox reads `/proc`).
struct ProcMount(PathBuf);

impl ProcMount {
    fn new(root: &Path) -> ProcMount {
        let target = root.join("proc");
        std::fs::create_dir_all(&target).unwrap();
        let ok = Command::new("mount")
            .args(["-t", "proc", "proc"])
            .arg(&target)
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "mount -t proc failed in {}", target.display());
        ProcMount(target)
    }
}

impl Drop for ProcMount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

struct Scenario<'a> {
    name: &'a str,
    files: &'a [(&'a str, &'a str)],
    /// The file the scripted model edits: (path, old, new).
    edit: (&'a str, &'a str, &'a str),
    detected: &'a str,
}

fn labeled_event() -> Value {
    json!({
        "action": "labeled",
        "issue": {"number": 7, "title": "The sum is wrong", "body": "adding 2 and 3 gives -1", "state": "open",
                  "locked": false, "labels": [{"name": "octagit"}], "html_url": "https://github.com/o/r/issues/7",
                  "user": {"login": "alice", "type": "User"}, "author_association": "OWNER"},
        "label": {"name": "octagit"},
        "repository": {"full_name": "o/r", "default_branch": "main", "html_url": "https://github.com/o/r"},
        "sender": {"login": "alice", "type": "User"}
    })
}

async fn run_in_root(root: &Path, rt: &Runtime, s: &Scenario<'_>) {
    let started = Instant::now();
    let gh = MockGitHub::start("o/r").await;
    gh.permission("alice", "write").await;
    gh.comments().await;
    gh.open_pulls(json!([])).await;
    gh.create_pull_ok(12).await;

    // The runner's mounts, as directories of the root.
    for d in ["github", "remote"] {
        let _ = std::fs::remove_dir_all(root.join(d));
    }
    let g = root.join("github");
    for d in ["workspace", "home", "workflow", "file_commands"] {
        std::fs::create_dir_all(g.join(d)).unwrap();
    }
    let ws = g.join("workspace");
    git_in(&ws, &["init", "-q", "-b", "main"]);
    for (p, text) in s.files {
        let f = ws.join(p);
        std::fs::create_dir_all(f.parent().unwrap()).unwrap();
        std::fs::write(f, text).unwrap();
    }
    git_in(&ws, &["add", "-A"]);
    git_in(&ws, &["commit", "-q", "-m", "initial"]);
    let bare = root.join("remote/r.git");
    std::fs::create_dir_all(&bare).unwrap();
    git_in(&bare, &["init", "-q", "--bare", "-b", "main"]);
    git_in(&ws, &["push", "-q", bare.to_str().unwrap(), "main"]);
    // Inside the root the remote is at /remote/r.git.
    git_in(&ws, &["remote", "add", "origin", "/remote/r.git"]);

    let (path, old, new) = s.edit;
    std::fs::write(
        g.join("script.json"),
        json!([
            {"text": "", "tool_calls": [{"name": "read_file", "arguments": {"path": path}}]},
            {"text": "", "tool_calls": [{"name": "edit_file", "arguments": {"path": path, "old_text": old, "new_text": new}}]},
            {"text": "", "tool_calls": [{"name": "finish", "arguments": {"summary": "The sum adds now."}}]}
        ])
        .to_string(),
    )
    .unwrap();
    std::fs::write(g.join("workflow/event.json"), labeled_event().to_string()).unwrap();
    std::fs::copy(
        assert_cmd::cargo::cargo_bin("octagit"),
        root.join("usr/local/bin/octagit"),
    )
    .unwrap();

    // The container's environment: the image's ENV, then what the runner passes.
    let mut env: Vec<(String, String)> = rt.env.clone();
    let host_temp = "/home/runner/work/_temp";
    for (k, v) in [
        ("HOME", "/github/home"),
        ("GITHUB_WORKSPACE", "/github/workspace"),
        ("RUNNER_TEMP", host_temp),
        ("GITHUB_EVENT_PATH", "/github/workflow/event.json"),
        ("GITHUB_EVENT_NAME", "issues"),
        ("GITHUB_OUTPUT", "/github/file_commands/output"),
        ("GITHUB_STEP_SUMMARY", "/github/file_commands/summary.md"),
        ("GITHUB_API_URL", &gh.url()),
        ("GITHUB_SERVER_URL", "https://github.com"),
        ("GITHUB_REPOSITORY", "o/r"),
        ("GITHUB_RUN_ID", "777"),
        ("GITHUB_ACTOR", "alice"),
        ("GITHUB_ACTIONS", "true"),
        ("CI", "true"),
        ("INPUT_GITHUB-TOKEN", TOKEN),
        ("INPUT_MODEL", "scripted//github/script.json"),
        crate::support::ALLOW_SCRIPTED,
        ("INPUT_LABEL", "octagit"),
        ("INPUT_TRIGGER-PHRASE", "/octagit"),
        ("INPUT_MIN-PERMISSION", "write"),
        ("INPUT_MODE", "fix"),
        ("INPUT_ASSETS-BRANCH", "octagit-assets"),
        ("INPUT_TEST-COMMAND", ""),
    ] {
        env.push((k.to_string(), v.to_string()));
    }
    let root_c = root.to_path_buf();
    let out = tokio::task::spawn_blocking(move || {
        assert_cmd::Command::new("chroot")
            .arg(&root_c)
            // No shell in between: dash drops variables whose names hold `-`, and the
            // runner passes inputs as `INPUT_GITHUB-TOKEN`; docker execs the entrypoint
            // directly, and so does coreutils `env -C` here.
            .args([
                "/usr/bin/env",
                "-C",
                "/github/workspace",
                "/usr/local/bin/octagit",
                "action",
            ])
            .env_clear()
            .envs(env)
            .timeout(Duration::from_secs(300))
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let outputs = std::fs::read_to_string(g.join("file_commands/output")).unwrap_or_default();
    let get = |k: &str| {
        outputs
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{k}=")))
            .unwrap_or("")
            .to_string()
    };
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}: stdout:\n{stdout}\nstderr:\n{stderr}\noutputs:\n{outputs}",
        s.name
    );
    assert_eq!(get("status"), "success", "{outputs}");

    // The detected command ran with the image's toolchain: failing first, passing after.
    let summary_host = get("summary-path");
    let prefix = format!("{host_temp}/_github_home/octagit/");
    assert!(
        summary_host.starts_with(&prefix),
        "outputs name the host path: {summary_host}"
    );
    let run_dir = g
        .join("home/octagit")
        .join(summary_host[prefix.len()..].trim_end_matches("/summary.md"));
    let record: Value =
        serde_json::from_str(&std::fs::read_to_string(run_dir.join("run.json")).unwrap()).unwrap();
    assert_eq!(record["gate"]["command"], s.detected, "{}", s.name);
    assert_eq!(
        record["gate"]["baseline"]["success"], false,
        "{}",
        record["gate"]
    );
    assert_eq!(
        record["gate"]["after"]["success"], true,
        "{}",
        record["gate"]
    );
    assert!(run_dir.join("summary.md").is_file());

    // The fix is on the branch in the bare remote; the picture is on the assets branch.
    let fixed = git_in(
        &bare,
        &["show", &format!("octagit/issue-7-the-sum-is-wrong:{path}")],
    );
    assert!(fixed.contains(new.trim()), "{fixed}");
    let url = get("terrain-url");
    let rel = url
        .strip_prefix("https://github.com/o/r/raw/")
        .unwrap_or_else(|| panic!("terrain-url {url:?}"));
    let (commit, file) = rel.split_once('/').unwrap();
    let svg = git_in(&bare, &["show", &format!("{commit}:{file}")]);
    assert!(svg.contains("<svg"), "{}", &svg[..svg.len().min(200)]);
    let pr_body = gh.pull_body(12).unwrap_or_default();
    assert!(pr_body.contains(&url), "{pr_body}");
    eprintln!(
        "chroot: {} ({}) fixed in {:.1} s",
        s.name,
        s.detected,
        started.elapsed().as_secs_f64()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_image_runs_python_and_node_test_suites_in_a_chroot() {
    let started = Instant::now();
    if let Some(why) = cannot_chroot() {
        eprintln!("skipped: {why}");
        return;
    }
    if !on_path("mmdebstrap") {
        assert!(
            std::env::var("CI").is_err(),
            "CI=true but mmdebstrap is not installed: .ci/run installs it"
        );
        eprintln!("skipped: mmdebstrap is not installed (apt-get install mmdebstrap)");
        return;
    }
    let rt = dockerfile();
    let Some(sources) = host_sources(&rt.suite) else {
        eprintln!(
            "skipped: this machine's apt sources name no `{}` suite to build the image's root from",
            rt.suite
        );
        return;
    };
    let root = runtime_root(&rt, &sources);
    let size = apparent_size(&root);
    let _proc = ProcMount::new(&root);
    eprintln!(
        "chroot: runtime root is {:.0} MiB ({} packages from the Dockerfile)",
        size as f64 / (1024.0 * 1024.0),
        rt.packages.len()
    );

    run_in_root(
        &root,
        &rt,
        &Scenario {
            name: "python",
            files: &[
                (
                    "pyproject.toml",
                    "[project]\nname = \"calc\"\nversion = \"0.1.0\"\n",
                ),
                (".gitignore", "__pycache__/\n.pytest_cache/\n"),
                ("calc.py", "def add(a, b):\n    return a - b\n"),
                (
                    "tests/test_calc.py",
                    "from calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n",
                ),
            ],
            edit: ("calc.py", "return a - b", "return a + b"),
            detected: "python -m pytest -q",
        },
    )
    .await;
    run_in_root(
        &root,
        &rt,
        &Scenario {
            name: "node",
            files: &[
                (
                    "package.json",
                    "{\n  \"name\": \"sum\",\n  \"version\": \"1.0.0\",\n  \"scripts\": {\"test\": \"node --test\"}\n}\n",
                ),
                (".gitignore", "node_modules/\n"),
                ("sum.js", "exports.sum = (a, b) => a - b;\n"),
                (
                    "test/sum.test.js",
                    "const test = require('node:test');\nconst assert = require('node:assert');\nconst { sum } = require('../sum.js');\n\ntest('sum', () => assert.strictEqual(sum(2, 3), 5));\n",
                ),
            ],
            edit: ("sum.js", "a - b", "a + b"),
            detected: "npm test",
        },
    )
    .await;
    eprintln!(
        "chroot: whole test {:.1} s",
        started.elapsed().as_secs_f64()
    );
}
