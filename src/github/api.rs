//! The GitHub REST client: octocrab pointed at `GITHUB_API_URL` (github.com, GitHub
//! Enterprise or a loopback mock in tests), speaking only the few endpoints OctaGit needs.
//!
//! Generic `get/post/patch` with our own small types are used instead of octocrab's typed
//! models, so a field GitHub adds or drops never breaks a run, and errors keep GitHub's
//! status and message for the publish step to branch on (422 exists, 422 no drafts, 403).
//! octocrab 0.54 already sends `X-GitHub-Api-Version: 2022-11-28` on every request (its
//! `_SET_HEADERS_MAP`); adding it again would send the header twice.
//!
//! Retries: reads and PATCHes (idempotent) go through octocrab's retry layer, which repeats
//! on 5xx and transport errors. A POST that creates something (a comment, a pull request)
//! must never be repeated blindly: a 502 may arrive after GitHub already created it. Those
//! go through a second client without that layer ([`GitHub::post_once`]); after an unknown
//! outcome we look for what we meant to create before posting again.

use octocrab::Octocrab;
use octocrab::service::middleware::retry::{NoOpRateLimitMetrics, RetryConfig};
use serde::{Deserialize, Serialize};

use crate::secret::Secret;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ApiError {
    /// GitHub answered with an error status.
    #[error("GitHub answered {status} to {what}: {message}")]
    Status {
        what: String,
        status: u16,
        message: String,
    },
    /// No usable answer (connection, TLS, undecodable body).
    #[error(
        "GitHub could not be reached for {what}: {message}; check GITHUB_API_URL and the network"
    )]
    Transport { what: String, message: String },
    #[error("bad GitHub configuration: {0}")]
    Config(String),
}

impl ApiError {
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The message and any validation details, lower-cased, for matching known answers.
    pub fn text_lower(&self) -> String {
        self.to_string().to_ascii_lowercase()
    }
}

fn map_err(what: &str, e: octocrab::Error) -> ApiError {
    match e {
        octocrab::Error::GitHub { source, .. } => {
            let mut message = source.message.clone();
            // 422 details live in `errors`: "A pull request already exists for o:b." is one.
            for err in source.errors.iter().flatten() {
                let detail = err
                    .get("message")
                    .and_then(|m| m.as_str())
                    .map(str::to_string)
                    .unwrap_or_else(|| err.to_string());
                message.push_str(" (");
                message.push_str(&detail);
                message.push(')');
            }
            ApiError::Status {
                what: what.to_string(),
                status: source.status_code.as_u16(),
                message: crate::secret::redact(&message),
            }
        }
        other => ApiError::Transport {
            what: what.to_string(),
            message: crate::secret::redact(&one_line(&other.to_string())),
        },
    }
}

fn one_line(s: &str) -> String {
    s.lines().next().unwrap_or(s).trim().to_string()
}

/// An issue as the REST API returns it: the same shape as the event payload's issue.
pub type IssueInfo = crate::github::event::EventIssue;

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct CommentInfo {
    pub id: u64,
    pub html_url: Option<String>,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub user: Option<UserInfo>,
    #[serde(default)]
    pub author_association: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct UserInfo {
    #[serde(default)]
    pub login: String,
    #[serde(rename = "type", default)]
    pub kind: String,
}

impl CommentInfo {
    /// Written by a bot (the `GITHUB_TOKEN` posts as `github-actions[bot]`) or by someone
    /// with write access: the only authors whose marked comment OctaGit will take over. A
    /// stranger pasting the marker into a comment does not get it edited.
    pub fn by_trusted_author(&self) -> bool {
        let bot = self
            .user
            .as_ref()
            .is_some_and(|u| u.kind == "Bot" || u.login.ends_with("[bot]"));
        let member = matches!(
            self.author_association.as_deref(),
            Some("OWNER" | "MEMBER" | "COLLABORATOR")
        );
        bot || member
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PullInfo {
    pub number: u64,
    pub html_url: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub draft: bool,
    #[serde(default)]
    pub state: String,
    pub head: Option<PullRef>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PullRef {
    #[serde(rename = "ref", default)]
    pub ref_name: String,
}

#[derive(Debug, Clone, Serialize)]
struct NewPull<'a> {
    title: &'a str,
    head: &'a str,
    base: &'a str,
    body: &'a str,
    draft: bool,
}

#[derive(Debug, Deserialize)]
struct PermissionAnswer {
    permission: Option<String>,
    role_name: Option<String>,
}

/// Pages fetched at most when listing issues or pulls (100 per page).
pub const MAX_PAGES: usize = 10;

/// Attempts at most for a POST that creates something (each after a check that the
/// previous one did not land).
pub const CREATE_ATTEMPTS: usize = 3;

/// The outcome of one POST sent exactly once.
#[derive(Debug)]
pub enum Once<T> {
    Created(T),
    /// GitHub answered with an error it sends before acting (4xx): nothing was created.
    Refused(ApiError),
    /// A 5xx or a broken connection: GitHub may or may not have acted.
    Unknown(ApiError),
}

/// A client for one repository.
#[derive(Clone)]
pub struct GitHub {
    crab: Octocrab,
    /// The same client without the retry layer, for POSTs that create things.
    crab_once: Octocrab,
    pub owner: String,
    pub repo: String,
}

impl std::fmt::Debug for GitHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "GitHub({}/{})", self.owner, self.repo)
    }
}

