//! `.github/octagit.yml` from arbitrary text: never panics; every error is one line that
//! starts with `.github/octagit.yml:<line>:`. Mirrors `config_survives_*` in proptests.rs.
#![no_main]

use libfuzzer_sys::fuzz_target;
use octagit::config::{CONFIG_PATH, Config};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Err(e) = Config::from_yaml(text, CONFIG_PATH) {
        let msg = e.to_string();
        assert!(!msg.contains('\n'), "{msg:?}");
        let rest = msg.strip_prefix(".github/octagit.yml:").expect("names the file");
        let digits = rest.chars().take_while(char::is_ascii_digit).count();
        assert!(digits > 0 && rest[digits..].starts_with(':'), "names a line: {msg}");
    }
});
