//! The smallest real fix, shared by the tests that drive `octagit run` against the mock
//! LLM: `value.txt` says `broken`, `sh check.sh` passes once it says `fixed`, and the two
//! model answers (an edit, then `finish`) that make that change.

use serde_json::json;

use super::mock_llm::Reply;
use super::repo::TempRepo;

pub fn value_repo() -> TempRepo {
    TempRepo::with_files(&[
        ("value.txt", "broken\n"),
        (
            "check.sh",
            "grep -q fixed value.txt || { echo 'FAIL: value'; exit 1; }\n",
        ),
    ])
}

pub fn edit_value() -> Reply {
    Reply::text("")
        .tool_call(
            "call_e1",
            "edit_file",
            &json!({"path": "value.txt", "old_text": "broken", "new_text": "fixed"}).to_string(),
        )
        .usage(900, 40)
}

pub fn finish_value() -> Reply {
    Reply::text("")
        .tool_call(
            "call_f1",
            "finish",
            &json!({"summary": "value.txt now says fixed"}).to_string(),
        )
        .usage(1000, 20)
}

/// A finished command's stdout and stderr, for assertion messages.
pub fn output_text(out: &std::process::Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}
