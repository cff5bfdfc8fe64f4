//! A loopback mock of the GitHub REST API (wiremock) that speaks the real wire shapes and
//! records every request, for the action and publish tests.
//!
//! Comments, labels and pull requests are stateful, so a second run sees what the first
//! left: the shapes follow GitHub's REST reference (docs.github.com/rest): issue comments
//! (`POST /repos/{o}/{r}/issues/{n}/comments` → 201 with `id`, `body`, `user`,
//! `author_association`; `GET` lists them; `PATCH /issues/comments/{id}` → 200, 404 when
//! deleted), labels (`POST /issues/{n}/labels` → 200 with the issue's labels; `DELETE
//! /issues/{n}/labels/{name}` → 200, 404 "Label does not exist"), pulls (`POST /pulls` →
//! 201, `GET`/`PATCH /pulls/{n}`).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use wiremock::matchers::{method, path, path_regex, query_param};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

pub struct MockGitHub {
    pub server: MockServer,
    pub owner: String,
    pub repo: String,
    pub state: Arc<Mutex<State>>,
}

/// What the mock remembers between requests.
#[derive(Default)]
pub struct State {
    /// (issue number, comment JSON), in creation order.
    pub comments: Vec<(u64, Value)>,
    pub next_comment_id: u64,
    /// Issue number → labels.
    pub labels: BTreeMap<u64, Vec<String>>,
    /// Pull number → pull JSON.
    pub pulls: BTreeMap<u64, Value>,
}

fn issue_number(req: &Request, after: &str) -> u64 {
    let segs: Vec<&str> = req.url.path().split('/').collect();
    segs.iter()
        .position(|s| *s == after)
        .and_then(|i| segs.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// The bot identity GITHUB_TOKEN comments as.
fn bot() -> Value {
    json!({"login": "github-actions[bot]", "id": 41898282, "type": "Bot"})
}

struct CommentsRespond {
    state: Arc<Mutex<State>>,
    html: String,
}

impl Respond for CommentsRespond {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let mut st = self.state.lock().unwrap();
        match req.method.as_str() {
            "POST" => {
                let n = issue_number(req, "issues");
                let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
                let id = st.next_comment_id.max(9001);
                st.next_comment_id = id + 1;
                let c = json!({
                    "id": id, "html_url": format!("{}/issues/{n}#issuecomment-{id}", self.html),
                    "body": body["body"], "user": bot(), "author_association": "NONE"
                });
                st.comments.push((n, c.clone()));
                ResponseTemplate::new(201).set_body_json(c)
            }
            "GET" => {
                let n = issue_number(req, "issues");
                let list: Vec<Value> = st
                    .comments
                    .iter()
                    .filter(|(i, _)| *i == n)
                    .map(|(_, c)| c.clone())
                    .collect();
                ResponseTemplate::new(200).set_body_json(list)
            }
            "PATCH" => {
                let id = issue_number(req, "comments");
                let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
                match st.comments.iter_mut().find(|(_, c)| c["id"] == id) {
                    Some((_, c)) => {
                        c["body"] = body["body"].clone();
                        ResponseTemplate::new(200).set_body_json(c.clone())
                    }
                    None => ResponseTemplate::new(404).set_body_json(json!({"message": "Not Found", "documentation_url": "https://docs.github.com/rest/issues/comments#update-an-issue-comment"})),
                }
            }
            _ => ResponseTemplate::new(405),
        }
    }
}

struct LabelsRespond {
    state: Arc<Mutex<State>>,
}

impl Respond for LabelsRespond {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let mut st = self.state.lock().unwrap();
        let n = issue_number(req, "issues");
        let labels = st.labels.entry(n).or_default();
        match req.method.as_str() {
            "POST" => {
                let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
                for l in body["labels"].as_array().into_iter().flatten() {
                    if let Some(l) = l.as_str()
                        && !labels.iter().any(|x| x == l)
                    {
                        labels.push(l.to_string());
                    }
                }
            }
            "DELETE" => {
                let name = req.url.path().rsplit('/').next().unwrap_or("");
                let name = url_decode(name);
                let before = labels.len();
                labels.retain(|l| *l != name);
                if labels.len() == before {
                    return ResponseTemplate::new(404).set_body_json(json!({"message": "Label does not exist", "documentation_url": "https://docs.github.com/rest/issues/labels#remove-a-label-from-an-issue"}));
                }
            }
            _ => {}
        }
        let out: Vec<Value> = labels.iter().map(|l| json!({"name": l})).collect();
        ResponseTemplate::new(200).set_body_json(out)
    }
}

