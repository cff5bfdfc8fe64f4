//! The terrain: what was indexed, the files ranked for the issue, the picture or its text
//! heatmap.

use crate::report::fmt;
use crate::run_record::RunRecord;

#[derive(Debug, Clone)]
pub(crate) struct TerrainView {
    /// "214 files indexed (180 parsed, 30 cached, 4 skipped), 1930 symbols, in 1.2 s."
    pub stats: String,
    /// `(path, score "0.91", reason)`, best first.
    pub ranked: Vec<(String, String, String)>,
    /// The text heatmap, when it has content.
    pub heatmap: Option<String>,
    /// The published picture as markdown, when the assets step published it.
    pub image_markdown: Option<String>,
    /// Why there is no published picture.
    pub image_error: Option<String>,
    /// There is a picture to point to: `terrain.svg` in the run directory, or a heatmap
    /// drawn from it.
    pub points_to_svg: bool,
}

impl TerrainView {
    pub(crate) fn of(record: &RunRecord) -> Option<TerrainView> {
        let idx = record.index.as_ref()?;
        let image = record.terrain_image.as_ref();
        Some(TerrainView {
            stats: format!(
                "{} files indexed ({} parsed, {} cached, {} skipped), {} symbols, in {}.",
                idx.files,
                idx.parsed,
                idx.cached,
                idx.skipped,
                idx.symbols,
                fmt::ms(idx.duration_ms)
            ),
            ranked: idx
                .ranked
                .iter()
                .map(|r| (r.path.clone(), format!("{:.2}", r.score), r.reason.clone()))
                .collect(),
            heatmap: idx.heatmap.clone().filter(|h| !h.trim().is_empty()),
            image_markdown: image.and_then(crate::report::terrain_image_markdown),
            image_error: image.and_then(|i| i.error.clone()),
            points_to_svg: record.artefacts.iter().any(|a| a == "terrain.svg")
                || idx.heatmap.is_some(),
        })
    }
}
