//! GitHub-flavoured Markdown building blocks for the job summary and the advice comment:
//! inline text escaped so issue text cannot become markup, HTML `<code>` for any character,
//! fences longer than any backtick run inside them.

/// Inline text: no line breaks, no markup, no HTML.
pub(crate) fn md(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    for (i, &c) in chars.iter().enumerate() {
        match c {
            '\r' => {}
            '\n' => out.push(' '),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\\' | '`' | '*' | '[' | ']' | '~' => {
                out.push('\\');
                out.push(c);
            }
            // Inside a word (OPENAI_API_KEY) an underscore never starts emphasis; escaping it
            // there would only make the raw text harder to read.
            '_' => {
                let word = |j: Option<usize>| {
                    j.and_then(|j| chars.get(j))
                        .is_some_and(|c| c.is_alphanumeric())
                };
                if !(word(i.checked_sub(1)) && word(Some(i + 1))) {
                    out.push('\\');
                }
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// Text inside an HTML element (`<summary>`, `<code>`).
pub(crate) fn esc(text: &str) -> String {
    html_escape::encode_text(&text.replace(['\r', '\n'], " ")).into_owned()
}

/// Inline code. HTML `<code>` rather than backticks, so any character is safe in it and in a
/// table cell.
pub(crate) fn code(text: &str) -> String {
    format!("<code>{}</code>", esc(text).replace('|', "&#124;"))
}

/// A table cell: pipes escaped, one line.
pub(crate) fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\r', '\n'], " ")
}

/// A fenced block whose fence is longer than any backtick run inside it.
pub(crate) fn fenced(lang: &str, text: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    let fence = "`".repeat((longest + 1).max(3));
    let nl = if text.ends_with('\n') { "" } else { "\n" };
    format!("{fence}{lang}\n{text}{nl}{fence}\n")
}

pub(crate) fn details(summary: &str, body: &str) -> String {
    format!(
        "<details><summary>{}</summary>\n\n{body}\n</details>\n\n",
        esc(summary)
    )
}

pub(crate) fn link(text: &str, url: &str) -> String {
    // The URL is ours (GitHub's answer or built from the slug); keep it from closing the link.
    let url = url
        .replace(' ', "%20")
        .replace(')', "%29")
        .replace('(', "%28");
    format!("[{}]({url})", md(text))
}

/// Advice text keeps its `code` spans (config lines, secret names) so they can be copied;
/// everything else is plain text.
pub(crate) fn rich(text: &str) -> String {
    let mut out = String::new();
    for (i, piece) in text.split('`').enumerate() {
        if i % 2 == 1 {
            out.push_str(&code(piece));
        } else {
            out.push_str(&md(piece));
        }
    }
    out
}
