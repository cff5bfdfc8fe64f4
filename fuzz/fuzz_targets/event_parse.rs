//! Event payloads (`$GITHUB_EVENT_PATH`) from arbitrary bytes: parsing and the trigger
//! decision never panic, and errors are one line. Mirrors `event_parse_*` in proptests.rs.
#![no_main]

use libfuzzer_sys::fuzz_target;
use octagit::github::event::{Event, Mode, TriggerSettings, decide};

const NAMES: &[&str] = &["issues", "issue_comment", "workflow_dispatch", "schedule", "push"];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else { return };
    let name = NAMES[pick as usize % NAMES.len()];
    let text = String::from_utf8_lossy(rest);
    match Event::parse(name, &text) {
        Ok(event) => {
            for mode in [Mode::Fix, Mode::Triage, Mode::Audit] {
                let s = TriggerSettings {
                    label: "octagit".into(),
                    phrase: "/octagit".into(),
                    mode,
                    issue_number: None,
                };
                if let Err(e) = decide(&event, &s) {
                    assert!(!e.to_string().contains('\n'), "{e}");
                }
            }
        }
        Err(e) => assert!(!e.to_string().contains('\n'), "{e}"),
    }
});
