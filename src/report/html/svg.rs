//! The terrain SVG gate: only a plain SVG document is inlined into the page.

use std::sync::OnceLock;

use regex::Regex;

/// The SVG, ready to inline, or `None` when it is not a plain SVG document: it must start
/// with `<svg` (after an optional XML prolog and doctype) and hold no script, no foreign
/// HTML and no reference to anything outside the file.
pub(crate) fn safe_svg(svg: &str) -> Option<&str> {
    static PROLOG: OnceLock<Regex> = OnceLock::new();
    static UNSAFE: OnceLock<Regex> = OnceLock::new();
    let prolog = PROLOG.get_or_init(|| {
        Regex::new(r"^\s*(?:<\?xml[^>]*\?>\s*)?(?:<!--.*?-->\s*)*(?:<!DOCTYPE[^>\[]*(?:\[[^\]]*\])?\s*>\s*)?(?:<!--.*?-->\s*)*")
            .expect("static regex")
    });
    let unsafe_re = UNSAFE.get_or_init(|| {
        Regex::new(r#"(?is)<\s*script|<\s*foreignObject|\bon[a-z]+\s*=|javascript:|(?:href|src)\s*=\s*["']?\s*(?:[a-z][a-z0-9+.\-]*:|//)|url\(\s*["']?\s*(?:[a-z][a-z0-9+.\-]*:|//)|@import"#)
            .expect("static regex")
    });
    let svg = svg.trim_start_matches('\u{feff}');
    let trimmed = svg.trim_start();
    if !(trimmed.starts_with("<svg") || trimmed.starts_with("<?xml")) {
        return None;
    }
    let start = prolog.find(svg).map(|m| m.end()).unwrap_or(0);
    let body = &svg[start..];
    if !body.starts_with("<svg") || !body.trim_end().ends_with("</svg>") || unsafe_re.is_match(body)
    {
        return None;
    }
    Some(body.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn svg_gate() {
        let ok = r#"<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10"/></svg>"#;
        assert!(safe_svg(ok).unwrap().starts_with("<svg"));
        assert!(safe_svg("<svg><rect/></svg>\n").is_some());
        assert!(safe_svg("<html><svg></svg></html>").is_none());
        assert!(safe_svg("<svg><script>alert(1)</script></svg>").is_none());
        assert!(safe_svg(r#"<svg><image href="https://x.example/a.png"/></svg>"#).is_none());
        assert!(safe_svg(r#"<svg><rect onload="x()"/></svg>"#).is_none());
        assert!(safe_svg(r#"<svg><rect style="fill:url(http://x/y)"/></svg>"#).is_none());
        assert!(safe_svg(r##"<svg><use href="#a"/><rect fill="url(#g)"/></svg>"##).is_some());
        assert!(safe_svg("<svg>").is_none());
    }
}