fn url_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={s}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// `GET`/`PATCH /pulls/{n}` over the pulls `POST /pulls` created.
struct PullRespond {
    state: Arc<Mutex<State>>,
}

impl Respond for PullRespond {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let mut st = self.state.lock().unwrap();
        let n = issue_number(req, "pulls");
        let Some(pr) = st.pulls.get_mut(&n) else {
            return ResponseTemplate::new(404).set_body_json(json!({"message": "Not Found"}));
        };
        if req.method.as_str() == "PATCH" {
            let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
            for k in ["title", "body"] {
                if !body[k].is_null() {
                    pr[k] = body[k].clone();
                }
            }
        }
        ResponseTemplate::new(200).set_body_json(pr.clone())
    }
}

/// One request the mock received.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub query: String,
    pub body: Value,
}

/// Answers `POST /pulls` like GitHub: 201 with the PR, echoing `draft` and `head`.
struct CreatedPull {
    number: u64,
    html_base: String,
    state: Arc<Mutex<State>>,
}

impl Respond for CreatedPull {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
        let pr = json!({
            "number": self.number,
            "html_url": format!("{}/pull/{}", self.html_base, self.number),
            "state": "open",
            "draft": body["draft"].as_bool().unwrap_or(false),
            "title": body["title"],
            "body": body["body"],
            "head": {"ref": body["head"]},
            "base": {"ref": body["base"]},
        });
        self.state
            .lock()
            .unwrap()
            .pulls
            .insert(self.number, pr.clone());
        ResponseTemplate::new(201).set_body_json(pr)
    }
}

impl MockGitHub {
    pub async fn start(slug: &str) -> MockGitHub {
        let (owner, repo) = slug.split_once('/').expect("owner/name");
        MockGitHub {
            server: MockServer::start().await,
            owner: owner.into(),
            repo: repo.into(),
            state: Arc::new(Mutex::new(State::default())),
        }
    }

    pub fn url(&self) -> String {
        self.server.uri()
    }

    pub fn html(&self) -> String {
        format!("https://github.com/{}/{}", self.owner, self.repo)
    }

    fn p(&self, rest: &str) -> String {
        format!("/repos/{}/{}/{rest}", self.owner, self.repo)
    }

