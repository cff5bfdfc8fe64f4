//! A loopback mock of the GitHub REST API (wiremock) that speaks the real wire shapes and
//! records every request, for the action and publish tests.

use serde_json::{Value, json};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

pub struct MockGitHub {
    pub server: MockServer,
    pub owner: String,
    pub repo: String,
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
}

impl Respond for CreatedPull {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
        ResponseTemplate::new(201).set_body_json(json!({
            "number": self.number,
            "html_url": format!("{}/pull/{}", self.html_base, self.number),
            "state": "open",
            "draft": body["draft"].as_bool().unwrap_or(false),
            "title": body["title"],
            "head": {"ref": body["head"]},
            "base": {"ref": body["base"]},
        }))
    }
}

impl MockGitHub {
    pub async fn start(slug: &str) -> MockGitHub {
        let (owner, repo) = slug.split_once('/').expect("owner/name");
        MockGitHub {
            server: MockServer::start().await,
            owner: owner.into(),
            repo: repo.into(),
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

    /// Comment create (201, id 9001) and update (200).
    pub async fn comments(&self) {
        let html = self.html();
        Mock::given(method("POST"))
            .and(wiremock::matchers::path_regex(
                r"^/repos/[^/]+/[^/]+/issues/\d+/comments$",
            ))
            .respond_with(ResponseTemplate::new(201).set_body_json(json!({
                "id": 9001, "html_url": format!("{html}/issues/1#issuecomment-9001"), "body": "x"
            })))
            .mount(&self.server)
            .await;
        Mock::given(method("PATCH"))
            .and(path(self.p("issues/comments/9001")))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "id": 9001, "html_url": format!("{html}/issues/1#issuecomment-9001"), "body": "x"
            })))
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

    /// `POST /pulls` succeeds with PR `number`.
    pub async fn create_pull_ok(&self, number: u64) {
        Mock::given(method("POST"))
            .and(path(self.p("pulls")))
            .respond_with(CreatedPull {
                number,
                html_base: self.html(),
            })
            .mount(&self.server)
            .await;
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
