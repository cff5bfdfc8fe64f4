//! The fault-injection matrix: each failure class at the first, a middle and the last hop
//! of a three-hop chain (plus a run with no provider at all). Every cell must end with the
//! artefacts and the right exit code. Hops speak the real OpenAI wire to loopback mocks.
//!
//! Besides the classic classes: transient failures (one 503 survived on the same hop; a
//! 529 that persists moves on), a reasoning model refusing `temperature` (retried once
//! without it; refusing again is `bad-request`), and absurd numbers in a 429's text and
//! headers and in a 200's usage, which must never panic.

use std::collections::BTreeMap;
use std::time::Duration;

use octagit::chain::Hop;
use octagit::config::{Config, ProviderOverride};
use octagit::failure::FailureClass;
use octagit::pipeline::{self, Issue, RunOptions, RunOutcome};
use octagit::provider::{ModelClient, ProviderEnv};
use serde_json::json;
use wiremock::ResponseTemplate;

use crate::support::mock_llm::{Endpoint, MockLlm, Reply};
use crate::support::repo::TempRepo;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Fault {
    RateShort,
    RateLong,
    Context,
    Auth,
    Billing,
    BadModel,
    Hallucination,
    ConnectionRefused,
    Timeout,
    MalformedJson,
    ErrorInside200,
    Transient503Once,
    Overloaded529,
    UnsupportedTemperatureOnce,
    UnsupportedTemperatureAlways,
    AbsurdRateLimit,
    AbsurdUsage,
}

const FAULTS: [Fault; 17] = [
    Fault::RateShort,
    Fault::RateLong,
    Fault::Context,
    Fault::Auth,
    Fault::Billing,
    Fault::BadModel,
    Fault::Hallucination,
    Fault::ConnectionRefused,
    Fault::Timeout,
    Fault::MalformedJson,
    Fault::ErrorInside200,
    Fault::Transient503Once,
    Fault::Overloaded529,
    Fault::UnsupportedTemperatureOnce,
    Fault::UnsupportedTemperatureAlways,
    Fault::AbsurdRateLimit,
    Fault::AbsurdUsage,
];

/// A transient failure is tried this many times on one hop before the walker moves on
/// (the first try plus `RetryPolicy::default().transient_retries`).
const TRANSIENT_TRIES: usize = 4;

/// Three providers on the OpenAI wire, so auth and billing poison only one hop.
const PROVIDERS: [&str; 3] = ["openai", "openrouter", "huggingface"];
const SLUGS: [&str; 3] = [
    "openai/gpt-4o-mini",
    "openrouter/meta/llama",
    "huggingface/qwen/coder",
];

impl Fault {
    /// The class the run reports when this fault hits the last hop; `None` when the hop
    /// recovers on its own and every position ends fixed.
    fn class(self) -> Option<FailureClass> {
        Some(match self {
            Fault::RateShort
            | Fault::Transient503Once
            | Fault::UnsupportedTemperatureOnce
            | Fault::AbsurdUsage => return None,
            Fault::RateLong | Fault::AbsurdRateLimit => FailureClass::Rate,
            Fault::Context => FailureClass::Context,
            Fault::Auth => FailureClass::Auth,
            Fault::Billing => FailureClass::Billing,
            Fault::Hallucination => FailureClass::Hallucination,
            Fault::Timeout | Fault::ErrorInside200 | Fault::Overloaded529 => {
                FailureClass::Transient
            }
            Fault::UnsupportedTemperatureAlways => FailureClass::BadRequest,
            _ => FailureClass::BadModel,
        })
    }

    /// The class the faulty hop's attempts carry on record, whatever the outcome.
    fn recorded(self) -> Option<FailureClass> {
        match self {
            Fault::Transient503Once => Some(FailureClass::Transient),
            Fault::Hallucination => None,
            f => f.class(),
        }
    }

