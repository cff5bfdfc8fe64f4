//! The texts of the run-level outcomes: success, hallucination, gate, limit, config,
//! publish, cancelled, internal, and a run that never finished or was skipped.

use super::{Draft, best_guess_hint, code_list, issues_url, rerun_suffix};
use crate::advisor::facts::{self, LimitHit, PublishRefusal};
use crate::config::CONFIG_PATH;
use crate::failure::FailureClass;
use crate::report::fmt;
use crate::run_record::RunRecord;

pub(super) fn success(record: &RunRecord) -> Draft {
    let edited = &record.files_edited;
    let headline = match &record.task.issue_number {
        Some(n) => format!("Fix for #{n} passed the repository's own tests"),
        None => "Fix passed the repository's own tests".into(),
    };
    let mut why = String::new();
    if let Some(s) = &record.finish_summary {
        why.push_str(&format!(
            "The model's summary: {}",
            fmt::clip_chars(s.trim(), 400)
        ));
        why.push_str("\n\n");
    }
    why.push_str(
        "Review it like any contributor's change: the tests passing means nothing that was \
         tested broke, not that the fix is right. Check that the change addresses the issue \
         itself and that no test was weakened.",
    );
    if !record.gate.flaky.is_empty() {
        // A passing gate says nothing about these: the reviewer should know which.
        why.push_str(&format!(
            " {} changed outcome between two runs before any edit (flaky), so the gate left it \
             out: check it by hand.",
            code_list(&record.gate.flaky, 3)
        ));
    }
    let target = match record.publish.as_ref() {
        Some(p) if p.pr_url.is_some() => {
            format!("the draft PR {}", p.pr_url.as_deref().unwrap_or(""))
        }
        Some(p) if p.branch.is_some() && p.pushed => {
            format!("branch `{}`", p.branch.as_deref().unwrap_or(""))
        }
        _ => "the diff (patch.diff in the run directory)".into(),
    };
    let files = if edited.is_empty() {
        String::new()
    } else {
        format!(", starting with {}", code_list(edited, 3))
    };
    let mark = match (
        record.publish.as_ref().is_some_and(|p| p.pr_url.is_some()),
        files.is_empty(),
    ) {
        (true, true) => " and mark it ready for review when satisfied",
        (true, false) => ", and mark it ready for review when satisfied",
        (false, _) => "",
    };
    Draft {
        headline,
        why,
        next_step: format!("Review {target}{files}{mark}."),
    }
}

pub(super) fn unfinished(record: &RunRecord) -> Draft {
    Draft {
        headline: "The run stopped before it finished".into(),
        why: "The run record was last written while a stage was still running: the process \
              was killed, ran out of time or crashed before it could say why."
            .into(),
        next_step: format!(
            "Re-run{}; if it stops again, open an issue at {} with run.json attached (it is redacted).",
            rerun_suffix(record),
            issues_url()
        ),
    }
}

pub(super) fn skipped(record: &RunRecord) -> Draft {
    Draft {
        headline: "Nothing was attempted".into(),
        why: "The run was skipped before any model was called.".into(),
        next_step: format!(
            "Check the trigger conditions and re-run{}.",
            rerun_suffix(record)
        ),
    }
}

pub(super) fn hallucination(record: &RunRecord) -> Draft {
    let message = facts::failure_message(record);
    let models = facts::models_failing(record, FailureClass::Hallucination);
    let headline = match models.len() {
        0 => "The model's actions did not match the repository".into(),
        1 => format!("{} kept making invalid moves", models[0]),
        2 => "Both models kept making invalid moves".into(),
        n => format!("All {n} models kept making invalid moves"),
    };
    let mut why = String::new();
    if !message.is_empty() {
        why.push_str(&message);
        if !message.ends_with('.') {
            why.push('.');
        }
        why.push(' ');
    }
    why.push_str(
        "Invalid moves are calls to tools that do not exist, bad arguments, edits of text that \
         is not in the file, or a claimed fix the tests refute. Each one was fed back to the \
         model; after repeated ones the walker moves to the next hop with a summary of progress.",
    );
    if !record.handoffs.is_empty() {
        why.push_str(&match record.handoffs.len() {
            1 => " Here it handed over once.".to_string(),
            n => format!(" Here it handed over {n} times."),
        });
    }
    let next_step = format!(
        "Edit the issue to name the file and function to change and the expected behaviour{}, and re-run{}.",
        best_guess_hint(record),
        rerun_suffix(record)
    );
    Draft {
        headline,
        why,
        next_step,
    }
}