impl GitHub {
    /// `api_url` is `GITHUB_API_URL` (`https://api.github.com`, `https://HOST/api/v3`, or a
    /// mock); `repo_slug` is `owner/name`. Must be called inside a tokio runtime.
    pub fn new(api_url: &str, token: &Secret, repo_slug: &str) -> Result<GitHub, ApiError> {
        let (owner, repo) = repo_slug
            .split_once('/')
            .filter(|(o, r)| !o.is_empty() && !r.is_empty() && !r.contains('/'))
            .ok_or_else(|| ApiError::Config(format!("`{repo_slug}` is not owner/name")))?;
        let build = |retry: RetryConfig| {
            Octocrab::builder()
                .base_uri(api_url.trim_end_matches('/'))
                .map_err(|e| {
                    ApiError::Config(format!("GITHUB_API_URL `{api_url}` is not a URL: {e}"))
                })?
                .personal_token(token.expose().to_string())
                .add_retry_config(retry)
                .set_connect_timeout(Some(std::time::Duration::from_secs(20)))
                .set_read_timeout(Some(std::time::Duration::from_secs(60)))
                .build()
                .map_err(|e| ApiError::Config(one_line(&e.to_string())))
        };
        // Server errors and transport failures are retried; a 403/429 carrying
        // `retry-after` (GitHub's secondary rate limit) waits as told. A bare 403 is not
        // retried: it is usually a real refusal (Actions may not open PRs).
        let crab = build(RetryConfig::HandleRateLimits {
            metrics: std::sync::Arc::new(NoOpRateLimitMetrics),
            max_retries: 3,
            min_wait_seconds: 2,
            retry_on_forbidden: false,
        })?;
        let crab_once = build(RetryConfig::None)?;
        Ok(GitHub {
            crab,
            crab_once,
            owner: owner.to_string(),
            repo: repo.to_string(),
        })
    }

    pub fn slug(&self) -> String {
        format!("{}/{}", self.owner, self.repo)
    }

    fn path(&self, rest: &str) -> String {
        format!("/repos/{}/{}/{rest}", self.owner, self.repo)
    }

    /// The user's permission on the repository: admin, maintain, write, triage, read or none.
    /// A user who is not a collaborator gets 404 from GitHub: that is `none`.
    pub async fn permission(&self, user: &str) -> Result<String, ApiError> {
        let what = format!("the permission check for `{user}`");
        let route = self.path(&format!(
            "collaborators/{}/permission",
            encode_segment(user)
        ));
        match self.crab.get::<PermissionAnswer, _, ()>(route, None).await {
            Ok(a) => Ok(a
                .role_name
                .filter(|r| crate::github::event::permission_rank(r).is_some())
                .or(a.permission)
                .unwrap_or_else(|| "none".into())),
            Err(e) => match map_err(&what, e) {
                ApiError::Status { status: 404, .. } => Ok("none".into()),
                other => Err(other),
            },
        }
    }

