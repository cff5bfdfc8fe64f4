//! What a walker's attempts say: the summary of an exhausted chain, the class that
//! explains it, and the hop known to answer (the advisor's).

use super::{ChainWalker, Hop};
use crate::failure::FailureClass;
use crate::provider::ProviderError;
use crate::run_record::HopAttempt;

/// Every hop failed. Carries the per-hop record; never a bare error.
#[derive(Debug, Clone, thiserror::Error)]
#[error("every model in the chain failed ({summary}); last error: {last}")]
pub struct ChainExhausted {
    pub summary: String,
    /// The class that best explains the failure as a whole (see [`dominant_class`]).
    pub class: FailureClass,
    pub last: String,
    /// The last provider error itself, for callers that read its status and headers
    /// (the audit's probe).
    pub last_error: Option<Box<ProviderError>>,
}

impl ChainWalker {
    pub(super) fn exhausted(&self, last: Option<ProviderError>) -> ChainExhausted {
        let failed: Vec<&HopAttempt> = self.attempts.iter().filter(|a| a.class.is_some()).collect();
        let summary = if self.hops.is_empty() {
            "the chain is empty".to_string()
        } else {
            let mut seen = Vec::new();
            for a in &failed {
                let s = format!(
                    "{}: {}",
                    a.model,
                    a.class.map(|c| c.as_str()).unwrap_or("?")
                );
                if !seen.contains(&s) {
                    seen.push(s);
                }
            }
            // Hops never tried because their provider was already known dead.
            for (i, h) in self.hops.iter().enumerate() {
                if !failed.iter().any(|a| a.hop == i) {
                    seen.push(format!("{}: skipped", h.slug()));
                }
            }
            seen.join(", ")
        };
        ChainExhausted {
            summary,
            class: dominant_class(&self.attempts).unwrap_or(FailureClass::NoModel),
            last: last
                .as_ref()
                .map(|e| crate::secret::redact(&e.message))
                .unwrap_or_else(|| "no model was tried".into()),
            last_error: last.map(Box::new),
        }
    }
}

/// The class that explains an exhausted chain. Auth and billing need a person, so they
/// win whenever they occurred (the more frequent of the two); otherwise the last failure
/// speaks for the chain: it is the one no later hop could work around.
pub fn dominant_class(attempts: &[HopAttempt]) -> Option<FailureClass> {
    let count = |c: FailureClass| attempts.iter().filter(|a| a.class == Some(c)).count();
    let (auth, billing) = (count(FailureClass::Auth), count(FailureClass::Billing));
    if auth + billing > 0 {
        return Some(if billing > auth {
            FailureClass::Billing
        } else {
            FailureClass::Auth
        });
    }
    attempts.iter().rev().find_map(|a| a.class)
}

/// The hop to ask for a few hundred tokens of advice: the cheapest one that has answered
/// in this run and whose provider has not failed auth or billing since. `None` when no hop
/// is known to work (the advisor then writes its deterministic text).
pub fn advisor_hop(hops: &[Hop], attempts: &[HopAttempt]) -> Option<Hop> {
    let usable = hops.iter().enumerate().filter(|(i, h)| {
        let mine: Vec<&HopAttempt> = attempts.iter().filter(|a| a.hop == *i).collect();
        let answered = mine.iter().any(|a| a.class.is_none());
        let last_ok = mine.last().is_some_and(|a| a.class.is_none());
        let provider_dead = attempts.iter().any(|a| {
            a.provider == h.client.provider().to_string()
                && a.class.is_some_and(|c| c.poisons_provider())
        });
        answered && last_ok && !provider_dead
    });
    super::cheapest(usable.map(|(_, h)| h)).cloned()
}
