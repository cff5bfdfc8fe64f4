//! The assets branch: where the action commits each run's `terrain.svg` and `terrain.png`
//! so the job summary, the progress comment and the PR body can show the picture.
//!
//! GitHub strips inline SVG and `data:` images from Markdown and an artifact link is a
//! download, not an image, so the picture needs a URL in the repository itself. It goes to
//! an orphan branch (default `octagit-assets`, never merged, sharing no history with the
//! code), one small commit per run under `runs/<run-id>/`, and is embedded as
//! `<server>/<owner>/<repo>/raw/<commit>/runs/<run-id>/terrain.svg`: pinned to the commit,
//! so a later run cannot change what an old comment shows, and readable by anyone who can
//! read the repository. It needs `contents: write`, which the action needs anyway.
//!
//! The push goes through [`crate::git::push_branch`], which force-pushes; two runs at once
//! (a triage fan-out) could overwrite each other's commit. So after pushing we fetch the
//! branch again and, when our commit is no longer in its history, commit on top of the new
//! tip and push again.

use std::path::Path;

use git2::{FetchOptions, FileMode, RemoteCallbacks, Repository, Signature};

use crate::run_record::TerrainImage;
use crate::secret::Secret;

/// The default assets branch (input and config `assets-branch`; empty turns it off).
pub const DEFAULT_BRANCH: &str = "octagit-assets";

/// Where the remote's tip is fetched to; never a branch of the workspace.
const REMOTE_TIP_REF: &str = "refs/octagit/assets-tip";

/// Rounds of fetch, commit, push, verify before giving up.
const ATTEMPTS: usize = 3;

/// Where and how to push.
#[derive(Debug, Clone)]
pub struct AssetsTarget {
    pub branch: String,
    /// The push URL (GitHub, or a local bare repository in tests).
    pub push_url: String,
    pub token: Option<Secret>,
    /// `GITHUB_SERVER_URL`.
    pub server_url: String,
    /// `owner/name`.
    pub repo_slug: String,
}

/// Marks the picture's section in a PR body, so a re-run replaces it instead of adding one.
const PR_SECTION: &str = "<!-- octagit-terrain -->";

/// Put the picture into pull request `number`'s body (after the `Fixes #n` line), replacing
/// the section an earlier run added. A PATCH, so repeating it is harmless.
pub async fn embed_in_pull(
    gh: &crate::github::GitHub,
    number: u64,
    img: &TerrainImage,
) -> Result<(), crate::github::ApiError> {
    let Some(md) = crate::report::terrain_image_markdown(img) else {
        return Ok(());
    };
    let pr = gh.pull(number).await?;
    let body = with_terrain_section(pr.body.as_deref().unwrap_or(""), &md);
    let title = pr.title.unwrap_or_default();
    gh.update_pull(number, &title, &body).await.map(|_| ())
}

/// `body` with one terrain section: an old one replaced, else inserted after the first
/// paragraph (`Fixes #n`).
pub fn with_terrain_section(body: &str, md: &str) -> String {
    let section = format!("{PR_SECTION}\n## Terrain\n\n{md}\n{PR_SECTION}\n\n");
    if let Some(start) = body.find(PR_SECTION)
        && let Some(len) = body[start + PR_SECTION.len()..].find(PR_SECTION)
    {
        let mut end = start + PR_SECTION.len() + len + PR_SECTION.len();
        while body[end..].starts_with('\n') {
            end += 1;
        }
        return format!("{}{section}{}", &body[..start], &body[end..]);
    }
    match body.find("\n\n") {
        Some(i) => format!("{}{section}{}", &body[..i + 2], &body[i + 2..]),
        None if body.is_empty() => section,
        None => format!("{body}\n\n{section}"),
    }
}

/// A run id safe as one path segment.
pub fn run_key(run_id: &str) -> String {
    let k: String = run_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let k = k.trim_matches('.').to_string();
    if k.is_empty() { "run".into() } else { k }
}

