//! The post-mortem: what happened, why, what the agent managed, what it cost, and exactly one
//! next step a person can do now.
//!
//! [`deterministic`] (`texts/`) is a pure function of the run record with one text per
//! failure class, filled from `facts.rs`; it is what every report falls back to.
//! [`advise_priced`] asks the run's cheapest answering model for a better-worded version
//! through a one-hop chain walker (`model.rs`), so the call is recorded and priced, and
//! falls back to the built-in text on any doubt.

mod behaviour;
pub mod eval;
mod facts;
mod model;
mod texts;

use crate::chain::Hop;
use crate::provider::ModelClient;
use crate::run_record::{Advice, RunRecord};

pub use model::{Advised, Budget, PURPOSE};
pub use texts::deterministic;

/// Author of advice no model wrote.
pub const BUILT_IN: &str = "built-in";

/// The advice for a run, written by `hop` when there is one and `budget` allows the call,
/// else the built-in text; with the attempts the call made, for the run record.
pub async fn advise_priced(record: &RunRecord, hop: Option<Hop>, budget: Budget) -> Advised {
    let fallback = deterministic(record);
    match hop {
        Some(hop) => model::write(record, fallback, hop, budget).await,
        None => Advised {
            advice: fallback,
            attempts: vec![],
        },
    }
}

/// [`advise_priced`] for a caller outside a run (the bench, tests): `model` unpriced, no
/// cap, the attempts dropped.
pub async fn advise(record: &RunRecord, model: Option<&ModelClient>) -> Advice {
    let hop = model.map(|m| Hop::new(m.clone()));
    advise_priced(record, hop, Budget::default()).await.advice
}
