//! Untrusted issue text: sanitised output never holds an HTML comment opener or an invisible
//! (zero-width, bidi) character, and a registered secret never survives redaction.
//! Mirrors `sanitized_text_hides_nothing` and `registered_secret_never_survives_redaction`.
#![no_main]

use libfuzzer_sys::fuzz_target;

const SECRET: &str = "fuzz-secret-0123456789abcdef";

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let out = octagit::sanitize::sanitize(&text);
    assert!(!out.text.contains("<!--"), "{text:?} -> {:?}", out.text);
    assert!(
        !out.text.chars().any(|c| matches!(c,
            '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}' | '\u{FEFF}' | '\u{E0000}'..='\u{E007F}')),
        "{text:?} -> {:?}",
        out.text
    );
    octagit::secret::register(SECRET);
    let mut mid = text.len() / 2;
    while !text.is_char_boundary(mid) {
        mid -= 1;
    }
    let (a, b) = text.split_at(mid);
    let joined = format!("{a}{SECRET}{b}");
    assert!(!octagit::secret::redact(&joined).contains(SECRET));
});