    pub async fn issue(&self, number: u64) -> Result<IssueInfo, ApiError> {
        self.crab
            .get(self.path(&format!("issues/{number}")), None::<&()>)
            .await
            .map_err(|e| map_err(&format!("reading issue #{number}"), e))
    }

    /// Post a comment. A 5xx or a cut connection is followed by a look at the issue's
    /// comments: if the comment landed it is returned, otherwise it is posted again.
    pub async fn create_comment(&self, issue: u64, body: &str) -> Result<CommentInfo, ApiError> {
        let text = crate::secret::redact(body);
        let payload = serde_json::json!({ "body": text });
        let route = self.path(&format!("issues/{issue}/comments"));
        let what = format!("commenting on #{issue}");
        let mut last = None;
        for _ in 0..CREATE_ATTEMPTS {
            match self.post_once::<CommentInfo>(&route, &payload, &what).await {
                Once::Created(c) => return Ok(c),
                Once::Refused(e) => return Err(e),
                Once::Unknown(e) => {
                    let comments = self.comments(issue).await?;
                    if let Some(c) = comments
                        .into_iter()
                        .rev()
                        .find(|c| c.body.as_deref() == Some(text.as_str()))
                    {
                        return Ok(c);
                    }
                    last = Some(e);
                }
            }
        }
        Err(last.unwrap_or_else(|| ApiError::Config("no attempt was made".into())))
    }

    /// The issue's comments, oldest first (paged).
    pub async fn comments(&self, issue: u64) -> Result<Vec<CommentInfo>, ApiError> {
        let q = [("per_page", "100")];
        self.paged(
            self.path(&format!("issues/{issue}/comments")),
            &q,
            &format!("listing the comments of #{issue}"),
        )
        .await
    }