    /// What the faulty hop's mock answers, in order.
    fn script(self) -> Vec<ResponseTemplate> {
        let unknown = || {
            Reply::text("")
                .tool_call("c1", "launch_rockets", "{}")
                .openai()
        };
        match self {
            Fault::RateShort => {
                let mut v = vec![MockLlm::openai_error_rate_limit("1s")];
                v.extend(fix());
                v
            }
            Fault::RateLong => vec![MockLlm::openai_error_rate_limit("6m0s")],
            Fault::Context => vec![MockLlm::openai_error_context_length_exceeded()],
            Fault::Auth => vec![MockLlm::openai_error_invalid_api_key("sk-abc...wxyz")],
            Fault::Billing => vec![MockLlm::openai_error_insufficient_quota()],
            Fault::BadModel => vec![MockLlm::openai_error_model_not_found("gpt-9")],
            Fault::Hallucination => vec![unknown(), unknown(), unknown()],
            Fault::ConnectionRefused => vec![],
            // Every try times out, so the hop is left (not banned) after its retries.
            Fault::Timeout => (0..TRANSIENT_TRIES)
                .map(|_| MockLlm::delayed(Reply::text("late").openai(), Duration::from_secs(4)))
                .collect(),
            Fault::MalformedJson => vec![MockLlm::malformed_json()],
            Fault::ErrorInside200 => (0..TRANSIENT_TRIES)
                .map(|_| MockLlm::openai_error_inside_200(502, "upstream provider failed"))
                .collect(),
            Fault::Transient503Once => {
                let mut v = vec![MockLlm::openai_error_overloaded_503()];
                v.extend(fix());
                v
            }
            Fault::Overloaded529 => (0..TRANSIENT_TRIES)
                .map(|_| MockLlm::anthropic_error_overloaded())
                .collect(),
            Fault::UnsupportedTemperatureOnce => {
                let mut v = vec![MockLlm::openai_error_unsupported_temperature()];
                v.extend(fix());
                v
            }
            // Refused again without it: the provider layer gives up and says which.
            Fault::UnsupportedTemperatureAlways => vec![
                MockLlm::openai_error_unsupported_temperature(),
                MockLlm::openai_error_unsupported_temperature(),
            ],
            Fault::AbsurdRateLimit => vec![MockLlm::openai_error_absurd_rate_limit()],
            Fault::AbsurdUsage => {
                let mut v = fix();
                v[0] = Reply::text("")
                    .tool_call(
                        "e1",
                        "edit_file",
                        &json!({"path": "value.txt", "old_text": "broken", "new_text": "fixed"})
                            .to_string(),
                    )
                    .usage(u64::MAX, u64::MAX)
                    .cached(u64::MAX)
                    .header("x-ratelimit-limit-tokens", "1e400")
                    .header("x-ratelimit-reset-tokens", "99999999999999999999h")
                    .openai();
                v
            }
        }
    }
}

/// A working hop's answers: fix the bug, then finish.
fn fix() -> Vec<ResponseTemplate> {
    vec![
        Reply::text("")
            .tool_call(
                "e1",
                "edit_file",
                &json!({"path": "value.txt", "old_text": "broken", "new_text": "fixed"})
                    .to_string(),
            )
            .usage(500, 40)
            .openai(),
        Reply::text("")
            .tool_call(
                "f1",
                "finish",
                &json!({"summary": "value fixed"}).to_string(),
            )
            .usage(600, 20)
            .openai(),
    ]
}

/// A base URL where nothing listens. A port freed by a bound-then-dropped listener could be
/// taken by another cell's mock running concurrently, so use a loopback address no mock
/// binds (mocks bind 127.0.0.1) and the discard port.
fn closed_port_url() -> String {
    "http://127.0.0.3:9/v1".to_string()
}

struct Cell {
    fault: Option<Fault>,
    position: &'static str,
    ok: bool,
    detail: String,
}

