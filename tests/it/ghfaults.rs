//! Git and GitHub faults: each ends with a clear message, the local work kept, and the
//! run able to say what to do.

use std::time::{Duration, Instant};

use octagit::github::GitHub;
use octagit::github::progress::ProgressComment;
use octagit::publish::{PublishTarget, publish};
use octagit::run_record::{GateRecord, RunRecord, RunStatus, TaskInfo, TestRun};
use octagit::secret::Secret;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::repo::{TempRepo, git_in};

const TOKEN: &str = "ghs_faultstoken1234567890abcdefABCD";

fn comment(id: u64) -> ResponseTemplate {
    ResponseTemplate::new(201).set_body_json(
        json!({"id": id, "html_url": format!("https://github.com/o/r/issues/1#issuecomment-{id}")}),
    )
}

/// Reads are idempotent: octocrab's retry layer repeats them past 5xx answers.
#[tokio::test]
async fn server_errors_on_reads_are_retried() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/repos/o/r/issues/1"))
        .respond_with(ResponseTemplate::new(502).set_body_json(json!({"message": "Server Error"})))
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/repos/o/r/issues/1"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"number": 1, "title": "t", "state": "open", "body": null})),
        )
        .mount(&server)
        .await;
    let gh = GitHub::new(&server.uri(), &Secret::new(TOKEN), "o/r").unwrap();
    let i = gh.issue(1).await.expect("retried past the 502s");
    assert_eq!(i.number, 1);
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

/// A 502 to `POST /comments` may come after GitHub created the comment (a proxy timing
/// out): the client looks at the issue's comments and finds it instead of posting twice.
#[tokio::test]
async fn a_comment_created_behind_a_502_is_found_not_posted_twice() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/repos/o/r/issues/1/comments"))
        .respond_with(ResponseTemplate::new(502).set_body_json(json!({"message": "Server Error"})))
        .mount(&server)
        .await;
    // GitHub's list shows the comment the 502 hid.
    Mock::given(method("GET"))
        .and(path("/repos/o/r/issues/1/comments"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"id": 3, "body": "someone else", "user": {"login": "bob", "type": "User"}},
            {"id": 44, "body": "hello", "html_url": "https://github.com/o/r/issues/1#issuecomment-44",
             "user": {"login": "github-actions[bot]", "type": "Bot"}}
        ])))
        .mount(&server)
        .await;
    let gh = GitHub::new(&server.uri(), &Secret::new(TOKEN), "o/r").unwrap();
    let c = gh.create_comment(1, "hello").await.expect("found it");
    assert_eq!(c.id, 44);
    let posts: Vec<_> = server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.method.as_str() == "POST")
        .collect();
    assert_eq!(posts.len(), 1, "never re-posted blindly");
}

/// A 502 that did not create the comment: checked, then posted once more.
#[tokio::test]
async fn a_comment_lost_to_a_502_is_posted_again_after_checking() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/repos/o/r/issues/1/comments"))
        .respond_with(ResponseTemplate::new(502).set_body_json(json!({"message": "Server Error"})))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/repos/o/r/issues/1/comments"))
        .respond_with(comment(7))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/repos/o/r/issues/1/comments"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&server)
        .await;
    let gh = GitHub::new(&server.uri(), &Secret::new(TOKEN), "o/r").unwrap();
    let c = gh.create_comment(1, "hello").await.expect("posted again");
    assert_eq!(c.id, 7);
    let seen: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.method.to_string())
        .collect();
    assert_eq!(seen, vec!["POST", "GET", "POST"], "check before re-posting");
}

/// The same for a pull request: after a 502 the head's open PR is looked up first.
#[tokio::test]
async fn a_pull_request_created_behind_a_502_is_found_not_opened_twice() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/repos/o/r/pulls"))
        .respond_with(
            ResponseTemplate::new(503).set_body_json(json!({"message": "Service Unavailable"})),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/repos/o/r/pulls"))
        .and(wiremock::matchers::query_param("head", "o:octagit/issue-1-x"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"number": 31, "html_url": "https://github.com/o/r/pull/31", "state": "open", "draft": true, "head": {"ref": "octagit/issue-1-x"}}
        ])))
        .mount(&server)
        .await;
    let gh = GitHub::new(&server.uri(), &Secret::new(TOKEN), "o/r").unwrap();
    let pr = gh
        .create_pull("t", "octagit/issue-1-x", "main", "body", true)
        .await
        .expect("found it");
    assert_eq!(pr.number, 31);
    let posts = server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.method.as_str() == "POST")
        .count();
    assert_eq!(posts, 1);
}

