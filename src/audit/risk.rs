//! The risk note: two or three sentences on what could go wrong with this chain, written by
//! the cheapest viable model from the audit's facts, or built here when no model is
//! reachable or its text does not pass validation.

use std::time::Duration;

use crate::provider::{ChatRequest, Message};
use crate::run_record::{AuditCandidate, AuditReport};

use super::rank::Workload;

/// The author name of a note built without a model.
pub const BUILT_IN: &str = "built-in";
const MAX_CHARS: usize = 500;

const SYSTEM: &str = "You write the risk note of a pre-flight check before an AI coding agent \
starts fixing a GitHub issue. Use only the facts given. Write exactly two or three plain \
sentences, under 400 characters in total: the biggest risk first (rate limits, a single hop, \
a tight context window, cost), then what would mitigate it. No lists, no markdown, no greeting.";

/// The facts the note is written from, one per line.
pub fn facts(report: &AuditReport, w: &Workload) -> String {
    let mut out = vec![format!(
        "First prompt: about {} tokens; a run of {} turns sends about {} input tokens per turn.",
        report.prompt_tokens,
        w.turns,
        w.tokens_per_turn()
    )];
    out.push(format!(
        "Chain ({} usable hops): {}",
        report.chain.len(),
        if report.chain.is_empty() {
            "none".to_string()
        } else {
            report.chain.join(" -> ")
        }
    ));
    for c in &report.candidates {
        let mut parts = vec![
            c.slug.clone(),
            if c.viable {
                "usable".into()
            } else {
                "not usable".into()
            },
        ];
        if let Some(r) = &c.reason {
            parts.push(r.clone());
        }
        if let Some(h) = c.headroom_turns {
            parts.push(format!(
                "remaining tokens per minute cover about {h:.1} turns"
            ));
        }
        if let Some(cost) = c.est_run_cost_usd {
            parts.push(format!("estimated run cost ${cost:.2}"));
        }
        if let (Some(p), Some(win)) = (c.prompt_tokens, c.context_window) {
            parts.push(format!(
                "first prompt uses {:.0}% of its window",
                100.0 * p as f64 / win as f64
            ));
        }
        out.push(format!("- {}", parts.join("; ")));
    }
    out.join("\n")
}

fn first_viable(report: &AuditReport) -> Option<&AuditCandidate> {
    let slug = report.chain.first()?;
    report.candidates.iter().find(|c| &c.slug == slug)
}

/// The note without a model: deterministic, from the same facts.
pub fn deterministic(report: &AuditReport, w: &Workload) -> String {
    let Some(first) = first_viable(report) else {
        let dead = report.candidates.len();
        let no_key = report
            .candidates
            .iter()
            .filter(|c| c.reason.as_deref().is_some_and(|r| r.starts_with("no key")))
            .count();
        let step = report
            .next_step
            .clone()
            .unwrap_or_else(|| "add a key for one provider".into());
        let keys = match no_key {
            0 => String::new(),
            n if n == dead => ", none has a key".to_string(),
            n => format!(", {n} without a key"),
        };
        return format!(
            "No model can take this job now: none of the {dead} candidates is usable{keys}. Next step: {step}."
        );
    };
    let mut s = Vec::new();
    let headroom = first.headroom_turns;
    if report.chain.len() == 1 {
        match headroom {
            Some(h) => s.push(format!(
                "Only one hop is usable ({}) and its remaining TPM covers about {}.",
                first.slug,
                turns(h)
            )),
            None => s.push(format!(
                "Only one hop is usable ({}), so a failure mid-run has no fallback.",
                first.slug
            )),
        }
    } else {
        s.push(format!(
            "{} hops are usable; {} goes first{}.",
            report.chain.len(),
            first.slug,
            first
                .est_run_cost_usd
                .map(|c| format!(" at about ${c:.2} for a {}-turn run", w.turns))
                .unwrap_or_default()
        ));
        if let Some(h) = headroom.filter(|h| *h < 3.0) {
            s.push(format!(
                "Its remaining TPM covers only about {}, so expect waits or an early hand-over.",
                turns(h)
            ));
        }
    }
    if let (Some(p), Some(win)) = (first.prompt_tokens, first.context_window) {
        let share = p as f64 / win as f64;
        if share > 0.5 {
            s.push(format!(
                "The first prompt already fills {:.0}% of its window, so a long run may overflow it.",
                share * 100.0
            ));
        }
    }
    if s.len() < 2 {
        s.push(match first.context_window {
            None => "Its context window is unknown, so an overflow is possible.".to_string(),
            Some(_) => "Nothing else stands out.".to_string(),
        });
    }
    s.truncate(3);
    s.join(" ")
}

fn turns(h: f64) -> String {
    match h.floor() as u64 {
        1 => "1 turn".into(),
        n => format!("{n} turns"),
    }
}