async fn run_cell(fault: Fault, at: usize) -> Cell {
    let repo = TempRepo::with_files(&[
        ("value.txt", "broken\n"),
        (
            "check.sh",
            "grep -q fixed value.txt || { echo 'FAIL: value'; exit 1; }\n",
        ),
    ]);
    let mut mocks = Vec::new();
    let mut overrides = BTreeMap::new();
    for (i, provider) in PROVIDERS.iter().enumerate() {
        let url = if i < at || (i == at && fault == Fault::ConnectionRefused) {
            // Hops before the fault are down: the walker must reach the faulty hop.
            closed_port_url()
        } else {
            let mock = MockLlm::start().await;
            let script = if i == at { fault.script() } else { fix() };
            for r in script {
                mock.push(Endpoint::OpenAiChat, r);
            }
            let url = mock.openai_base_url();
            mocks.push(mock);
            url
        };
        overrides.insert(
            provider.to_string(),
            ProviderOverride {
                base_url: Some(url),
                api_key_env: None,
            },
        );
    }
    let vars: BTreeMap<String, String> = [
        ("OPENAI_API_KEY", "sk-matrix-openai-0000000000000000"),
        ("OPENROUTER_API_KEY", "sk-or-v1-matrix00000000000000000000"),
        ("HF_TOKEN", "hf_matrix000000000000000000000000"),
        ("OCTAGIT_OFFLINE", "1"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    // Healthy hops get a generous timeout (the machine is busy running every cell at
    // once); only the hop that is meant to time out gets a short one.
    let env = ProviderEnv {
        vars,
        overrides,
        request_timeout: Some(Duration::from_secs(30)),
        ..Default::default()
    };
    let hops: Vec<Hop> = SLUGS
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let mut client = ModelClient::resolve(s, &env).unwrap();
            if i == at && fault == Fault::Timeout {
                client.timeout = Duration::from_secs(1);
            }
            Hop::new(client)
        })
        .collect();
    let out = tempfile::tempdir().unwrap();
    let cfg = Config {
        test_command: Some("sh check.sh".into()),
        max_turns: 12,
        ..Config::default()
    };
    let opts = RunOptions {
        out_dir: Some(out.path().join("run")),
        hops: Some(hops),
        provider_env: Some(env),
        index_cache: Some(out.path().join("cache")),
        origin: "test".into(),
        ..Default::default()
    };
    let issue = Issue {
        number: Some(1),
        title: "value is broken".into(),
        body: "make it say fixed".into(),
        url: None,
    };
    let o = pipeline::run(repo.path(), issue, cfg, opts).await;
    let position = ["first", "middle", "last"][at];
    let mut problems = artefact_problems(&o);
    let last = at == 2;
    let (want_code, want_class) = match fault.class() {
        Some(c) if last => (1, Some(c)),
        _ => (0, None),
    };
    if o.exit_code != want_code {
        problems.push(format!("exit {} want {want_code}", o.exit_code));
    }
    if o.record.failure_class() != want_class {
        problems.push(format!(
            "class {:?} want {want_class:?}",
            o.record.failure_class()
        ));
    }
    // The faulty hop's failure is on record with its class, whatever the outcome.
    if let Some(class) = fault.recorded() {
        let recorded = o
            .record
            .hops
            .iter()
            .any(|h| h.hop == at && h.class == Some(class));
        if !recorded {
            problems.push(format!("no {class:?} attempt recorded at hop {at}"));
        }
    }
    match fault {
        // The 503 was retried on the same hop, which then fixed the bug.
        Fault::Transient503Once => {
            let retried =
                o.record.hops.iter().any(|h| {
                    h.hop == at && h.action == "retry" && h.wait_ms.is_some_and(|w| w > 0)
                });
            let fixed_here = o
                .record
                .hops
                .iter()
                .any(|h| h.hop == at && h.class.is_none());
            if !retried || !fixed_here {
                problems.push(format!("503 not survived on hop {at}"));
            }
        }
        // Every try of a persisting overload is on record, then the walker moved on
        // without banning the hop.
        Fault::Overloaded529 => {
            let tries = o.record.hops.iter().filter(|h| h.hop == at).count();
            if tries != TRANSIENT_TRIES {
                problems.push(format!("{tries} tries on hop {at}, want {TRANSIENT_TRIES}"));
            }
            if !o
                .record
                .hops
                .iter()
                .any(|h| h.hop == at && h.action == "move-on")
            {
                problems.push("no move-on recorded".into());
            }
        }
        Fault::UnsupportedTemperatureOnce => {
            let dropped =
                o.record.hops.iter().any(|h| {
                    h.hop == at && h.class.is_none() && h.dropped_params == ["temperature"]
                });
            if !dropped {
                problems.push(format!("no attempt at hop {at} dropped `temperature`"));
            }
        }
        Fault::UnsupportedTemperatureAlways if last => {
            let advice = o
                .record
                .advice
                .as_ref()
                .map(|a| a.headline.clone())
                .unwrap_or_default();
            if !advice.contains("`temperature`") {
                problems.push(format!("advice does not name the parameter: {advice}"));
            }
        }
        _ => {}
    }
    if fault == Fault::Hallucination && !last && o.record.handoffs.is_empty() {
        problems.push("no handoff recorded".into());
    }
    drop(mocks);
    if !problems.is_empty() {
        let hops: Vec<String> = o
            .record
            .hops
            .iter()
            .map(|h| {
                format!(
                    "hop {} {:?} {}ms {}",
                    h.hop,
                    h.class,
                    h.latency_ms,
                    h.error
                        .clone()
                        .unwrap_or_default()
                        .chars()
                        .take(120)
                        .collect::<String>()
                )
            })
            .collect();
        problems.push(format!("hops: [{}]", hops.join(" | ")));
    }
    Cell {
        fault: Some(fault),
        position,
        ok: problems.is_empty(),
        detail: problems.join("; "),
    }
}