    /// Send one POST, exactly once. Rate-limit answers (403/429 with `retry-after`, which
    /// GitHub sends before acting) are waited out and sent again; nothing else is repeated.
    pub async fn post_once<T: serde::de::DeserializeOwned>(
        &self,
        route: &str,
        payload: &serde_json::Value,
        what: &str,
    ) -> Once<T> {
        for _ in 0..=CREATE_ATTEMPTS {
            let resp = match self.crab_once._post(route, Some(payload)).await {
                Ok(r) => r,
                Err(e) => return Once::Unknown(map_err(what, e)),
            };
            let status = resp.status().as_u16();
            let wait = resp
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok());
            if matches!(status, 403 | 429)
                && let Some(secs) = wait
            {
                // Short waits only: a longer one is reported, not slept through.
                if secs <= 120 {
                    tokio::time::sleep(std::time::Duration::from_secs(secs)).await;
                    continue;
                }
            }
            return match octocrab::map_github_error(resp).await {
                Ok(ok) => match self.crab_once.body_to_string(ok).await {
                    Ok(text) => match serde_json::from_str::<T>(&text) {
                        Ok(v) => Once::Created(v),
                        // It was created; only the answer is odd. Do not post again.
                        Err(e) => Once::Refused(ApiError::Transport {
                            what: what.to_string(),
                            message: format!("undecodable answer: {e}"),
                        }),
                    },
                    Err(e) => Once::Unknown(map_err(what, e)),
                },
                Err(e) => {
                    let e = map_err(what, e);
                    if status >= 500 {
                        Once::Unknown(e)
                    } else {
                        Once::Refused(e)
                    }
                }
            };
        }
        Once::Refused(ApiError::Status {
            what: what.to_string(),
            status: 429,
            message: "still rate limited after waiting; try again later".into(),
        })
    }

    pub async fn update_comment(&self, id: u64, body: &str) -> Result<CommentInfo, ApiError> {
        let body = serde_json::json!({ "body": crate::secret::redact(body) });
        self.crab
            .patch(self.path(&format!("issues/comments/{id}")), Some(&body))
            .await
            .map_err(|e| map_err("updating the progress comment", e))
    }

    /// Remove one label; a label the issue does not carry (404) is not an error.
    pub async fn remove_label(&self, issue: u64, label: &str) -> Result<(), ApiError> {
        let route = self.path(&format!("issues/{issue}/labels/{}", encode_segment(label)));
        match self
            .crab
            .delete::<serde_json::Value, _, ()>(route, None)
            .await
        {
            Ok(_) => Ok(()),
            Err(e) => match map_err(&format!("removing label `{label}` from #{issue}"), e) {
                ApiError::Status { status: 404, .. } => Ok(()),
                other => Err(other),
            },
        }
    }

    /// Adding labels is idempotent (a label already there stays once), so it may retry.
    pub async fn add_labels(&self, issue: u64, labels: &[&str]) -> Result<(), ApiError> {
        let body = serde_json::json!({ "labels": labels });
        self.crab
            .post::<_, serde_json::Value>(self.path(&format!("issues/{issue}/labels")), Some(&body))
            .await
            .map(|_| ())
            .map_err(|e| map_err(&format!("labelling #{issue}"), e))
    }

    pub async fn create_pull(
        &self,
        title: &str,
        head: &str,
        base: &str,
        body: &str,
        draft: bool,
    ) -> Result<PullInfo, ApiError> {
        let body = crate::secret::redact(body);
        let title = crate::secret::redact(title);
        let req = NewPull {
            title: &title,
            head,
            base,
            body: &body,
            draft,
        };
        let payload = serde_json::to_value(&req).unwrap_or_default();
        let route = self.path("pulls");
        let mut last = None;
        for _ in 0..CREATE_ATTEMPTS {
            match self
                .post_once::<PullInfo>(&route, &payload, "opening the pull request")
                .await
            {
                Once::Created(p) => return Ok(p),
                Once::Refused(e) => return Err(e),
                // The PR may exist now: look before opening another.
                Once::Unknown(e) => {
                    if let Some(p) = self.pulls_for_head(head).await?.into_iter().next() {
                        return Ok(p);
                    }
                    last = Some(e);
                }
            }
        }
        Err(last.unwrap_or_else(|| ApiError::Config("no attempt was made".into())))
    }

    pub async fn pull(&self, number: u64) -> Result<PullInfo, ApiError> {
        self.crab
            .get(self.path(&format!("pulls/{number}")), None::<&()>)
            .await
            .map_err(|e| map_err(&format!("reading pull request #{number}"), e))
    }

    pub async fn update_pull(
        &self,
        number: u64,
        title: &str,
        body: &str,
    ) -> Result<PullInfo, ApiError> {
        let req = serde_json::json!({
            "title": crate::secret::redact(title),
            "body": crate::secret::redact(body),
        });
        self.crab
            .patch(self.path(&format!("pulls/{number}")), Some(&req))
            .await
            .map_err(|e| map_err(&format!("updating pull request #{number}"), e))
    }

    /// Open pull requests whose head is `owner:branch` (at most one, in practice).
    pub async fn pulls_for_head(&self, branch: &str) -> Result<Vec<PullInfo>, ApiError> {
        let head = format!("{}:{branch}", self.owner);
        let q = [("head", head.as_str()), ("state", "open")];
        self.crab
            .get(self.path("pulls"), Some(&q))
            .await
            .map_err(|e| map_err(&format!("looking up the pull request for `{branch}`"), e))
    }

    /// Every open pull request (paged).
    pub async fn open_pulls(&self) -> Result<Vec<PullInfo>, ApiError> {
        let q = [("state", "open"), ("per_page", "100")];
        self.paged(self.path("pulls"), &q, "listing open pull requests")
            .await
    }

    /// Open issues carrying `label`, pull requests filtered out, following the `Link` header.
    pub async fn open_issues_with_label(&self, label: &str) -> Result<Vec<IssueInfo>, ApiError> {
        let q = [("labels", label), ("state", "open"), ("per_page", "100")];
        let all: Vec<IssueInfo> = self
            .paged(
                self.path("issues"),
                &q,
                &format!("listing issues labelled `{label}`"),
            )
            .await?;
        Ok(all.into_iter().filter(|i| !i.is_pull_request()).collect())
    }

    async fn paged<T: serde::de::DeserializeOwned>(
        &self,
        route: String,
        query: &[(&str, &str)],
        what: &str,
    ) -> Result<Vec<T>, ApiError> {
        let mut page: octocrab::Page<T> = self
            .crab
            .get(route, Some(&query))
            .await
            .map_err(|e| map_err(what, e))?;
        let mut out = std::mem::take(&mut page.items);
        let mut pages = 1;
        while page.next.is_some() && pages < MAX_PAGES {
            match self
                .crab
                .get_page::<T>(&page.next)
                .await
                .map_err(|e| map_err(what, e))?
            {
                Some(mut next) => {
                    out.append(&mut next.items);
                    page = next;
                    pages += 1;
                }
                None => break,
            }
        }
        Ok(out)
    }
}