/// Commit the run's pictures to the assets branch and push. Never panics: a refusal comes
/// back as `error`, with the reason and what to do.
pub fn publish_terrain(
    repo: &Path,
    run_dir: &Path,
    run_id: &str,
    t: &AssetsTarget,
) -> TerrainImage {
    let mut img = TerrainImage {
        branch: t.branch.clone(),
        ..Default::default()
    };
    let svg_path = run_dir.join("terrain.svg");
    let Ok(svg) = std::fs::read_to_string(&svg_path) else {
        img.error = Some("no terrain was drawn for this run (the index did not finish)".into());
        return img;
    };
    let png_path = run_dir.join("terrain.png");
    if !png_path.is_file()
        && let Err(e) = crate::terrain::render_png(&svg, &png_path)
    {
        tracing::warn!("terrain.png: {e}");
    }
    let png = std::fs::read(&png_path).ok();
    let key = run_key(run_id);
    match commit_and_push(repo, &key, svg.as_bytes(), png.as_deref(), t) {
        Ok(commit) => {
            let base = format!(
                "{}/{}/raw/{commit}/runs/{key}",
                t.server_url.trim_end_matches('/'),
                t.repo_slug
            );
            img.svg_url = Some(format!("{base}/terrain.svg"));
            img.png_url = png.is_some().then(|| format!("{base}/terrain.png"));
            img.commit = Some(commit);
        }
        Err(e) => {
            img.error = Some(crate::secret::redact(&format!(
                "the pictures could not be pushed to the `{}` branch ({e}); the text heatmap stands in. The workflow needs `permissions: contents: write` and the branch must not be protected; set the `assets-branch` input to empty to turn the picture off.",
                t.branch
            )));
        }
    }
    img
}

fn commit_and_push(
    repo_path: &Path,
    key: &str,
    svg: &[u8],
    png: Option<&[u8]>,
    t: &AssetsTarget,
) -> Result<String, String> {
    let repo = Repository::open(repo_path).map_err(|e| e.message().to_string())?;
    let local_ref = format!("refs/heads/{}", t.branch);
    let mut last_err = String::new();
    for _ in 0..ATTEMPTS {
        let tip = fetch_tip(&repo, t)?;
        let commit = commit_on(&repo, tip.as_ref(), key, svg, png)?;
        repo.reference(&local_ref, commit, true, "octagit: terrain assets")
            .map_err(|e| e.message().to_string())?;
        let pushed = crate::git::push_branch(repo_path, &t.push_url, &t.branch, t.token.as_ref());
        if let Err(e) = pushed {
            drop_local(&repo, &local_ref);
            return Err(e.to_string());
        }
        // Still in the branch's history after the push? (A concurrent run may have
        // force-pushed over it.)
        match fetch_tip(&repo, t)? {
            Some(now)
                if now == commit || repo.graph_descendant_of(now, commit).unwrap_or(false) =>
            {
                drop_local(&repo, &local_ref);
                drop_local(&repo, REMOTE_TIP_REF);
                return Ok(commit.to_string());
            }
            _ => last_err = "another run replaced the branch tip while pushing".into(),
        }
    }
    drop_local(&repo, &local_ref);
    drop_local(&repo, REMOTE_TIP_REF);
    Err(last_err)
}

/// The workspace is the user's checkout: leave no assets branch behind in it.
fn drop_local(repo: &Repository, name: &str) {
    if let Ok(mut r) = repo.find_reference(name) {
        let _ = r.delete();
    }
}