fn artefact_problems(o: &RunOutcome) -> Vec<String> {
    let mut p = Vec::new();
    for f in [
        "run.json",
        "context-graph.json",
        "terrain.svg",
        "summary.md",
        "report.html",
    ] {
        if !o.dir.join(f).exists() {
            p.push(format!("{f} missing"));
        }
    }
    if o.record.advice.is_none() {
        p.push("no advice".into());
    }
    p
}

/// No provider at all: the real audit over an empty environment.
async fn run_no_provider() -> Cell {
    let repo = TempRepo::with_files(&[("value.txt", "broken\n"), ("check.sh", "exit 1\n")]);
    let out = tempfile::tempdir().unwrap();
    let vars: BTreeMap<String, String> = [("OCTAGIT_OFFLINE".to_string(), "1".to_string())]
        .into_iter()
        .collect();
    let env = ProviderEnv {
        vars,
        overrides: BTreeMap::new(),
        request_timeout: Some(Duration::from_secs(1)),
        ..Default::default()
    };
    let cfg = Config {
        test_command: Some("sh check.sh".into()),
        ..Config::default()
    };
    let opts = RunOptions {
        out_dir: Some(out.path().join("run")),
        provider_env: Some(env),
        index_cache: Some(out.path().join("cache")),
        ..Default::default()
    };
    let issue = Issue {
        number: Some(1),
        title: "t".into(),
        body: "b".into(),
        url: None,
    };
    let o = pipeline::run(repo.path(), issue, cfg, opts).await;
    let mut problems = artefact_problems(&o);
    if o.exit_code != 3 {
        problems.push(format!("exit {} want 3", o.exit_code));
    }
    if o.record.failure_class() != Some(FailureClass::NoModel) {
        problems.push(format!("class {:?}", o.record.failure_class()));
    }
    Cell {
        fault: None,
        position: "-",
        ok: problems.is_empty(),
        detail: problems.join("; "),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fault_injection_matrix() {
    let mut set = tokio::task::JoinSet::new();
    // A few cells at a time: each runs a whole pipeline with its own mocks and test runs.
    let permits = std::sync::Arc::new(tokio::sync::Semaphore::new(6));
    for fault in FAULTS {
        for at in 0..3 {
            let permits = permits.clone();
            set.spawn(async move {
                let _p = permits.acquire_owned().await.expect("semaphore open");
                run_cell(fault, at).await
            });
        }
    }
    set.spawn(run_no_provider());
    let mut cells = Vec::new();
    while let Some(c) = set.join_next().await {
        cells.push(c.expect("cell task"));
    }
    cells.sort_by_key(|c| {
        (
            c.fault
                .map(|f| FAULTS.iter().position(|x| *x == f).unwrap())
                .unwrap_or(99),
            c.position,
        )
    });

    println!("\nfault-injection matrix (hop where the fault strikes):");
    println!(
        "{:<30} {:>7} {:>7} {:>7}",
        "fault", "first", "middle", "last"
    );
    for fault in FAULTS {
        let mark = |pos: &str| {
            cells
                .iter()
                .find(|c| c.fault == Some(fault) && c.position == pos)
                .map(|c| if c.ok { "pass" } else { "FAIL" })
                .unwrap_or("?")
        };
        println!(
            "{:<30} {:>7} {:>7} {:>7}",
            format!("{fault:?}"),
            mark("first"),
            mark("middle"),
            mark("last")
        );
    }
    let none = cells.iter().find(|c| c.fault.is_none()).unwrap();
    println!(
        "{:<30} {:>7}",
        "no provider at all",
        if none.ok { "pass" } else { "FAIL" }
    );
    let passed = cells.iter().filter(|c| c.ok).count();
    println!("cells passed: {passed}/{}", cells.len());
    let failures: Vec<String> = cells
        .iter()
        .filter(|c| !c.ok)
        .map(|c| format!("{:?} at {}: {}", c.fault, c.position, c.detail))
        .collect();
    assert!(
        failures.is_empty(),
        "failing cells:\n{}",
        failures.join("\n")
    );
}

// ---- Arbitrary provider answers through every layer --------------------------------
//
// Whatever a provider answers (any status, any body, any header values, absurd numbers
// anywhere), the classifier, the chain walker, the built-in advisor and every renderer
// give an answer and never panic.

mod arbitrary_answers {
    use proptest::prelude::*;
    use proptest::test_runner::Config as ProptestConfig;

    use octagit::chain::{ChainWalker, Hop, RetryPolicy};
    use octagit::failure::FailureClass;
    use octagit::provider::{ChatRequest, Message, ModelClient, ProviderEnv};
    use octagit::run_record::{AuditReport, RunRecord, TaskInfo};
    use wiremock::ResponseTemplate;

    use crate::support::mock_llm::{Endpoint, MockLlm};

    /// Numbers no provider should send but any could: huge, negative, fractional, exponents.
    fn absurd_number() -> impl Strategy<Value = String> {
        prop_oneof![
            "[0-9]{1,60}",
            "-[0-9]{1,30}",
            "[0-9]{1,20}\\.[0-9]{1,20}",
            "[0-9]e[0-9]{1,4}",
            Just("NaN".to_string()),
            Just("inf".to_string()),
            Just("18446744073709551616".to_string()),
        ]
    }

    fn body() -> impl Strategy<Value = String> {
        let n = absurd_number;
        prop_oneof![
            ".{0,200}",
            (n(), "(ms|s|m|h|hours|minutes|seconds)").prop_map(|(n, u)| format!(
                r#"{{"error":{{"message":"Rate limit reached. Please try again in {n} {u}.","type":"tokens","code":"rate_limit_exceeded"}}}}"#
            )),
            (n(), n()).prop_map(|(a, b)| format!(
                r#"{{"choices":[{{"message":{{"content":"x"}}}}],"usage":{{"prompt_tokens":{a},"completion_tokens":{b},"prompt_tokens_details":{{"cached_tokens":{a}}}}}}}"#
            )),
            (n(), ".{0,40}").prop_map(|(c, m)| format!(
                r#"{{"error":{{"code":{c},"message":{}}}}}"#,
                serde_json::Value::String(m)
            )),
            "(temperature|max_tokens|reasoning_effort|top_p)".prop_map(|p| format!(
                r#"{{"error":{{"message":"Unsupported parameter: '{p}' is not supported with this model.","param":"{p}","code":"unsupported_parameter"}}}}"#
            )),
            (n(), n()).prop_map(|(a, b)| format!(
                r#"{{"output":[{{"type":"function_call","call_id":"c","name":"finish","arguments":"{{}}"}}],"usage":{{"input_tokens":{a},"output_tokens":{b}}}}}"#
            )),
        ]
    }

    const HEADERS: &[&str] = &[
        "retry-after",
        "retry-after-ms",
        "x-ratelimit-limit-tokens",
        "x-ratelimit-remaining-tokens",
        "x-ratelimit-reset-tokens",
        "x-ratelimit-reset-requests",
        "anthropic-ratelimit-tokens-reset",
        "anthropic-ratelimit-requests-limit",
        "x-ratelimit-limit",
        "x-ratelimit-reset",
    ];

    fn headers() -> impl Strategy<Value = Vec<(usize, String)>> {
        proptest::collection::vec(
            (
                0..HEADERS.len(),
                prop_oneof![
                    absurd_number(),
                    (absurd_number(), "(h|m|s|ms)").prop_map(|(n, u)| format!("{n}{u}")),
                    "[ -~]{0,40}",
                    Just("Wed, 21 Oct 2015 07:28:00 GMT".to_string()),
                    Just("9999-12-31T23:59:59Z".to_string()),
                ],
            ),
            0..5,
        )
    }

    fn cases() -> ProptestConfig {
        ProptestConfig {
            cases: std::env::var("PROPTEST_CASES")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(48),
            failure_persistence: None,
            ..ProptestConfig::default()
        }
    }

    /// A walker that never sleeps: the property is "no panic", not the waits.
    fn no_wait() -> RetryPolicy {
        RetryPolicy {
            max_wait: std::time::Duration::ZERO,
            max_retries_per_hop: 0,
            transient_retries: 0,
            backoff_base: std::time::Duration::ZERO,
            backoff_max: std::time::Duration::ZERO,
            transient_budget: std::time::Duration::ZERO,
        }
    }

    proptest! {
        #![proptest_config(cases())]
        #[test]
        fn any_answer_is_classified_walked_advised_and_rendered(
            status in 200u16..600,
            body in body(),
            headers in headers(),
        ) {
            let _ = octagit::failure::classify_http(status, &body);
            let _ = octagit::provider::caps::unsupported_param(status, &body);
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async {
                let mock = MockLlm::start().await;
                let mut t = ResponseTemplate::new(status).set_body_raw(body.clone(), "application/json");
                for (i, v) in &headers {
                    if reqwest::header::HeaderValue::from_str(v).is_ok() {
                        t = t.insert_header(HEADERS[*i], v.as_str());
                    }
                }
                mock.push(Endpoint::OpenAiChat, t.clone());
                mock.push(Endpoint::OpenAiResponses, t);
                let mut env = ProviderEnv::default();
                env.vars.insert("OPENAI_API_KEY".into(), "sk-prop-000000000000000000".into());
                env.vars.insert("OPENAI_BASE_URL".into(), mock.openai_base_url());
                let hops: Vec<Hop> = ["openai/gpt-4.1", "openai/gpt-5-codex"]
                    .iter()
                    .map(|s| {
                        let mut h = Hop::new(ModelClient::resolve(s, &env).unwrap());
                        h.price_in = 2e-6;
                        h.price_out = 8e-6;
                        h
                    })
                    .collect();
                let mut walker = ChainWalker::new(hops, no_wait());
                let req = ChatRequest {
                    system: "s".into(),
                    messages: vec![Message::user("u")],
                    max_tokens: 16,
                    temperature: Some(0.0),
                    ..Default::default()
                };
                let result = walker.call(&req).await;
                let mut record = RunRecord::new("prop", TaskInfo::default(), false);
                record.hops = walker.attempts().to_vec();
                for h in &record.hops {
                    assert!(h.cost_usd.is_finite() && h.cost_usd >= 0.0, "{h:?}");
                }
                record.cost_usd = walker.cost_usd();
                record.audit = Some(AuditReport {
                    attempts: walker.attempts().to_vec(),
                    ..Default::default()
                });
                match result {
                    Ok(a) => record.finish_summary = Some(a.response.text),
                    Err(e) => record.fail(e.class, e.summary.clone(), e.last.clone()),
                }
                if record.failure.is_none() {
                    record.fail(FailureClass::Rate, body.clone(), body.clone());
                }
                let advice = octagit::advisor::advise(&record, None).await;
                assert!(!advice.headline.is_empty());
                record.advice = Some(advice);
                let _ = octagit::report::job_summary(&record);
                let _ = octagit::report::html(&record, &Default::default());
                let _ = octagit::report::advice_markdown(&record);
                let _ = octagit::report::json(&record);
            });
        }
    }
}