/// Percent-encode one path segment (a user login cannot hold `/`, but be safe).
fn encode_segment(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

#[cfg(test)]
mod tests {
    use super::*;
    use wiremock::matchers::{header, method, path, query_param};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    fn client(server: &MockServer) -> GitHub {
        GitHub::new(
            &server.uri(),
            &Secret::new("ghs_testtoken0123456789abcdef"),
            "o/r",
        )
        .unwrap()
    }

    #[tokio::test]
    async fn permission_uses_role_name_and_404_is_none() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/repos/o/r/collaborators/alice/permission"))
            .and(header("x-github-api-version", "2022-11-28"))
            .and(header("authorization", "Bearer ghs_testtoken0123456789abcdef"))
            .respond_with(ResponseTemplate::new(200).set_body_json(
                serde_json::json!({"permission": "write", "role_name": "maintain", "user": {"login": "alice"}}),
            ))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/repos/o/r/collaborators/mallory/permission"))
            .respond_with(
                ResponseTemplate::new(404)
                    .set_body_json(serde_json::json!({"message": "Not Found"})),
            )
            .mount(&server)
            .await;
        let gh = client(&server);
        let got = gh.permission("alice").await.unwrap();
        assert_eq!(got, "maintain");
        assert_eq!(gh.permission("mallory").await.unwrap(), "none");
    }

    #[tokio::test]
    async fn errors_keep_status_and_validation_detail() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/repos/o/r/pulls"))
            .respond_with(ResponseTemplate::new(422).set_body_json(serde_json::json!({
                "message": "Validation Failed",
                "errors": [{"resource": "PullRequest", "code": "custom", "message": "A pull request already exists for o:octagit/issue-1-x."}],
                "documentation_url": "https://docs.github.com/rest/pulls/pulls#create-a-pull-request"
            })))
            .mount(&server)
            .await;
        let err = client(&server)
            .create_pull("t", "octagit/issue-1-x", "main", "b", true)
            .await
            .unwrap_err();
        assert_eq!(err.status(), Some(422));
        assert!(err.text_lower().contains("already exists"), "{err}");
    }

    #[tokio::test]
    async fn issues_page_through_link_and_drop_pulls() {
        let server = MockServer::start().await;
        let next = format!(
            "{}/repos/o/r/issues?labels=octagit&state=open&per_page=100&page=2",
            server.uri()
        );
        Mock::given(method("GET"))
            .and(path("/repos/o/r/issues"))
            .and(query_param("page", "2"))
            .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!([
                {"number": 3, "title": "c", "state": "open", "labels": [{"name": "octagit"}]}
            ])))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/repos/o/r/issues"))
            .and(query_param("labels", "octagit"))
            .respond_with(
                ResponseTemplate::new(200)
                    .insert_header(
                        "link",
                        format!("<{next}>; rel=\"next\", <{next}>; rel=\"last\"").as_str(),
                    )
                    .set_body_json(serde_json::json!([
                        {"number": 1, "title": "a", "state": "open"},
                        {"number": 2, "title": "pr", "state": "open", "pull_request": {"url": "x"}}
                    ])),
            )
            .up_to_n_times(1)
            .mount(&server)
            .await;
        let issues = client(&server)
            .open_issues_with_label("octagit")
            .await
            .unwrap();
        let numbers: Vec<u64> = issues.iter().map(|i| i.number).collect();
        assert_eq!(numbers, vec![1, 3]);
    }

    #[test]
    fn bad_slug_is_config_error() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let e = GitHub::new("http://127.0.0.1:1", &Secret::new("x"), "nope").unwrap_err();
            assert!(matches!(e, ApiError::Config(_)));
        });
    }
}
