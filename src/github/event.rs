//! Event payloads (`$GITHUB_EVENT_PATH`) and the trigger decision: which events start a
//! run, on which issue, and which are skipped (with the reason said out loud).
//!
//! Payload facts (platform-facts.md): `issue.body` may be null; a comment on a PR has
//! `issue.pull_request`; dispatch `inputs` values are strings; `schedule` carries no issue.

use std::collections::BTreeMap;

use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EventError {
    #[error("the event payload {path} cannot be read: {message}")]
    Unreadable { path: String, message: String },
    #[error(
        "the `{event}` event payload is malformed: {message}; re-run the workflow, and report a bug if it persists"
    )]
    Malformed { event: String, message: String },
    #[error("GITHUB_EVENT_NAME is not set: `octagit action` runs inside a GitHub Actions job")]
    NoEventName,
    #[error("`issue-number` must be a positive whole number, got `{0}`")]
    BadIssueNumber(String),
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct Payload {
    pub action: Option<String>,
    pub issue: Option<EventIssue>,
    pub comment: Option<EventComment>,
    pub label: Option<Label>,
    pub sender: Option<User>,
    pub repository: Option<Repository>,
    #[serde(default)]
    pub inputs: Option<BTreeMap<String, serde_json::Value>>,
    pub schedule: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct EventIssue {
    pub number: u64,
    #[serde(default)]
    pub title: String,
    /// Null when the issue has no description.
    pub body: Option<String>,
    #[serde(default)]
    pub state: String,
    #[serde(default)]
    pub locked: bool,
    pub html_url: Option<String>,
    #[serde(default)]
    pub labels: Vec<Label>,
    /// Present (an object) only when the "issue" is a pull request.
    pub pull_request: Option<serde_json::Value>,
    pub user: Option<User>,
}

impl EventIssue {
    pub fn is_pull_request(&self) -> bool {
        self.pull_request.as_ref().is_some_and(|v| !v.is_null())
    }

    pub fn has_label(&self, name: &str) -> bool {
        self.labels
            .iter()
            .any(|l| l.name.eq_ignore_ascii_case(name))
    }
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct EventComment {
    pub id: u64,
    pub body: Option<String>,
    pub user: Option<User>,
    pub html_url: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct Label {
    #[serde(default)]
    pub name: String,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct User {
    #[serde(default)]
    pub login: String,
    /// `User`, `Bot` or `Organization`.
    #[serde(rename = "type", default)]
    pub kind: String,
}

impl User {
    /// Bots never trigger runs: octagit's own comments and PRs would otherwise loop.
    pub fn is_bot(&self) -> bool {
        self.kind.eq_ignore_ascii_case("bot") || self.login.ends_with("[bot]")
    }
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct Repository {
    pub full_name: Option<String>,
    pub default_branch: Option<String>,
    pub html_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub name: String,
    pub payload: Payload,
}

impl Event {
    pub fn parse(name: &str, json: &str) -> Result<Event, EventError> {
        let malformed = |message: String| EventError::Malformed {
            event: name.to_string(),
            message,
        };
        let value: serde_json::Value =
            serde_json::from_str(json).map_err(|e| malformed(format!("not JSON ({e})")))?;
        if !value.is_object() {
            return Err(malformed("the top level is not a JSON object".into()));
        }
        let payload: Payload =
            serde_json::from_value(value).map_err(|e| malformed(e.to_string()))?;
        let needs_issue = matches!(name, "issues" | "issue_comment");
        if needs_issue && payload.issue.is_none() {
            return Err(malformed("it has no `issue` object".into()));
        }
        if name == "issue_comment" && payload.comment.is_none() {
            return Err(malformed("it has no `comment` object".into()));
        }
        Ok(Event {
            name: name.to_string(),
            payload,
        })
    }

    pub fn read(name: &str, path: &std::path::Path) -> Result<Event, EventError> {
        let text = std::fs::read_to_string(path).map_err(|e| EventError::Unreadable {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        Event::parse(name, &text)
    }

    /// The dispatch input of that name, as a string (the runner sends strings; be lenient).
    pub fn input(&self, name: &str) -> Option<String> {
        let v = self.payload.inputs.as_ref()?.get(name)?;
        let s = match v {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Null => return None,
            other => other.to_string(),
        };
        let s = s.trim().to_string();
        (!s.is_empty()).then_some(s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Fix,
    Triage,
    Audit,
}

impl Mode {
    pub fn parse(s: Option<&str>) -> Result<Mode, String> {
        match s.map(|s| s.trim().to_ascii_lowercase()).as_deref() {
            None | Some("") | Some("fix") => Ok(Mode::Fix),
            Some("triage") => Ok(Mode::Triage),
            Some("audit") => Ok(Mode::Audit),
            Some(other) => Err(format!(
                "`mode` must be fix, triage or audit, got `{other}`"
            )),
        }
    }
}

/// What the entrypoint does with this event.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// Work on this issue. `issue` is the payload's copy when the event carried one.
    Issue {
        number: u64,
        issue: Option<EventIssue>,
    },
    /// List labelled issues and emit a matrix.
    Triage,
    /// Do nothing; `reason` is said in the log and the summary.
    Skip { reason: String },
}

/// Settings the decision depends on.
#[derive(Debug, Clone)]
pub struct TriggerSettings {
    pub label: String,
    pub phrase: String,
    pub mode: Mode,
    /// `issue-number` input (also read from the dispatch payload's inputs).
    pub issue_number: Option<String>,
}

fn parse_number(s: &str) -> Result<u64, EventError> {
    s.trim()
        .trim_start_matches('#')
        .parse::<u64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| EventError::BadIssueNumber(s.to_string()))
}

/// Does a comment invoke the trigger phrase? The phrase must start a line and be followed by
/// whitespace or the end, so `/octagit` matches but `/octagitx` and quoted mentions do not.
pub fn mentions_phrase(body: &str, phrase: &str) -> bool {
    let phrase = phrase.trim();
    if phrase.is_empty() {
        return false;
    }
    body.lines().any(|line| {
        let line = line.trim_start();
        line.strip_prefix(phrase)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(char::is_whitespace))
    })
}

/// Decide from the event alone. Checks that need the API (permission, open PRs, the issue
/// of a dispatch) come after, in the entrypoint.
pub fn decide(event: &Event, s: &TriggerSettings) -> Result<Decision, EventError> {
    let p = &event.payload;
    let skip = |reason: String| Ok(Decision::Skip { reason });
    if let Some(sender) = &p.sender
        && sender.is_bot()
    {
        return skip(format!(
            "the event was sent by the bot `{}`; bots never trigger OctaGit, so its own comments and PRs cannot start loops",
            sender.login
        ));
    }
    let explicit = s
        .issue_number
        .clone()
        .or_else(|| event.input("issue-number"))
        .or_else(|| event.input("issue_number"));
    if s.mode == Mode::Triage {
        return Ok(Decision::Triage);
    }
    match event.name.as_str() {
        "issues" => {
            let issue = p.issue.clone().expect("checked in parse");
            let action = p.action.as_deref().unwrap_or("");
            match action {
                "opened" | "reopened" if issue.has_label(&s.label) => {}
                "labeled" => {
                    let added = p.label.as_ref().map(|l| l.name.as_str()).unwrap_or("");
                    if !added.eq_ignore_ascii_case(&s.label) {
                        return skip(format!(
                            "the label `{added}` was added, not the trigger label `{}`",
                            s.label
                        ));
                    }
                }
                "opened" | "reopened" => {
                    return skip(format!(
                        "issue #{} was {action} without the trigger label `{}`; add the label to start a run",
                        issue.number, s.label
                    ));
                }
                other => {
                    return skip(format!(
                        "the `issues` event action `{other}` does not start runs (opened or labeled with `{}` do)",
                        s.label
                    ));
                }
            }
            Ok(Decision::Issue {
                number: issue.number,
                issue: Some(issue),
            })
        }
        "issue_comment" => {
            let issue = p.issue.clone().expect("checked in parse");
            let action = p.action.as_deref().unwrap_or("");
            if action != "created" {
                return skip(format!(
                    "comment `{action}` events do not start runs; only new comments do"
                ));
            }
            let body = p
                .comment
                .as_ref()
                .and_then(|c| c.body.clone())
                .unwrap_or_default();
            if !mentions_phrase(&body, &s.phrase) {
                return skip(format!(
                    "the comment does not start with the trigger phrase `{}`",
                    s.phrase
                ));
            }
            if issue.is_pull_request() {
                return skip(format!(
                    "`{}` was used on pull request #{}; OctaGit works on issues, so comment on the issue instead",
                    s.phrase, issue.number
                ));
            }
            Ok(Decision::Issue {
                number: issue.number,
                issue: Some(issue),
            })
        }
        "workflow_dispatch" | "schedule" | "repository_dispatch" => match explicit {
            Some(n) => Ok(Decision::Issue {
                number: parse_number(&n)?,
                issue: None,
            }),
            None if event.name == "schedule" => Ok(Decision::Triage),
            None => skip(format!(
                "`{}` needs the `issue-number` input (or `mode: triage`)",
                event.name
            )),
        },
        other => match explicit {
            Some(n) => Ok(Decision::Issue {
                number: parse_number(&n)?,
                issue: None,
            }),
            None => skip(format!(
                "the `{other}` event does not start runs; use issues, issue_comment, workflow_dispatch or schedule"
            )),
        },
    }
}

/// Permission levels in increasing order. The permission endpoint's `permission` field
/// only says admin/write/read/none; `role_name` also says maintain and triage.
pub fn permission_rank(p: &str) -> Option<u8> {
    match p.trim().to_ascii_lowercase().as_str() {
        "none" => Some(0),
        "read" | "pull" => Some(1),
        "triage" => Some(2),
        "write" | "push" => Some(3),
        "maintain" => Some(4),
        "admin" => Some(5),
        _ => None,
    }
}

pub fn permission_reaches(have: &str, need: &str) -> bool {
    match (permission_rank(have), permission_rank(need)) {
        (Some(h), Some(n)) => h >= n,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> TriggerSettings {
        TriggerSettings {
            label: "octagit".into(),
            phrase: "/octagit".into(),
            mode: Mode::Fix,
            issue_number: None,
        }
    }

    fn issues_event(action: &str, label: &str) -> Event {
        let json = serde_json::json!({
            "action": action,
            "issue": {"number": 7, "title": "Crash", "body": null, "state": "open", "locked": false,
                      "labels": [{"name": label}], "html_url": "https://github.com/o/r/issues/7",
                      "user": {"login": "alice", "type": "User"}},
            "label": {"name": label},
            "sender": {"login": "alice", "type": "User"},
            "repository": {"full_name": "o/r", "default_branch": "main"}
        });
        Event::parse("issues", &json.to_string()).unwrap()
    }

    #[test]
    fn labeled_with_trigger_starts_and_null_body_is_fine() {
        let d = decide(&issues_event("labeled", "octagit"), &settings()).unwrap();
        match d {
            Decision::Issue {
                number: 7,
                issue: Some(i),
            } => assert_eq!(i.body, None),
            other => panic!("{other:?}"),
        }
        let d = decide(&issues_event("labeled", "bug"), &settings()).unwrap();
        assert!(matches!(d, Decision::Skip { reason } if reason.contains("`bug`")));
        let d = decide(&issues_event("opened", "octagit"), &settings()).unwrap();
        assert!(matches!(d, Decision::Issue { number: 7, .. }));
        let d = decide(&issues_event("closed", "octagit"), &settings()).unwrap();
        assert!(matches!(d, Decision::Skip { .. }));
    }

    #[test]
    fn comment_phrase_and_pr_comments() {
        let mk = |body: &str, pr: bool| {
            let mut issue =
                serde_json::json!({"number": 3, "title": "t", "body": "b", "state": "open"});
            if pr {
                issue["pull_request"] =
                    serde_json::json!({"url": "https://api.github.com/repos/o/r/pulls/3"});
            }
            let json = serde_json::json!({"action": "created", "issue": issue,
                "comment": {"id": 11, "body": body, "user": {"login": "bob", "type": "User"}},
                "sender": {"login": "bob", "type": "User"}});
            Event::parse("issue_comment", &json.to_string()).unwrap()
        };
        assert!(matches!(
            decide(&mk("/octagit please", false), &settings()).unwrap(),
            Decision::Issue { number: 3, .. }
        ));
        assert!(matches!(
            decide(&mk("thanks!\n/octagit", false), &settings()).unwrap(),
            Decision::Issue { .. }
        ));
        assert!(matches!(
            decide(&mk("/octagitx", false), &settings()).unwrap(),
            Decision::Skip { .. }
        ));
        assert!(matches!(
            decide(&mk("see `/octagit`", false), &settings()).unwrap(),
            Decision::Skip { .. }
        ));
        match decide(&mk("/octagit", true), &settings()).unwrap() {
            Decision::Skip { reason } => assert!(reason.contains("pull request #3"), "{reason}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn bots_are_ignored() {
        let json = serde_json::json!({"action": "created",
            "issue": {"number": 3, "title": "t", "state": "open"},
            "comment": {"id": 1, "body": "/octagit"},
            "sender": {"login": "github-actions[bot]", "type": "Bot"}});
        let e = Event::parse("issue_comment", &json.to_string()).unwrap();
        assert!(
            matches!(decide(&e, &settings()).unwrap(), Decision::Skip { reason } if reason.contains("bot"))
        );
    }

    #[test]
    fn dispatch_schedule_and_malformed() {
        let e = Event::parse(
            "workflow_dispatch",
            r#"{"inputs": {"issue-number": "42"}, "ref": "refs/heads/main"}"#,
        )
        .unwrap();
        assert_eq!(
            decide(&e, &settings()).unwrap(),
            Decision::Issue {
                number: 42,
                issue: None
            }
        );
        let e = Event::parse(
            "workflow_dispatch",
            r#"{"inputs": {"issue-number": "abc"}}"#,
        )
        .unwrap();
        assert!(matches!(
            decide(&e, &settings()),
            Err(EventError::BadIssueNumber(_))
        ));
        let e = Event::parse("schedule", r#"{"schedule": "0 3 * * *"}"#).unwrap();
        assert_eq!(decide(&e, &settings()).unwrap(), Decision::Triage);
        let mut s = settings();
        s.issue_number = Some("9".into());
        assert_eq!(
            decide(&e, &s).unwrap(),
            Decision::Issue {
                number: 9,
                issue: None
            }
        );
        assert!(matches!(
            Event::parse("issues", "{not json"),
            Err(EventError::Malformed { .. })
        ));
        assert!(matches!(
            Event::parse("issues", r#"{"action": "opened"}"#),
            Err(EventError::Malformed { .. })
        ));
        assert!(matches!(
            Event::parse("issues", r#"{"issue": {"number": "x"}}"#),
            Err(EventError::Malformed { .. })
        ));
    }

    #[test]
    fn permissions_order() {
        assert!(permission_reaches("admin", "write"));
        assert!(permission_reaches("maintain", "write"));
        assert!(permission_reaches("write", "write"));
        assert!(!permission_reaches("read", "write"));
        assert!(!permission_reaches("triage", "write"));
        assert!(!permission_reaches("none", "read"));
        assert!(!permission_reaches("bogus", "read"));
    }
}