#[tokio::test]
async fn a_secondary_rate_limit_waits_for_retry_after() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/repos/o/r/issues/1/comments"))
        .respond_with(
            ResponseTemplate::new(403)
                .insert_header("retry-after", "1")
                .set_body_json(json!({"message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."})),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/repos/o/r/issues/1/comments"))
        .respond_with(comment(8))
        .mount(&server)
        .await;
    let gh = GitHub::new(&server.uri(), &Secret::new(TOKEN), "o/r").unwrap();
    let started = Instant::now();
    let c = gh
        .create_comment(1, "hello")
        .await
        .expect("waited and retried");
    assert_eq!(c.id, 8);
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "waited for retry-after"
    );
}

#[tokio::test]
async fn a_plain_403_is_not_retried_and_says_what_github_said() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/repos/o/r/pulls"))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({"message": "GitHub Actions is not permitted to create or approve pull requests."})))
        .mount(&server)
        .await;
    let gh = GitHub::new(&server.uri(), &Secret::new(TOKEN), "o/r").unwrap();
    let err = gh
        .create_pull("t", "b", "main", "body", true)
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(403));
    assert!(err.to_string().contains("not permitted"), "{err}");
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_deleted_progress_comment_is_posted_again() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/repos/o/r/issues/1/comments"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/repos/o/r/issues/1/comments"))
        .respond_with(comment(5))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/repos/o/r/issues/1/comments"))
        .respond_with(comment(6))
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path("/repos/o/r/issues/comments/5"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"message": "Not Found"})))
        .mount(&server)
        .await;
    let gh = GitHub::new(&server.uri(), &Secret::new(TOKEN), "o/r").unwrap();
    let mut p = ProgressComment::start(gh, 1, "starting").await;
    assert_eq!(p.id, Some(5));
    p.update("done").await;
    assert_eq!(p.id, Some(6), "a new comment carries the result");
    assert!(
        p.warnings.iter().any(|w| w.contains("deleted")),
        "{:?}",
        p.warnings
    );
}

/// A push remote that accepts the connection and then hangs up mid-conversation.
fn cut_connection_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(8).flatten() {
            use std::io::{Read, Write};
            let mut s = stream;
            let mut buf = [0u8; 512];
            let _ = s.read(&mut buf);
            // Half an HTTP answer, then the line goes dead.
            let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/x-git-receive-pack-advertisement\r\nContent-Length: 4000\r\n\r\n001f# service=git-");
            drop(s);
        }
    });
    format!("http://127.0.0.1:{port}/o/r.git")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_network_cut_mid_push_keeps_the_local_commit_and_says_so() {
    let repo = TempRepo::with_files(&[("value.txt", "1\n")]);
    let server = MockServer::start().await;
    repo.write("value.txt", "2\n");
    let mut record = RunRecord::new("r", TaskInfo::default(), false);
    record.status = RunStatus::Success;
    record.gate = GateRecord {
        after: Some(TestRun {
            success: true,
            ..Default::default()
        }),
        passed: Some(true),
        ..Default::default()
    };
    let target = PublishTarget {
        api_url: server.uri(),
        server_url: "https://github.com".into(),
        repo_slug: "o/r".into(),
        token: Secret::new(TOKEN),
        remote_url: Some(cut_connection_url()),
        base_branch: "main".into(),
        issue_number: 3,
        issue_title: "value".into(),
        draft: true,
        branch_prefix: "octagit/".into(),
        wip_suffix: "-wip".into(),
    };
    let p = publish(repo.path(), &record, &target).await;
    assert!(!p.pushed);
    let err = p.error.clone().expect("a push error");
    assert!(err.to_lowercase().contains("push"), "{err}");
    assert!(!err.contains(TOKEN));
    assert!(p.pr_url.is_none());
    assert!(
        server.received_requests().await.unwrap().is_empty(),
        "no PR without a pushed branch"
    );
    // The commit is kept locally on the branch, so nothing is lost.
    let branch = p.branch.clone().unwrap();
    let log = git_in(repo.path(), &["log", "--format=%s", &branch]);
    assert!(log.contains("#3"), "{log}");
    assert_eq!(
        git_in(repo.path(), &["show", &format!("{branch}:value.txt")]),
        "2\n"
    );
}