/// Accept a model's note only when it is two or three sentences of plain text within the
/// bound and carries nothing that redaction would mask.
pub fn validate(text: &str) -> Option<String> {
    let t = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if t.is_empty() || t.chars().count() > MAX_CHARS {
        return None;
    }
    if t.contains("```") || t.contains('#') || t.starts_with("- ") || t.starts_with("* ") {
        return None;
    }
    // A sentence ends at . ! or ? followed by a space or the end ("$0.25" does not end one).
    let chars: Vec<char> = t.chars().collect();
    let sentences = chars
        .iter()
        .enumerate()
        .filter(|(i, c)| {
            matches!(c, '.' | '!' | '?') && chars.get(i + 1).is_none_or(|n| n.is_whitespace())
        })
        .count();
    let ends = t.ends_with(['.', '!', '?']);
    if !(2..=3).contains(&sentences) || !ends {
        return None;
    }
    if crate::secret::redact(&t) != t {
        return None;
    }
    Some(t)
}

/// Ask the walker's hop for the note; `None` on any failure or an invalid answer. The
/// call is an attempt of `walker` (recorded and priced by it).
pub async fn ask_model(
    walker: &mut crate::chain::ChainWalker,
    facts: &str,
    timeout: Duration,
) -> Option<String> {
    let req = ChatRequest {
        system: SYSTEM.into(),
        messages: vec![Message::user(crate::secret::redact(facts))],
        tools: vec![],
        max_tokens: 160,
        temperature: Some(0.2),
    };
    let answer = tokio::time::timeout(timeout, walker.call(&req))
        .await
        .ok()?
        .ok()?;
    validate(&answer.response.text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run_record::PriceSource;

    fn cand(slug: &str, viable: bool) -> AuditCandidate {
        AuditCandidate {
            slug: slug.into(),
            provider: "openai".into(),
            reachable: viable,
            reason: if viable {
                None
            } else {
                Some("no key: set OPENAI_API_KEY".into())
            },
            input_per_mtok: Some(1.0),
            output_per_mtok: Some(4.0),
            price_source: PriceSource::BuiltIn,
            context_window: Some(100_000),
            fits: Some(true),
            supports_tools: Some(true),
            est_run_cost_usd: Some(0.25),
            viable,
            prompt_tokens: Some(10_000),
            ..Default::default()
        }
    }

    const W: Workload = Workload {
        prompt_tokens: 10_000,
        turns: 10,
    };

    #[test]
    fn one_hop_with_tpm() {
        let mut a = cand("openai/gpt-4o", true);
        a.headroom_turns = Some(4.4);
        let report = AuditReport {
            candidates: vec![a, cand("anthropic/x", false)],
            chain: vec!["openai/gpt-4o".into()],
            ..Default::default()
        };
        let note = deterministic(&report, &W);
        assert!(
            note.starts_with(
                "Only one hop is usable (openai/gpt-4o) and its remaining TPM covers about 4 turns."
            ),
            "{note}"
        );
        assert!(
            validate(&note).is_some(),
            "built-in note passes its own bound: {note}"
        );
    }

    #[test]
    fn none_viable_gives_next_step() {
        let report = AuditReport {
            candidates: vec![cand("openai/gpt-4o", false)],
            next_step: Some("set OPENAI_API_KEY".into()),
            ..Default::default()
        };
        let note = deterministic(&report, &W);
        assert!(note.contains("set OPENAI_API_KEY"), "{note}");
        assert!(note.contains("none has a key"), "{note}");
    }

    #[test]
    fn several_hops_and_tight_window() {
        let mut a = cand("a/x", true);
        a.prompt_tokens = Some(70_000);
        a.headroom_turns = Some(1.2);
        let report = AuditReport {
            candidates: vec![a, cand("b/y", true)],
            chain: vec!["a/x".into(), "b/y".into()],
            ..Default::default()
        };
        let note = deterministic(&report, &W);
        assert!(
            note.starts_with("2 hops are usable; a/x goes first at about $0.25"),
            "{note}"
        );
        assert!(note.contains("70%"), "{note}");
        assert!(validate(&note).is_some(), "{note}");
    }

    #[test]
    fn validation_is_strict() {
        assert!(validate("Only one hop is reachable. Add a second provider.").is_some());
        assert!(validate("One sentence only.").is_none());
        assert!(validate("A run costs about $0.25 on gpt-4.1. Nothing else stands out.").is_some());
        assert!(validate("Aaa one. Bbb two. Ccc three. Ddd four.").is_none());
        assert!(validate("- a list. - of items.").is_none());
        assert!(validate(&"Long sentence here. ".repeat(40)).is_none());
        assert!(
            validate("Your key sk-proj-abcdefghijklmnopqrstuvwxyz is fine. Go ahead.").is_none()
        );
        assert!(validate("No final stop. Still going").is_none());
    }
}
