//! Small formatters shared by the advisor and every report, so a cost or a duration reads
//! the same in the job summary, the HTML page and the advice.

use chrono::{DateTime, Utc};

use crate::run_record::{RunRecord, TestRun};

pub(crate) fn cost(usd: f64) -> String {
    if usd <= 0.0 {
        "$0.00".into()
    } else if usd < 0.01 {
        format!("${usd:.4}")
    } else {
        format!("${usd:.2}")
    }
}

/// The exact cost to a hundredth of a cent ("$0.0123"), where a reviewer compares runs.
pub(crate) fn cost_exact(usd: f64) -> String {
    format!("${usd:.4}")
}

pub(crate) fn ms(ms: u64) -> String {
    if ms < 1_000 {
        format!("{ms} ms")
    } else if ms < 60_000 {
        format!("{:.1} s", ms as f64 / 1000.0)
    } else {
        let s = ms / 1000;
        if s < 3600 {
            format!("{}m {:02}s", s / 60, s % 60)
        } else {
            format!("{}h {:02}m", s / 3600, (s % 3600) / 60)
        }
    }
}

pub(crate) fn tokens(n: u64) -> String {
    if n < 10_000 {
        n.to_string()
    } else if n < 1_000_000 {
        format!("{:.1}k", n as f64 / 1000.0)
    } else {
        format!("{:.2}M", n as f64 / 1_000_000.0)
    }
}

pub(crate) fn bytes(n: usize) -> String {
    if n < 1024 {
        format!("{n} B")
    } else if n < 1024 * 1024 {
        format!("{:.1} KiB", n as f64 / 1024.0)
    } else {
        format!("{:.2} MiB", n as f64 / (1024.0 * 1024.0))
    }
}

pub(crate) fn time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

pub(crate) fn clock(t: DateTime<Utc>) -> String {
    t.format("%H:%M:%S").to_string()
}

pub(crate) fn run_duration(record: &RunRecord) -> Option<String> {
    let end = record.finished_at?;
    let d = (end - record.started_at).num_milliseconds().max(0) as u64;
    Some(ms(d))
}

/// "passed: 12 passed" / "failed: 2 failed, 10 passed" / "timed out after 5m 00s".
pub(crate) fn test_run(t: &TestRun) -> String {
    let mut counts = vec![];
    let failed = t.failed_count.unwrap_or(t.failed_tests.len() as u64);
    let passed = t.passed_count.unwrap_or(t.passed_tests.len() as u64);
    if failed > 0 {
        counts.push(format!("{failed} failed"));
    }
    if passed > 0 {
        counts.push(format!("{passed} passed"));
    }
    let verdict = if t.timed_out {
        format!("timed out after {}", ms(t.duration_ms))
    } else if t.success {
        "passed".to_string()
    } else {
        match t.exit_code {
            Some(c) => format!("failed (exit {c})"),
            None => "failed".to_string(),
        }
    };
    if counts.is_empty() {
        verdict
    } else {
        format!("{verdict}: {}", counts.join(", "))
    }
}

/// The first line of `text`, at most `max` characters, with an ellipsis when cut.
pub(crate) fn first_line(text: &str, max: usize) -> String {
    let line = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim();
    clip_chars(line, max)
}

/// One line for a table: the message of a JSON error body (OpenAI, Anthropic and OpenRouter
/// all put it at `error.message`), else the first line of the text.
pub(crate) fn error_line(text: &str, max: usize) -> String {
    let t = text.trim();
    if t.starts_with('{')
        && let Ok(v) = serde_json::from_str::<serde_json::Value>(t)
        && let Some(m) = v
            .pointer("/error/message")
            .or_else(|| v.get("message"))
            .and_then(|m| m.as_str())
        && !m.trim().is_empty()
    {
        return first_line(m, max);
    }
    first_line(t, max)
}

/// At most `max` characters of `text`, redacted before it is cut so a cut can never leave
/// half a secret that the redactor no longer recognises.
pub(crate) fn clip_chars(text: &str, max: usize) -> String {
    let text = crate::secret::redact(text);
    let text = text.as_str();
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let mut s: String = text.chars().take(max.saturating_sub(1)).collect();
        s.push('…');
        s
    }
}

/// The largest prefix of `text` that is at most `max` bytes and ends on a char boundary,
/// preferring to end at a line break when one is near.
pub(crate) fn head_bytes(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let cut = &text[..end];
    match cut.rfind('\n') {
        Some(nl) if nl + 1 >= end.saturating_sub(512) => &text[..nl + 1],
        _ => cut,
    }
}

/// The largest suffix of `text` that is at most `max` bytes, starting on a char boundary and
/// preferably at a line start.
pub(crate) fn tail_bytes(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut start = text.len() - max;
    while !text.is_char_boundary(start) {
        start += 1;
    }
    let cut = &text[start..];
    match cut.find('\n') {
        Some(nl) if nl < 512 => &cut[nl + 1..],
        _ => cut,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(cost(0.0), "$0.00");
        assert_eq!(cost(0.00421), "$0.0042");
        assert_eq!(cost(1.234), "$1.23");
        assert_eq!(ms(850), "850 ms");
        assert_eq!(ms(12_340), "12.3 s");
        assert_eq!(ms(192_000), "3m 12s");
        assert_eq!(tokens(123_456), "123.5k");
        assert_eq!(bytes(2 * 1024 * 1024), "2.00 MiB");
    }

    #[test]
    fn byte_cuts_respect_chars_and_lines() {
        let text = "ab\ncdé\nfgh\n";
        let h = head_bytes(text, 6);
        assert_eq!(h, "ab\n");
        let t = tail_bytes(text, 6);
        assert_eq!(t, "fgh\n");
        let s = "éééé";
        assert!(head_bytes(s, 3).len() <= 3);
        assert!(tail_bytes(s, 3).len() <= 3);
        assert_eq!(clip_chars("abcdef", 4), "abc…");
        assert_eq!(
            error_line(
                r#"{"type":"error","error":{"type":"x","message":"invalid x-api-key"}}"#,
                80
            ),
            "invalid x-api-key"
        );
        assert_eq!(error_line("plain\nsecond", 80), "plain");
    }
}