pub(super) fn gate(record: &RunRecord) -> Draft {
    let g = &record.gate;
    let Some(cmd) = g.command.clone() else {
        let example = facts::example_test_command(record);
        return Draft {
            headline: "No test command: the fix could not be checked".into(),
            why: "OctaGit opens a PR only when the repository's own tests pass, and it could not \
                  find a test command to run (none configured, none detected)."
                .into(),
            next_step: format!(
                "Set `test_command: {example}` in {CONFIG_PATH} (or pass --test-command) and re-run."
            ),
        };
    };
    if let Some(setup) = g.setup.as_ref().filter(|s| !s.success) {
        let sc = g.setup_command.clone().unwrap_or_default();
        return Draft {
            headline: "The setup command failed before any test ran".into(),
            why: format!(
                "`{sc}` {} so the tests could not run.",
                fmt::test_run(setup)
            ),
            next_step: format!(
                "Fix `setup_command: {sc}` in {CONFIG_PATH} so it succeeds on a clean checkout, and re-run."
            ),
        };
    }
    let after = g.after.as_ref();
    if let Some(a) = after.filter(|a| a.timed_out) {
        return Draft {
            headline: "The tests timed out after the edit".into(),
            why: format!("`{cmd}` {}.", fmt::test_run(a)),
            next_step: format!(
                "Set `test_command:` in {CONFIG_PATH} to a faster subset (e.g. `{cmd} <the tests near the change>`) or raise `test_timeout_secs`, and re-run."
            ),
        };
    }
    let seen = facts::gate_facts(record);
    if seen.baseline_bad && seen.new_failures.is_empty() && seen.after_failed {
        return Draft {
            headline: "The tests already failed before any edit".into(),
            why: format!(
                "`{cmd}` failed on the base branch too{}, so a passing gate could not show that the fix works.",
                if seen.baseline_failed.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", code_list(&seen.baseline_failed, 4))
                }
            ),
            next_step: format!(
                "Set `test_command:` in {CONFIG_PATH} to a command that passes on the base branch (e.g. one that leaves out the failing tests), and re-run."
            ),
        };
    }
    let headline = if seen.new_failures.is_empty() {
        "The fix did not pass the repository's tests".to_string()
    } else {
        format!("{} failed after the edit", code_list(&seen.new_failures, 2))
    };
    let mut why = format!(
        "After the edit `{cmd}` {}.",
        after
            .map(fmt::test_run)
            .unwrap_or_else(|| "did not run".into())
    );
    if let Some(v) = &g.verdict {
        why.push(' ');
        why.push_str(v.trim());
    }
    why.push_str(" No PR was opened because the gate did not pass.");
    let next_step = match (
        facts::pushed_branch(record),
        seen.new_failures.first().cloned(),
    ) {
        (Some(b), Some(t)) => format!(
            "Check out branch `{b}` and run `{cmd}` to see `{t}` fail, then finish the fix there."
        ),
        (Some(b), None) => format!(
            "Check out branch `{b}` and run `{cmd}` to see what fails, then finish the fix there."
        ),
        (None, Some(t)) => format!(
            "Add to the issue what `{t}` expects and which code should change, and re-run{}.",
            rerun_suffix(record)
        ),
        (None, None) => format!(
            "Add the expected behaviour and the failing test to the issue, and re-run{}.",
            rerun_suffix(record)
        ),
    };
    Draft {
        headline,
        why,
        next_step,
    }
}

pub(super) fn limit(record: &RunRecord) -> Draft {
    let (headline, next_step) = match facts::limit_hit(record) {
        LimitHit::Cost => {
            let cap = ((record.cost_usd * 2.0).max(0.5) * 100.0).ceil() / 100.0;
            (
                format!(
                    "The cost limit was reached ({} spent)",
                    fmt::cost(record.cost_usd)
                ),
                format!("Set `max_cost_usd: {cap:.2}` in {CONFIG_PATH} and re-run."),
            )
        }
        LimitHit::Time => {
            let mins = fmt::run_duration(record);
            let used = record
                .finished_at
                .map(|e| ((e - record.started_at).num_minutes().max(1) as u64) * 2)
                .unwrap_or(60);
            (
                format!(
                    "The time limit was reached{}",
                    mins.map(|m| format!(" after {m}")).unwrap_or_default()
                ),
                format!("Set `max_minutes: {used}` in {CONFIG_PATH} and re-run."),
            )
        }
        LimitHit::Turns => (
            format!("The turn limit was reached after {} turns", record.turns),
            format!(
                "Set `max_turns: {}` in {CONFIG_PATH} and re-run.",
                (record.turns.max(10)) * 2
            ),
        ),
    };
    let why = "The model was still working when a limit stopped it. The work so far is kept: \
               see the diff and the transcript for how far it got."
        .to_string();
    Draft {
        headline,
        why,
        next_step,
    }
}

