//! `octagit terrain`: draw the repository as a landscape (SVG, optional PNG).

use anyhow::Context;

use crate::cli::{TerrainArgs, exit};
use crate::index::{self, ContextGraph, IndexOptions};
use crate::terrain;

pub async fn run(args: &TerrainArgs) -> anyhow::Result<i32> {
    let graph = match &args.graph {
        Some(p) => Some(ContextGraph::read(p).map_err(anyhow::Error::msg)?),
        None => None,
    };
    let repo = args.repo.clone();
    let opts = IndexOptions {
        cache_dir: index::default_cache_dir(&repo),
        ..IndexOptions::default()
    };
    let args = args.clone();
    tokio::task::spawn_blocking(move || -> anyhow::Result<i32> {
        let idx = index::build(&repo, &opts)?;
        let svg = terrain::render_svg(&idx, graph.as_ref());
        std::fs::write(&args.output, &svg).with_context(|| {
            format!(
                "cannot write {}; check that the directory exists and is writable",
                args.output.display()
            )
        })?;
        println!(
            "wrote {} ({} KB, {} files)",
            args.output.display(),
            svg.len().div_ceil(1024),
            idx.stats.files
        );
        if let Some(png) = &args.png {
            terrain::render_png(&svg, png).map_err(anyhow::Error::msg)?;
            println!("wrote {}", png.display());
        }
        println!("{}", terrain::describe_peaks(&idx, 5));
        Ok(exit::OK)
    })
    .await
    .context("the terrain task stopped unexpectedly")?
}
