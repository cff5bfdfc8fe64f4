//! Before the pipeline: the token, the event and the config decide whether to run; then
//! who may trigger (bots, permission, issue state, an open OctaGit PR) and whether the
//! machine may run a model's code for this issue's author.

use std::path::Path;

use super::{Action, Prepared, Stop, WorkIssue, api_stop};
use crate::config::{Config, Overrides};
use crate::github::GitHub;
use crate::github::event::{Decision, Event, TriggerSettings, permission_reaches};
use crate::github::triage;
use crate::github::workflow_cmd::{self as wf, Level};
use crate::secret::Secret;

impl Action {
    pub(super) async fn prepare(&self, workspace: &Path) -> Result<Prepared, Stop> {
        let inputs = self
            .inputs
            .clone()
            .map_err(|e| Stop::Error(e.to_string()))?;
        let token = inputs
            .github_token
            .clone()
            .or_else(|| self.var("GITHUB_TOKEN"))
            .ok_or_else(|| Stop::Error("no GitHub token: the `github-token` input is empty; keep its default `${{ github.token }}` or pass a token with contents, issues and pull-requests write access".into()))?;
        let token = Secret::new(token);
        let event_name = self.var("GITHUB_EVENT_NAME").ok_or_else(|| {
            Stop::Error(
                "GITHUB_EVENT_NAME is not set: `octagit action` runs inside a GitHub Actions job"
                    .into(),
            )
        })?;
        let event_path = self.var("GITHUB_EVENT_PATH").ok_or_else(|| {
            Stop::Error(
                "GITHUB_EVENT_PATH is not set: `octagit action` runs inside a GitHub Actions job"
                    .into(),
            )
        })?;
        let event = Event::read(&event_name, Path::new(&event_path))
            .map_err(|e| Stop::Error(e.to_string()))?;
        let mode = inputs.mode;
        let (cfg, _) = Config::resolve(workspace, &inputs.config, &Overrides::default())
            .map_err(|e| Stop::Error(e.to_string()))?;
        let settings = TriggerSettings {
            label: cfg.trigger.label.clone(),
            phrase: cfg.trigger.phrase.clone(),
            mode,
            issue_number: inputs.issue_number.clone(),
        };
        let decision = crate::github::event::decide(&event, &settings)
            .map_err(|e| Stop::Error(e.to_string()))?;
        if let Decision::Skip { reason } = &decision {
            return Err(Stop::Skip(reason.clone()));
        }
        let slug = self
            .var("GITHUB_REPOSITORY")
            .or_else(|| {
                event
                    .payload
                    .repository
                    .as_ref()
                    .and_then(|r| r.full_name.clone())
            })
            .ok_or_else(|| {
                Stop::Error("GITHUB_REPOSITORY is not set and the event names no repository".into())
            })?;
        let api_url = self
            .var("GITHUB_API_URL")
            .unwrap_or_else(|| "https://api.github.com".into());
        let gh = GitHub::new(&api_url, &token, &slug).map_err(|e| Stop::Error(e.to_string()))?;
        Ok(Prepared {
            inputs,
            token,
            event,
            cfg,
            mode,
            decision,
            slug,
            api_url,
            gh,
        })
    }

    /// Who may trigger, and is the issue workable. Returns the issue to work on.
    pub(super) async fn gate(
        &self,
        p: &Prepared,
        number: u64,
        from_event: Option<crate::github::event::EventIssue>,
    ) -> Result<WorkIssue, Stop> {
        // A scheduled run (the triage fan-out) acts for the repository, not for a person.
        if p.event.name != "schedule" {
            let actor = p
                .event
                .payload
                .sender
                .as_ref()
                .map(|s| s.login.clone())
                .filter(|l| !l.is_empty())
                .or_else(|| self.var("GITHUB_ACTOR"))
                .ok_or_else(|| {
                    Stop::Error("the event names no sender and GITHUB_ACTOR is not set".into())
                })?;
            if actor.ends_with("[bot]") {
                return Err(Stop::Skip(format!(
                    "the run was started by the bot `{actor}`; bots never trigger OctaGit"
                )));
            }
            let have = p.gh.permission(&actor).await.map_err(|e| {
                api_stop(
                    &e,
                    "; the token needs read access to the repository's collaborators",
                )
            })?;
            let need = p.cfg.min_permission.clone();
            if !permission_reaches(&have, &need) {
                return Err(Stop::Skip(format!(
                    "`{actor}` has `{have}` permission on {}; starting OctaGit needs `{need}` (the `min-permission` input)",
                    p.slug
                )));
            }
            println!("{actor} has {have} permission (needs {need})");
        }
        let issue = match from_event {
            Some(i) => WorkIssue::from(i),
            None => {
                let i = p.gh.issue(number).await.map_err(|e| match e.status() {
                    Some(404) | Some(410) => Stop::Error(format!("issue #{number} does not exist in {} (or was deleted); check the `issue-number` input", p.slug)),
                    _ => api_stop(&e, ""),
                })?;
                WorkIssue::from(i)
            }
        };
        if issue.is_pr {
            return Err(Stop::Skip(format!(
                "#{} is a pull request; OctaGit works on issues",
                issue.number
            )));
        }
        if issue.state == "closed" {
            return Err(Stop::Skip(format!(
                "issue #{} is closed; reopen it to run OctaGit",
                issue.number
            )));
        }
        if issue.locked {
            return Err(Stop::Skip(format!(
                "issue #{} is locked; unlock it to run OctaGit",
                issue.number
            )));
        }
        let force = self.args.force || p.inputs.force;
        if !force {
            let pulls = p.gh.open_pulls().await.map_err(|e| api_stop(&e, ""))?;
            if let Some(pr) = triage::open_pr_for(&pulls, &p.cfg.branch_prefix, issue.number) {
                return Err(Stop::Skip(format!(
                    "issue #{} already has an open OctaGit pull request{}; close it or run with --force to try again",
                    issue.number,
                    pr.html_url
                        .as_ref()
                        .map(|u| format!(" ({u})"))
                        .unwrap_or_default()
                )));
            }
        }
        Ok(issue)
    }

    /// Without any isolation, code the model writes runs as we do: only an issue written by
    /// someone with write access (or `allow-unsandboxed: true`) may start that.
    pub(super) async fn isolation_allows(
        &self,
        p: &Prepared,
        issue: &WorkIssue,
    ) -> Result<(), Stop> {
        let iso = crate::sandbox::detect();
        if iso.level != crate::sandbox::Level::None {
            return Ok(());
        }
        let why = iso.reason.unwrap_or_default();
        wf::annotate(
            Level::Warning,
            Some("OctaGit: no sandbox"),
            &format!("the commands will run without isolation ({why})"),
        );
        if p.cfg.allow_unsandboxed {
            return Ok(());
        }
        let refuse = |who: &str| {
            Stop::Error(format!(
                "no sandbox is available here ({why}) and issue #{} was written by {who}, who has no write access: OctaGit will not run code a model wrote from it unisolated. Install bubblewrap, run the container as root, or set `allow-unsandboxed: true` to accept the risk",
                issue.number
            ))
        };
        let Some(author) = issue.author.clone().filter(|a| !a.is_empty()) else {
            return Err(refuse("an unknown author"));
        };
        let have = p.gh.permission(&author).await.map_err(|e| {
            Stop::Error(format!(
                "{e}; the token needs read access to the repository's collaborators"
            ))
        })?;
        if permission_reaches(&have, "write") {
            Ok(())
        } else {
            Err(refuse(&format!("`{author}`")))
        }
    }
}
