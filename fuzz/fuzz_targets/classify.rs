//! The failure classifier on arbitrary status codes and bodies: never panics, always one of
//! the six model classes. Mirrors `classify_*` in proptests.rs.
#![no_main]

use libfuzzer_sys::fuzz_target;
use octagit::failure::{FailureClass, classify_embedded_error, classify_http};

const MODEL: [FailureClass; 6] = [
    FailureClass::Rate,
    FailureClass::Context,
    FailureClass::Auth,
    FailureClass::Billing,
    FailureClass::BadModel,
    FailureClass::Hallucination,
];

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let status = u16::from_le_bytes([data[0], data[1]]);
    let body = String::from_utf8_lossy(&data[2..]);
    assert!(MODEL.contains(&classify_http(status, &body)));
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(&data[2..])
        && let Some((class, _)) = classify_embedded_error(&v)
    {
        assert!(MODEL.contains(&class));
    }
});
