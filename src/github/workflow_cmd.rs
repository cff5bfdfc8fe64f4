//! GitHub Actions workflow commands (`::group::`, `::add-mask::`, `::error ...::`), step
//! outputs (`$GITHUB_OUTPUT`) and the job summary (`$GITHUB_STEP_SUMMARY`).
//!
//! Escaping follows the runner's rules: in data `%`→`%25`, CR→`%0D`, LF→`%0A`; in properties
//! also `:`→`%3A` and `,`→`%2C`. Everything printed passes through [`crate::secret::redact`]
//! except `::add-mask::`, whose whole point is to hand the runner the raw value.

use std::io::Write;
use std::path::{Path, PathBuf};

/// The job summary is dropped by GitHub above 1 MiB per step; stay under it with margin.
pub const SUMMARY_LIMIT: usize = 1024 * 1024 - 4096;

pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// The line that asks the runner to mask `value` in every later log line. Multi-line
/// values are masked line by line, because the runner masks per line.
pub fn add_mask_lines(value: &str) -> Vec<String> {
    value
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| format!("::add-mask::{}", escape_data(l)))
        .collect()
}

pub fn add_mask(value: &str) {
    for line in add_mask_lines(value) {
        println!("{line}");
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Error,
    Warning,
    Notice,
}

impl Level {
    fn as_str(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Notice => "notice",
        }
    }
}

/// One annotation line, e.g. `::error title=Publish::the push was refused`.
pub fn annotation_line(level: Level, title: Option<&str>, message: &str) -> String {
    let message = escape_data(&crate::secret::redact(message));
    match title {
        Some(t) => format!(
            "::{} title={}::{}",
            level.as_str(),
            escape_property(&crate::secret::redact(t)),
            message
        ),
        None => format!("::{}::{}", level.as_str(), message),
    }
}

pub fn annotate(level: Level, title: Option<&str>, message: &str) {
    println!("{}", annotation_line(level, title, message));
}

pub fn group(title: &str) {
    println!("::group::{}", escape_data(&crate::secret::redact(title)));
}

pub fn endgroup() {
    println!("::endgroup::");
}

/// Where the runner wants outputs and the summary. Absent outside Actions: then outputs go
/// nowhere and the summary is not written (the CLI has its own reports).
#[derive(Debug, Clone, Default)]
pub struct RunnerFiles {
    pub output: Option<PathBuf>,
    pub summary: Option<PathBuf>,
}

impl RunnerFiles {
    pub fn from_vars(vars: &std::collections::BTreeMap<String, String>) -> Self {
        let path = |k: &str| {
            vars.get(k)
                .filter(|v| !v.trim().is_empty())
                .map(PathBuf::from)
        };
        RunnerFiles {
            output: path("GITHUB_OUTPUT"),
            summary: path("GITHUB_STEP_SUMMARY"),
        }
    }

    /// Append `name=value` (or the heredoc form for multi-line values) to `$GITHUB_OUTPUT`.
    pub fn set_output(&self, name: &str, value: &str) -> std::io::Result<()> {
        let Some(path) = &self.output else {
            return Ok(());
        };
        append(path, &output_entry(name, &crate::secret::redact(value)))
    }

    /// Append Markdown to the job summary, keeping the file under GitHub's size limit.
    pub fn append_summary(&self, markdown: &str) -> std::io::Result<()> {
        let Some(path) = &self.summary else {
            return Ok(());
        };
        let have = std::fs::metadata(path)
            .map(|m| m.len() as usize)
            .unwrap_or(0);
        let text = crate::secret::redact(markdown);
        let room = SUMMARY_LIMIT.saturating_sub(have);
        let text = if text.len() > room {
            let note = "\n\n_(summary truncated: GitHub drops job summaries over 1 MiB; the full report is in the run artefacts)_\n";
            let mut cut = room.saturating_sub(note.len());
            while cut > 0 && !text.is_char_boundary(cut) {
                cut -= 1;
            }
            format!("{}{}", &text[..cut], note)
        } else {
            text
        };
        let text = if text.ends_with('\n') {
            text
        } else {
            format!("{text}\n")
        };
        append(path, &text)
    }
}

/// The `$GITHUB_OUTPUT` entry for one output. Multi-line values use a delimiter that does
/// not occur in the value, as the runner requires.
pub fn output_entry(name: &str, value: &str) -> String {
    if !value.contains('\n') && !value.contains('\r') {
        return format!("{name}={value}\n");
    }
    let mut n = 0u32;
    let delim = loop {
        let d = format!("ghadelimiter_octagit_{}_{n}", std::process::id());
        if !value.contains(&d) {
            break d;
        }
        n += 1;
    };
    format!("{name}<<{delim}\n{value}\n{delim}\n")
}

fn append(path: &Path, text: &str) -> std::io::Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    f.write_all(text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_data_and_properties() {
        assert_eq!(escape_data("50%\r\nnext"), "50%25%0D%0Anext");
        assert_eq!(escape_property("a:b,c\n"), "a%3Ab%2Cc%0A");
        assert_eq!(
            annotation_line(Level::Error, Some("Push: refused, sorry"), "line1\nline2"),
            "::error title=Push%3A refused%2C sorry::line1%0Aline2"
        );
    }

    #[test]
    fn masks_each_line() {
        assert_eq!(
            add_mask_lines("abc\n\n def \n"),
            vec!["::add-mask::abc", "::add-mask::def"]
        );
    }

    #[test]
    fn multiline_outputs_use_a_fresh_delimiter() {
        assert_eq!(output_entry("status", "success"), "status=success\n");
        let e = output_entry("summary", "a\nb");
        let first = e.lines().next().unwrap();
        let delim = first.strip_prefix("summary<<").unwrap();
        assert_eq!(e, format!("summary<<{delim}\na\nb\n{delim}\n"));
        // A value containing the would-be delimiter gets another one.
        let tricky = format!("x\nghadelimiter_octagit_{}_0\ny", std::process::id());
        let e = output_entry("v", &tricky);
        let delim = e
            .lines()
            .next()
            .unwrap()
            .strip_prefix("v<<")
            .unwrap()
            .to_string();
        assert!(!tricky.contains(&delim));
        assert!(e.ends_with(&format!("\n{delim}\n")));
    }

    #[test]
    fn summary_is_capped() {
        let dir = tempfile::tempdir().unwrap();
        let files = RunnerFiles {
            output: None,
            summary: Some(dir.path().join("s.md")),
        };
        files
            .append_summary(&"x".repeat(SUMMARY_LIMIT + 100))
            .unwrap();
        let len = std::fs::metadata(dir.path().join("s.md")).unwrap().len() as usize;
        assert!(len <= SUMMARY_LIMIT + 1, "{len}");
        let text = std::fs::read_to_string(dir.path().join("s.md")).unwrap();
        assert!(text.contains("summary truncated"));
    }
}