pub(super) fn config(record: &RunRecord) -> Draft {
    let msg = facts::failure_message(record);
    Draft {
        headline: "The run could not start: configuration problem".into(),
        why: if msg.is_empty() {
            "The configuration or the input could not be used.".into()
        } else {
            msg.clone()
        },
        next_step: if msg.is_empty() {
            format!("Check {CONFIG_PATH} and the action inputs against the README, and re-run.")
        } else {
            format!(
                "Fix what the error names ({}) and re-run.",
                fmt::clip_chars(msg.trim_end_matches('.'), 200)
            )
        },
    }
}

pub(super) fn publish(record: &RunRecord) -> Draft {
    let p = record.publish.clone().unwrap_or_default();
    let kept = match (&p.branch, p.pushed) {
        (Some(b), true) => format!(" The fix is on the pushed branch `{b}`."),
        (Some(b), false) => format!(" The fix is committed locally on `{b}` but was not pushed."),
        _ => String::new(),
    };
    let (headline, why, next_step) = match facts::publish_refusal(record) {
        PublishRefusal::ActionsMayNotOpenPrs => (
            "The fix passed, but GitHub Actions may not open pull requests here".to_string(),
            format!("GitHub refused to open the PR (403): the repository does not allow GitHub Actions to create pull requests.{kept}"),
            "Enable Settings → Actions → General → Allow GitHub Actions to create and approve pull requests, then re-run the workflow."
                .to_string(),
        ),
        PublishRefusal::WorkflowFile => (
            "The push was refused because the fix touches a workflow file".to_string(),
            format!("GitHub refuses pushes from GITHUB_TOKEN that change .github/workflows/ without the `workflows` permission.{kept}"),
            "Add `.github/workflows/` to `protected_paths` in .github/octagit.yml so the agent leaves workflow files alone, and re-run."
                .to_string(),
        ),
        PublishRefusal::TokenScope => (
            "The token may not push or open pull requests".to_string(),
            format!("GitHub refused the request with the workflow's token.{kept}"),
            "Add `permissions: { contents: write, pull-requests: write, issues: write }` to the workflow job and re-run."
                .to_string(),
        ),
        PublishRefusal::PrNotOpened(url) => (
            "The fix passed, but the pull request could not be opened".to_string(),
            format!("Opening the PR failed.{kept}"),
            format!("Open the pull request by hand: {url}"),
        ),
        PublishRefusal::Other => (
            "The fix passed, but it could not be published".to_string(),
            format!("Pushing the branch or opening the PR failed.{kept}"),
            "Check the error below (network, branch protection, token scope) and re-run the workflow.".to_string(),
        ),
    };
    Draft {
        headline,
        why,
        next_step,
    }
}

pub(super) fn cancelled(record: &RunRecord) -> Draft {
    let pushed = record.publish.as_ref().is_some_and(|p| p.pushed);
    Draft {
        headline: "The run was cancelled".into(),
        why: format!(
            "The run was stopped by the user or the client before it finished.{}",
            if pushed {
                " A branch had already been pushed."
            } else {
                " Nothing was published."
            }
        ),
        next_step: format!("Re-run{} when ready.", rerun_suffix(record)),
    }
}

pub(super) fn internal(record: &RunRecord) -> Draft {
    let msg = facts::failure_message(record);
    Draft {
        headline: "OctaGit hit an internal error".into(),
        why: format!(
            "{}This is a bug or an environment fault on OctaGit's side, not something the issue or the models did.",
            if msg.is_empty() {
                String::new()
            } else {
                format!("{msg} ")
            }
        ),
        next_step: format!(
            "Open an issue at {} with run.json from the run directory attached (it is redacted).",
            issues_url()
        ),
    }
}
