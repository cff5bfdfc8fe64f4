//! The assets branch: the run's terrain pictures, committed and shown in the PR.

use std::path::Path;

use super::{Action, Prepared};
use crate::github::workflow_cmd::{self as wf, Level};
use crate::run_record::RunRecord;

impl Action {
    /// The assets branch: commit the run's terrain pictures, then show them in the PR body
    /// (the summary and the comment render from the record). Any refusal leaves the text
    /// heatmap in place and says why.
    pub(super) async fn publish_terrain(
        &self,
        workspace: &Path,
        p: &Prepared,
        publish: &crate::publish::PublishTarget,
        record: &mut RunRecord,
        dir: &Path,
    ) {
        let branch = p.cfg.assets_branch.trim().to_string();
        if branch.is_empty() {
            return;
        }
        let target = crate::github::assets::AssetsTarget {
            branch,
            push_url: publish.push_url(workspace),
            token: Some(p.token.clone()),
            server_url: publish.server_url.clone(),
            repo_slug: p.slug.clone(),
        };
        let (repo, dir_c, run_id) = (
            workspace.to_path_buf(),
            dir.to_path_buf(),
            record.run_id.clone(),
        );
        let img = tokio::task::spawn_blocking(move || {
            crate::github::assets::publish_terrain(&repo, &dir_c, &run_id, &target)
        })
        .await
        .unwrap_or_else(|e| crate::run_record::TerrainImage {
            error: Some(format!("the assets step stopped unexpectedly: {e}")),
            ..Default::default()
        });
        if let Some(e) = &img.error {
            wf::annotate(Level::Warning, Some("Terrain picture"), e);
        }
        if let (Some(n), Some(_)) = (
            record.publish.as_ref().and_then(|pr| pr.pr_number),
            img.svg_url.as_ref(),
        ) && let Err(e) = crate::github::assets::embed_in_pull(&p.gh, n, &img).await
        {
            wf::annotate(
                Level::Warning,
                Some("Terrain picture"),
                &format!("the picture could not be added to pull request #{n}: {e}"),
            );
        }
        record.terrain_image = Some(img);
    }
}
