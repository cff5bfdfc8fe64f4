//! Text on the page: escaped (and redacted) before it is markup, links only to http(s),
//! `code` spans and https links kept live in advice text.

use std::fmt::Write as _;
use std::sync::OnceLock;

use regex::Regex;

use crate::report::fmt;
use crate::secret::redact;

pub(super) fn esc(text: &str) -> String {
    html_escape::encode_text(&redact(text)).into_owned()
}

pub(super) fn attr(text: &str) -> String {
    html_escape::encode_double_quoted_attribute(&redact(text)).into_owned()
}

/// Only http(s) links become clickable; anything else is shown as text.
pub(super) fn a(text: &str, url: &str) -> String {
    if url.starts_with("https://") || url.starts_with("http://") {
        format!(
            "<a href=\"{}\" rel=\"noopener noreferrer\">{}</a>",
            attr(url),
            esc(text)
        )
    } else {
        esc(text)
    }
}

/// Redacted first, then cut: a cut must not leave half a secret behind.
pub(super) fn clipped(text: &str, max: usize) -> String {
    let text = redact(text);
    if text.len() <= max {
        return text;
    }
    let head = fmt::head_bytes(&text, max);
    format!(
        "{head}\n… [{} more not shown here; the full text is in the run directory]",
        fmt::bytes(text.len() - head.len())
    )
}

pub(super) fn code(text: &str) -> String {
    format!("<code>{}</code>", esc(text))
}

/// A model slug that may break after each `/` and nowhere else.
pub(super) fn slug_html(slug: &str) -> String {
    esc(slug).replace('/', "/<wbr>")
}

/// Text with `code` spans kept as `<code>` and https links made clickable, everything
/// else escaped.
pub(super) fn inline_code(text: &str) -> String {
    text.split('`')
        .enumerate()
        .map(|(i, piece)| {
            if i % 2 == 1 {
                code(piece)
            } else {
                linkify(&esc(piece))
            }
        })
        .collect()
}

/// Turn `https://…` in already escaped text into links (trailing punctuation stays text).
pub(super) fn linkify(escaped: &str) -> String {
    static URL: OnceLock<Regex> = OnceLock::new();
    let re = URL.get_or_init(|| Regex::new(r#"https://[^\s<>"']+"#).expect("static regex"));
    let mut out = String::with_capacity(escaped.len());
    let mut last = 0;
    for m in re.find_iter(escaped) {
        let url = m
            .as_str()
            .trim_end_matches(['.', ',', ';', ':', ')', '!', '?']);
        out.push_str(&escaped[last..m.start()]);
        let _ = write!(
            out,
            "<a href=\"{url}\" rel=\"noopener noreferrer\">{url}</a>"
        );
        last = m.start() + url.len();
    }
    out.push_str(&escaped[last..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped() {
        assert_eq!(esc("<b>&"), "&lt;b&gt;&amp;");
        assert_eq!(a("x", "javascript:alert(1)"), "x");
        assert!(
            a("x", "https://github.com/o/r/pull/1")
                .starts_with("<a href=\"https://github.com/o/r/pull/1\"")
        );
        assert_eq!(inline_code("set `a<b` now"), "set <code>a&lt;b</code> now");
        assert_eq!(
            inline_code("Review https://github.com/o/r/pull/1, then"),
            "Review <a href=\"https://github.com/o/r/pull/1\" rel=\"noopener noreferrer\">https://github.com/o/r/pull/1</a>, then"
        );
        assert_eq!(linkify("x javascript:alert(1)"), "x javascript:alert(1)");
    }
}
