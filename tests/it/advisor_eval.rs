//! The advisor's labelled set (`src/advisor/eval.rs`, cases in `fixtures/advisor/`): the
//! built-in advisor must get every case right; the score is printed for the closing note.

use std::path::Path;

use octagit::advisor::{self, eval};

#[test]
fn built_in_advisor_passes_the_labelled_set() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(eval::CASES_DIR);
    let cases = eval::load_cases(&dir).unwrap();
    assert!(cases.len() >= 16, "the set has {} cases", cases.len());
    let mut failed = vec![];
    for c in &cases {
        let advice = advisor::deterministic(&c.record);
        let m = eval::misses(&c.record, &c.expected, &advice);
        if !m.is_empty() {
            failed.push(format!("{}: {}", c.name, m.join("; ")));
        }
    }
    let passed = cases.len() - failed.len();
    println!(
        "advisor eval (built-in): {passed} of {} cases right",
        cases.len()
    );
    assert!(failed.is_empty(), "wrong advice:\n{}", failed.join("\n"));
}
