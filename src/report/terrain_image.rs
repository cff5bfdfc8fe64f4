//! The published terrain picture as markdown, for the summary, the comment and the PR body.

use crate::run_record::TerrainImage;

/// The Markdown that shows the picture, or `None` when there is none to show.
pub fn terrain_image_markdown(img: &TerrainImage) -> Option<String> {
    let svg = img.svg_url.as_deref()?;
    let png = img
        .png_url
        .as_deref()
        .map(|p| format!(" · [PNG]({p})"))
        .unwrap_or_default();
    Some(format!(
        "<a href=\"{svg}\"><img src=\"{svg}\" alt=\"The repository as terrain: height is code mass, marks show what the agent explored and edited\" width=\"720\"></a>\n\n<sub>The repository as terrain ([SVG]({svg}){png}, on the `{}` branch).</sub>",
        img.branch
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_only_with_a_url() {
        let mut img = TerrainImage {
            branch: "octagit-assets".into(),
            error: Some("refused".into()),
            ..Default::default()
        };
        assert_eq!(terrain_image_markdown(&img), None);
        img.svg_url = Some("https://github.com/o/r/raw/abc/runs/k/terrain.svg".into());
        let md = terrain_image_markdown(&img).unwrap();
        assert!(md.contains("<img src=\"https://github.com/o/r/raw/abc/runs/k/terrain.svg\""));
        assert!(md.contains("`octagit-assets`"));
    }
}
