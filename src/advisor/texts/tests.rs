use super::*;
use crate::advisor::model::NEXT_STEP_MAX;
use crate::failure::FailureClass;
use crate::run_record::{AuditCandidate, AuditReport, HopAttempt, TaskInfo};
use chrono::{TimeZone, Utc};

fn record() -> RunRecord {
    let mut r = RunRecord::new(
        "t",
        TaskInfo {
            repo_path: ".".into(),
            issue_title: "Bug".into(),
            origin: "action".into(),
            issue_number: Some(7),
            ..Default::default()
        },
        false,
    );
    r.started_at = Utc.with_ymd_and_hms(2025, 3, 1, 12, 0, 0).unwrap();
    r
}

/// From JSON so fields the audit adds later (all defaulted) do not break the test.
fn candidate(v: serde_json::Value) -> AuditCandidate {
    let mut v = v;
    for k in [
        "input_per_mtok",
        "output_per_mtok",
        "context_window",
        "fits",
        "supports_tools",
        "tpm_limit",
        "tpm_remaining",
        "rpm_limit",
        "rpm_remaining",
        "est_run_cost_usd",
        "probe_ms",
    ] {
        v.as_object_mut()
            .unwrap()
            .entry(k)
            .or_insert(serde_json::Value::Null);
    }
    serde_json::from_value(v).unwrap()
}

fn hop(
    i: usize,
    model: &str,
    provider: &str,
    class: FailureClass,
    status: u16,
    error: &str,
) -> HopAttempt {
    HopAttempt {
        hop: i,
        model: model.into(),
        provider: provider.into(),
        at: Utc.with_ymd_and_hms(2025, 3, 1, 12, 0, i as u32).unwrap(),
        class: Some(class),
        status: Some(status),
        error: Some(error.into()),
        latency_ms: 100,
        tokens_in: 0,
        tokens_out: 0,
        cost_usd: 0.0,
        action: "next-hop".into(),
        ..Default::default()
    }
}

#[test]
fn auth_names_every_provider_and_the_secret() {
    let mut r = record();
    r.hops.push(hop(
        0,
        "anthropic/claude-sonnet-4-5",
        "anthropic",
        FailureClass::Auth,
        401,
        "invalid x-api-key",
    ));
    r.hops.push(hop(
        1,
        "openai/gpt-4o",
        "openai",
        FailureClass::Auth,
        401,
        "Incorrect API key",
    ));
    r.fail(FailureClass::Auth, "every provider refused its key", "401");
    let a = deterministic(&r);
    assert_eq!(a.author, BUILT_IN);
    assert!(
        a.headline.contains("anthropic and openai"),
        "{}",
        a.headline
    );
    assert!(a.next_step.contains("ANTHROPIC_API_KEY"), "{}", a.next_step);
    assert!(a.next_step.contains("OPENAI_API_KEY"), "{}", a.next_step);
    assert!(
        a.next_step.contains("Settings → Secrets"),
        "{}",
        a.next_step
    );
}

#[test]
fn rate_limit_says_when_it_resets() {
    let mut r = record();
    r.hops.push(hop(
        0,
        "openai/gpt-4o",
        "openai",
        FailureClass::Rate,
        429,
        "Rate limit reached. Please try again in 6m0s.",
    ));
    r.fail(FailureClass::Rate, "rate limited", "429");
    let a = deterministic(&r);
    assert!(a.next_step.contains("12:06 UTC"), "{}", a.next_step);
}

#[test]
fn gate_without_command_suggests_one() {
    let mut r = record();
    r.files_explored = vec!["src/a.py".into(), "tests/test_a.py".into()];
    r.fail(FailureClass::Gate, "no test command", "");
    let a = deterministic(&r);
    assert!(
        a.next_step.contains("test_command: pytest -q"),
        "{}",
        a.next_step
    );
}

#[test]
fn no_model_from_missing_keys() {
    let mut r = record();
    r.audit = Some(AuditReport {
        candidates: vec![candidate(serde_json::json!({
            "slug": "openai/gpt-4o", "provider": "openai", "reachable": false,
            "class": "auth", "reason": "no key: set OPENAI_API_KEY",
            "price_source": "unknown", "viable": false
        }))],
        ..Default::default()
    });
    r.fail(FailureClass::NoModel, "no viable model", "");
    let a = deterministic(&r);
    assert!(
        a.next_step
            .starts_with("Add the repository secret OPENAI_API_KEY"),
        "{}",
        a.next_step
    );
}

#[test]
fn every_class_has_one_step() {
    for class in [
        FailureClass::Rate,
        FailureClass::Context,
        FailureClass::Auth,
        FailureClass::Billing,
        FailureClass::BadModel,
        FailureClass::Hallucination,
        FailureClass::Gate,
        FailureClass::Limit,
        FailureClass::NoModel,
        FailureClass::Config,
        FailureClass::Publish,
        FailureClass::Cancelled,
        FailureClass::Internal,
    ] {
        let mut r = record();
        r.fail(class, "something failed", "raw");
        let a = deterministic(&r);
        assert!(!a.headline.is_empty() && !a.body.is_empty(), "{class}");
        assert!(!a.next_step.contains('\n'), "{class}: {}", a.next_step);
        assert!(
            a.next_step.chars().count() <= NEXT_STEP_MAX,
            "{class}: {}",
            a.next_step
        );
    }
}

#[test]
fn every_class_has_one_entry() {
    let all = [
        FailureClass::Rate,
        FailureClass::Context,
        FailureClass::Auth,
        FailureClass::Billing,
        FailureClass::BadModel,
        FailureClass::BadRequest,
        FailureClass::Transient,
        FailureClass::Hallucination,
        FailureClass::Gate,
        FailureClass::Limit,
        FailureClass::NoModel,
        FailureClass::Config,
        FailureClass::Publish,
        FailureClass::Cancelled,
        FailureClass::Internal,
    ];
    for class in all {
        let n = TABLE.iter().filter(|(c, _)| *c == class).count();
        assert_eq!(n, 1, "{class}");
    }
    assert_eq!(TABLE.len(), all.len());
}

#[test]
fn no_text_names_a_model_the_facts_did_not_give() {
    // A record that names no model: any model a text suggests must come from the
    // facts (here the default chain), never from the text itself.
    let defaults = crate::audit::default_candidates();
    let prefixes: Vec<String> = crate::provider::ProviderKind::ALL
        .iter()
        .map(|p| format!("{}/", p.name()))
        .collect();
    for class in TABLE.iter().map(|(c, _)| *c) {
        let mut r = record();
        r.fail(class, "something failed", "raw");
        let a = deterministic(&r);
        let text = format!("{} {} {}", a.headline, a.body, a.next_step);
        for word in text.split(['`', ' ', ',', '[', ']', '(', ')']) {
            let word = word.trim_end_matches(['.', ':', ';']);
            if prefixes.iter().any(|p| word.starts_with(p.as_str())) {
                assert!(
                    defaults.iter().any(|d| d == word),
                    "{class}: {word} in {text}"
                );
            }
        }
    }
}