/// Fetch the remote's assets branch; `None` when it does not exist yet.
fn fetch_tip(repo: &Repository, t: &AssetsTarget) -> Result<Option<git2::Oid>, String> {
    drop_local(repo, REMOTE_TIP_REF);
    let mut remote = repo
        .remote_anonymous(&t.push_url)
        .map_err(|e| crate::secret::redact(e.message()))?;
    let mut attempts = 0u32;
    let token = t.token.clone();
    let mut cb = RemoteCallbacks::new();
    cb.credentials(move |_url, _user, _allowed| {
        attempts += 1;
        match &token {
            // Asked again after a refusal: answering again would loop forever.
            Some(tok) if attempts == 1 => {
                git2::Cred::userpass_plaintext("x-access-token", tok.expose())
            }
            _ => Err(git2::Error::from_str(
                "the remote refused the token for reading the assets branch",
            )),
        }
    });
    let mut opts = FetchOptions::new();
    opts.remote_callbacks(cb);
    // Only this branch, only its newest commit is needed as a parent.
    let spec = format!("+refs/heads/{}:{REMOTE_TIP_REF}", t.branch);
    if let Err(e) = remote.fetch(&[spec.as_str()], Some(&mut opts), None) {
        // A missing branch is not an error for libgit2's explicit refspec; anything here is.
        return Err(format!(
            "fetching `{}` failed: {}",
            t.branch,
            crate::secret::redact(e.message())
        ));
    }
    Ok(repo
        .find_reference(REMOTE_TIP_REF)
        .ok()
        .and_then(|r| r.target()))
}

/// One commit: the parent's tree plus `runs/<key>/terrain.{svg,png}` (and a README on the
/// first commit of the orphan branch).
fn commit_on(
    repo: &Repository,
    parent: Option<&git2::Oid>,
    key: &str,
    svg: &[u8],
    png: Option<&[u8]>,
) -> Result<git2::Oid, String> {
    let e = |e: git2::Error| e.message().to_string();
    let parent = parent
        .map(|p| repo.find_commit(*p))
        .transpose()
        .map_err(e)?;
    let base = match &parent {
        Some(p) => p.tree().map_err(e)?,
        None => {
            let empty = repo.treebuilder(None).map_err(e)?.write().map_err(e)?;
            repo.find_tree(empty).map_err(e)?
        }
    };
    let mut update = git2::build::TreeUpdateBuilder::new();
    let svg_blob = repo.blob(svg).map_err(e)?;
    update.upsert(format!("runs/{key}/terrain.svg"), svg_blob, FileMode::Blob);
    if let Some(png) = png {
        let png_blob = repo.blob(png).map_err(e)?;
        update.upsert(format!("runs/{key}/terrain.png"), png_blob, FileMode::Blob);
    }
    if base.get_name("README.md").is_none() {
        let readme = repo.blob(README.as_bytes()).map_err(e)?;
        update.upsert("README.md", readme, FileMode::Blob);
    }
    let tree_id = update.create_updated(repo, &base).map_err(e)?;
    let tree = repo.find_tree(tree_id).map_err(e)?;
    let sig = Signature::now(
        "github-actions[bot]",
        "41898282+github-actions[bot]@users.noreply.github.com",
    )
    .map_err(e)?;
    let parents: Vec<&git2::Commit> = parent.iter().collect();
    repo.commit(
        None,
        &sig,
        &sig,
        &format!("Terrain pictures of OctaGit run {key}"),
        &tree,
        &parents,
    )
    .map_err(e)
}

const README: &str = "# OctaGit assets\n\nPictures OctaGit publishes for its runs (`runs/<run-id>/terrain.svg` and `.png`), so\nissue comments, pull requests and job summaries can show them. This branch shares no\nhistory with the code and is never merged. Deleting it breaks the pictures in old comments.\n";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_key_is_one_safe_segment() {
        assert_eq!(run_key("run-4242-issue-7"), "run-4242-issue-7");
        assert_eq!(run_key("../x/y"), "-x-y");
        assert_eq!(run_key(""), "run");
    }

    #[test]
    fn the_pr_section_is_inserted_once_and_replaced_on_rerun() {
        let body = "Fixes #7\n\n## What changed and why\n\nx\n";
        let once = with_terrain_section(body, "PIC1");
        assert!(once.starts_with("Fixes #7\n\n<!-- octagit-terrain -->\n## Terrain\n\nPIC1"));
        assert!(once.ends_with("## What changed and why\n\nx\n"), "{once}");
        let twice = with_terrain_section(&once, "PIC2");
        assert_eq!(twice.matches("## Terrain").count(), 1, "{twice}");
        assert!(twice.contains("PIC2") && !twice.contains("PIC1"), "{twice}");
        assert!(twice.ends_with("## What changed and why\n\nx\n"), "{twice}");
    }
}
