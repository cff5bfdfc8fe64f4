//! Token estimates with tiktoken (bundled encodings: nothing is downloaded).

use std::sync::OnceLock;

use tiktoken_rs::CoreBPE;

fn bpe() -> Option<&'static CoreBPE> {
    static BPE: OnceLock<Option<CoreBPE>> = OnceLock::new();
    BPE.get_or_init(|| tiktoken_rs::o200k_base().ok()).as_ref()
}

/// Tokens in `text` under o200k_base. Other tokenizers differ by a few percent; the audit
/// keeps a 25% margin for that.
pub fn count(text: &str) -> usize {
    match bpe() {
        Some(b) => b.encode_ordinary(text).len(),
        // Never expected (the encoding is bundled), but an estimate beats a panic.
        None => text.len().div_ceil(4),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn counts_tokens() {
        let n = super::count("fn main() { println!(\"hello world\"); }");
        assert!((5..30).contains(&n), "{n}");
        assert_eq!(super::count(""), 0);
    }
}
