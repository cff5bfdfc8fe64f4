//! The advisor's labelled set (`tests/it/fixtures/advisor/`, see `src/advisor/eval.rs`)
//! scored twice in one run: the built-in advisor, and a model-written advisor through the
//! same validation the pipeline uses, when a model is reachable.
//!
//! Run: `cargo run --example bench_advisor [-- MODEL_SLUG]`. Without a slug it takes the
//! first of the default chain whose key is set (or a local server's model with
//! `ollama/<name>`-style slugs given explicitly); with none reachable it scores the
//! built-in advisor only and says so.

use std::path::Path;
use std::time::Instant;

use octagit::advisor::{self, eval};
use octagit::provider::{ModelClient, ProviderEnv};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(eval::CASES_DIR);
    let cases = match eval::load_cases(&dir) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("cannot read the labelled set: {e}");
            std::process::exit(2);
        }
    };
    let env = ProviderEnv::from_process(Default::default());
    let wanted: Vec<String> = match std::env::args().nth(1) {
        Some(slug) => vec![slug],
        None => octagit::audit::default_candidates(),
    };
    let model = wanted
        .iter()
        .find_map(|s| ModelClient::resolve(s, &env).ok());

    let mut built_in = 0;
    let mut written = 0;
    let mut written_by_model = 0;
    let started = Instant::now();
    println!("{:<24} {:<9} model-written", "case", "built-in");
    for c in &cases {
        let b = eval::misses(&c.record, &c.expected, &advisor::deterministic(&c.record));
        built_in += usize::from(b.is_empty());
        let m = match &model {
            Some(client) => {
                let a = advisor::advise(&c.record, Some(client)).await;
                // The model's answer may be rejected and replaced by the built-in text;
                // only answers the model really wrote count for it.
                if a.author != advisor::BUILT_IN {
                    written_by_model += 1;
                }
                let miss = eval::misses(&c.record, &c.expected, &a);
                written += usize::from(miss.is_empty());
                format!(
                    "{} ({})",
                    if miss.is_empty() { "right" } else { "wrong" },
                    a.author
                )
            }
            None => "-".into(),
        };
        println!(
            "{:<24} {:<9} {m}",
            c.name,
            if b.is_empty() { "right" } else { "wrong" }
        );
    }
    let n = cases.len();
    println!();
    println!("built-in advisor:     {built_in} of {n}");
    match &model {
        Some(client) => println!(
            "model-written ({}): {written} of {n} ({written_by_model} answers passed validation; the rest fell back to built-in)",
            client.slug()
        ),
        None => println!(
            "model-written: not run (no model reachable: set a provider key or pass a slug)"
        ),
    }
    println!("took {:.1} s", started.elapsed().as_secs_f64());
}