    pub async fn permission(&self, user: &str, permission: &str) {
        Mock::given(method("GET"))
            .and(path(self.p(&format!("collaborators/{user}/permission"))))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "permission": permission, "role_name": permission,
                "user": {"login": user, "type": "User"}
            })))
            .mount(&self.server)
            .await;
    }

    pub async fn issue(&self, number: u64, title: &str, state: &str) {
        Mock::given(method("GET"))
            .and(path(self.p(&format!("issues/{number}"))))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "number": number, "title": title, "body": null, "state": state, "locked": false,
                "html_url": format!("{}/issues/{number}", self.html()), "labels": [{"name": "octagit"}]
            })))
            .mount(&self.server)
            .await;
    }

    /// Stateful issue comments: create (201; ids from 9001), list, update (200; 404 once
    /// deleted). Labels too: add and remove.
    pub async fn comments(&self) {
        let html = self.html();
        Mock::given(path_regex(r"^/repos/[^/]+/[^/]+/issues/\d+/comments$"))
            .respond_with(CommentsRespond {
                state: self.state.clone(),
                html: html.clone(),
            })
            .mount(&self.server)
            .await;
        Mock::given(method("PATCH"))
            .and(path_regex(r"^/repos/[^/]+/[^/]+/issues/comments/\d+$"))
            .respond_with(CommentsRespond {
                state: self.state.clone(),
                html,
            })
            .mount(&self.server)
            .await;
        Mock::given(path_regex(
            r"^/repos/[^/]+/[^/]+/issues/\d+/labels(/[^/]+)?$",
        ))
        .respond_with(LabelsRespond {
            state: self.state.clone(),
        })
        .mount(&self.server)
        .await;
    }

    /// Put a comment on issue `n` as someone else wrote it (a person, or an earlier run).
    pub fn seed_comment(&self, n: u64, body: &str, login: &str, kind: &str, association: &str) {
        let mut st = self.state.lock().unwrap();
        let id = st.next_comment_id.max(9001);
        st.next_comment_id = id + 1;
        st.comments.push((
            n,
            json!({"id": id, "html_url": format!("{}/issues/{n}#issuecomment-{id}", self.html()),
                   "body": body, "user": {"login": login, "type": kind}, "author_association": association}),
        ));
    }

    /// Comments on issue `n` as the mock holds them now.
    pub fn comments_on(&self, n: u64) -> Vec<Value> {
        self.state
            .lock()
            .unwrap()
            .comments
            .iter()
            .filter(|(i, _)| *i == n)
            .map(|(_, c)| c.clone())
            .collect()
    }

    pub fn labels_on(&self, n: u64) -> Vec<String> {
        self.state
            .lock()
            .unwrap()
            .labels
            .get(&n)
            .cloned()
            .unwrap_or_default()
    }

    /// Open issues labelled with the trigger label, from the mock's label state (one page),
    /// and `GET /issues/{n}` for each; `titles` are (number, title).
    pub async fn labelled_issues(&self, titles: &[(u64, &str)], trigger: &str) {
        {
            let mut st = self.state.lock().unwrap();
            for (n, _) in titles {
                st.labels.entry(*n).or_default().push(trigger.to_string());
            }
        }
        let issues: Vec<(u64, String)> = titles.iter().map(|(n, t)| (*n, t.to_string())).collect();
        Mock::given(method("GET"))
            .and(path(self.p("issues")))
            .respond_with(IssueList {
                state: self.state.clone(),
                issues: issues.clone(),
                html: self.html(),
            })
            .mount(&self.server)
            .await;
    }

    /// `GET /pulls` (open pulls, any head filter) answers with `pulls`.
    pub async fn open_pulls(&self, pulls: Value) {
        Mock::given(method("GET"))
            .and(path(self.p("pulls")))
            .respond_with(ResponseTemplate::new(200).set_body_json(pulls))
            .mount(&self.server)
            .await;
    }

    /// `POST /pulls` succeeds with PR `number`; `GET`/`PATCH /pulls/{number}` then see it.
    pub async fn create_pull_ok(&self, number: u64) {
        Mock::given(method("POST"))
            .and(path(self.p("pulls")))
            .respond_with(CreatedPull {
                number,
                html_base: self.html(),
                state: self.state.clone(),
            })
            .mount(&self.server)
            .await;
        Mock::given(path(self.p(&format!("pulls/{number}"))))
            .respond_with(PullRespond {
                state: self.state.clone(),
            })
            .mount(&self.server)
            .await;
    }

    /// The body of pull `number` as the mock holds it now.
    pub fn pull_body(&self, number: u64) -> Option<String> {
        self.state
            .lock()
            .unwrap()
            .pulls
            .get(&number)
            .and_then(|p| p["body"].as_str().map(str::to_string))
    }

    /// `POST /pulls` fails `times` times with `status` and `body`, before any other mock.
    pub async fn create_pull_fails(&self, status: u16, body: Value, times: u64) {
        Mock::given(method("POST"))
            .and(path(self.p("pulls")))
            .respond_with(ResponseTemplate::new(status).set_body_json(body))
            .up_to_n_times(times)
            .with_priority(1)
            .mount(&self.server)
            .await;
    }

    /// `GET /pulls?head=owner:branch` finds PR `number`; `PATCH /pulls/{number}` updates it.
    pub async fn existing_pull(&self, branch: &str, number: u64) {
        let pr = json!({
            "number": number, "html_url": format!("{}/pull/{number}", self.html()),
            "state": "open", "draft": true, "head": {"ref": branch}
        });
        Mock::given(method("GET"))
            .and(path(self.p("pulls")))
            .and(query_param("head", format!("{}:{branch}", self.owner)))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!([pr.clone()])))
            .with_priority(1)
            .mount(&self.server)
            .await;
        Mock::given(method("PATCH"))
            .and(path(self.p(&format!("pulls/{number}"))))
            .respond_with(ResponseTemplate::new(200).set_body_json(pr))
            .mount(&self.server)
            .await;
    }

    /// Open issues with the label, across two pages linked by `Link: rel="next"`.
    pub async fn labelled_issues_two_pages(&self, first: Value, second: Value) {
        let next = format!(
            "{}{}?labels=octagit&state=open&per_page=100&page=2",
            self.url(),
            self.p("issues")
        );
        Mock::given(method("GET"))
            .and(path(self.p("issues")))
            .and(query_param("page", "2"))
            .respond_with(ResponseTemplate::new(200).set_body_json(second))
            .with_priority(1)
            .mount(&self.server)
            .await;
        Mock::given(method("GET"))
            .and(path(self.p("issues")))
            .respond_with(
                ResponseTemplate::new(200)
                    .insert_header(
                        "link",
                        format!("<{next}>; rel=\"next\", <{next}>; rel=\"last\"").as_str(),
                    )
                    .set_body_json(first),
            )
            .mount(&self.server)
            .await;
    }

    pub async fn seen(&self) -> Vec<Seen> {
        self.server
            .received_requests()
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|r| Seen {
                method: r.method.to_string(),
                path: r.url.path().to_string(),
                query: r.url.query().unwrap_or("").to_string(),
                body: serde_json::from_slice(&r.body).unwrap_or(Value::Null),
            })
            .collect()
    }

    pub async fn seen_where(&self, method_name: &str, path_suffix: &str) -> Vec<Seen> {
        self.seen()
            .await
            .into_iter()
            .filter(|s| s.method == method_name && s.path.ends_with(path_suffix))
            .collect()
    }
}

/// `GET /repos/{o}/{r}/issues?labels=L&state=open`: the issues whose labels (in the mock's
/// state) include every label asked for.
struct IssueList {
    state: Arc<Mutex<State>>,
    issues: Vec<(u64, String)>,
    html: String,
}

impl Respond for IssueList {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let st = self.state.lock().unwrap();
        let want: Vec<String> = req
            .url
            .query_pairs()
            .find(|(k, _)| k == "labels")
            .map(|(_, v)| v.split(',').map(str::to_string).collect())
            .unwrap_or_default();
        let list: Vec<Value> = self
            .issues
            .iter()
            .filter_map(|(n, title)| {
                let labels = st.labels.get(n).cloned().unwrap_or_default();
                want.iter().all(|w| labels.contains(w)).then(|| {
                    json!({"number": n, "title": title, "state": "open", "locked": false, "body": null,
                           "html_url": format!("{}/issues/{n}", self.html),
                           "labels": labels.iter().map(|l| json!({"name": l})).collect::<Vec<_>>()})
                })
            })
            .collect();
        ResponseTemplate::new(200).set_body_json(list)
    }
}
