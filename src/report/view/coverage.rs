//! Which surface shows which section, as one table, and the test that holds every surface
//! to it: a section a surface claims to show must carry the section's facts there.

/// The sections of a report, in reading order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Section {
    Header,
    Advice,
    Publish,
    Sandbox,
    Tests,
    Proof,
    Changes,
    Hops,
    Cost,
    Audit,
    Terrain,
    Transcript,
    Warnings,
}

impl Section {
    pub(crate) const ALL: [Section; 13] = [
        Section::Header,
        Section::Advice,
        Section::Publish,
        Section::Sandbox,
        Section::Tests,
        Section::Proof,
        Section::Changes,
        Section::Hops,
        Section::Cost,
        Section::Audit,
        Section::Terrain,
        Section::Transcript,
        Section::Warnings,
    ];
}

/// The four places a run is reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Surface {
    Summary,
    Html,
    PrBody,
    Progress,
}

impl Surface {
    pub(crate) const ALL: [Surface; 4] = [
        Surface::Summary,
        Surface::Html,
        Surface::PrBody,
        Surface::Progress,
    ];
}

/// Whether a surface shows a section, or why it leaves it out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Coverage {
    Shown,
    Left(&'static str),
}

/// The one table of which surface shows which section. Every arm is spelled out so that a
/// new section cannot be added to one surface and forgotten in another.
pub(crate) fn coverage(surface: Surface, section: Section) -> Coverage {
    use Coverage::{Left, Shown};
    use Section as S;
    match surface {
        Surface::Summary => match section {
            S::Transcript => Left("too long for a job summary; report.html has it"),
            S::Header
            | S::Advice
            | S::Publish
            | S::Sandbox
            | S::Tests
            | S::Proof
            | S::Changes
            | S::Hops
            | S::Cost
            | S::Audit
            | S::Terrain
            | S::Warnings => Shown,
        },
        Surface::Html => match section {
            S::Header
            | S::Advice
            | S::Publish
            | S::Sandbox
            | S::Tests
            | S::Proof
            | S::Changes
            | S::Hops
            | S::Cost
            | S::Audit
            | S::Terrain
            | S::Transcript
            | S::Warnings => Shown,
        },
        Surface::PrBody => match section {
            S::Publish => Left("the PR body is written before the PR exists"),
            S::Sandbox => Left("the reviewer reads the diff; isolation is in the job summary"),
            S::Audit => Left("the audit is about choosing models, not about the change"),
            S::Terrain => Left("the terrain picture is added to the PR by the assets step"),
            S::Transcript => Left("too long for a PR body; report.html has it"),
            S::Warnings => Left("run warnings are for the operator, in the job summary"),
            S::Header | S::Advice | S::Tests | S::Proof | S::Changes | S::Hops | S::Cost => Shown,
        },
        Surface::Progress => match section {
            S::Header => Left("the comment sits on the issue; its heading says the outcome"),
            S::Terrain => Left("only the published picture, when there is one"),
            S::Proof => Left("the PR body and the job summary carry the test-change proof"),
            S::Changes => Left("the comment links the PR or branch, which holds the change"),
            S::Sandbox => Left("isolation is in the job summary"),
            S::Audit => Left("the audit table is in the job summary"),
            S::Transcript => Left("too long for a comment; report.html has it"),
            S::Warnings => Left("run warnings are for the operator, in the job summary"),
            S::Advice | S::Publish | S::Tests | S::Hops | S::Cost => Shown,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::RunArtefacts;
    use crate::report::view::View;
    use crate::run_record::*;

    fn run(success: bool, failed: &[&str]) -> TestRun {
        TestRun {
            exit_code: Some(if success { 0 } else { 1 }),
            success,
            duration_ms: 2_000,
            failed_tests: failed.iter().map(|s| s.to_string()).collect(),
            passed_count: Some(40),
            failed_count: Some(failed.len() as u64),
            output_tail: "1 failed, 40 passed\n".into(),
            ..Default::default()
        }
    }

    fn hop(i: usize, model: &str, class: Option<crate::failure::FailureClass>) -> HopAttempt {
        HopAttempt {
            hop: i,
            model: model.into(),
            provider: model.split('/').next().unwrap_or("").into(),
            class,
            status: Some(if class.is_some() { 429 } else { 200 }),
            error: class.map(|_| "rate limited".to_string()),
            tokens_in: 12_300,
            tokens_out: 400,
            cost_usd: 0.0123,
            action: "next hop".into(),
            ..Default::default()
        }
    }

    /// A failed run that has something in every section.
    fn record() -> RunRecord {
        let mut r = RunRecord::new(
            "run-cover-1",
            TaskInfo {
                repo_slug: Some("acme/widgets".into()),
                issue_number: Some(42),
                issue_title: "split lines drops the last line".into(),
                issue_url: Some("https://github.com/acme/widgets/issues/42".into()),
                origin: "action".into(),
                ..Default::default()
            },
            false,
        );
        r.status = RunStatus::Failed;
        r.stages.push(StageRecord {
            name: "gate".into(),
            status: StageStatus::Failed,
            duration_ms: 2_100,
            note: None,
        });
        r.gate.command = Some("pytest -q".into());
        r.gate.baseline = Some(run(false, &["tests/test_lines.py::test_trailing"]));
        r.gate.after = Some(run(false, &["tests/test_text.py::test_join"]));
        r.gate.passed = Some(false);
        r.gate.verdict = Some("1 test that passed before fails after the edit.".into());
        r.gate.flaky = vec!["tests/test_io.py::test_clock".into()];
        r.gate.test_changes = Some(TestChanges {
            files: vec!["tests/test_lines.py".into()],
            added: vec!["tests/test_lines.py::test_new_case".into()],
            proofs: vec![TestProof {
                test: "tests/test_lines.py::test_new_case".into(),
                before: Some(TestOutcome::Failed),
                after: Some(TestOutcome::Passed),
                proven: true,
            }],
            note: None,
        });
        r.hops = vec![
            hop(
                0,
                "anthropic/claude-sonnet-4-5",
                Some(crate::failure::FailureClass::Rate),
            ),
            hop(1, "openai/gpt-4o-mini", None),
        ];
        r.handoffs = vec![Handoff {
            from: "anthropic/claude-sonnet-4-5".into(),
            to: "openai/gpt-4o-mini".into(),
            reason: "rate limited".into(),
            summary: "read src/lines.py".into(),
            at_turn: 2,
        }];
        r.turns = 3;
        r.tokens_in = 24_600;
        r.tokens_out = 800;
        r.cost_usd = 0.0246;
        r.files_edited = vec!["src/widgets/lines.py".into()];
        r.diff = Some("+x\n".into());
        r.diff_stat = Some(DiffStat {
            files: 1,
            insertions: 1,
            deletions: 0,
        });
        r.finish_summary = Some("appends the rest".into());
        r.index = Some(IndexSummary {
            files: 12,
            parsed: 12,
            symbols: 80,
            duration_ms: 300,
            ..Default::default()
        });
        r.audit = Some(AuditReport {
            chain: vec![
                "anthropic/claude-sonnet-4-5".into(),
                "openai/gpt-4o-mini".into(),
            ],
            ..Default::default()
        });
        r.publish = Some(PublishRecord {
            branch: Some("octagit/issue-42-split-lines-wip".into()),
            pushed: true,
            ..Default::default()
        });
        r.sandbox = Some(crate::sandbox::SandboxRecord {
            level: crate::sandbox::Level::Bubblewrap,
            label: "bubblewrap, no network".into(),
            ..Default::default()
        });
        r.warnings = vec!["the progress comment could not be updated".into()];
        r.advice = Some(Advice {
            author: "built-in".into(),
            headline: "The fix breaks tests that passed before".into(),
            body: "See the table.".into(),
            next_step: "Read the failing test and re-run.".into(),
        });
        r
    }

    /// The facts a surface showing `section` must carry, as plain text.
    fn facts(view: &View, section: Section) -> Vec<String> {
        let h = &view.header;
        match section {
            Section::Header => vec![h.run_id.clone(), "#42".into()],
            Section::Advice => vec![
                view.advice.advice.headline.clone(),
                view.advice.advice.next_step.clone(),
            ],
            Section::Publish => view
                .publish
                .iter()
                .filter_map(|p| p.branch.clone())
                .collect(),
            Section::Sandbox => view.sandbox.iter().map(|s| s.label.clone()).collect(),
            Section::Tests => view
                .tests
                .iter()
                .flat_map(|t| t.failing_names().map(str::to_string))
                .collect(),
            Section::Proof => view
                .proof
                .flaky
                .iter()
                .chain(view.proof.changes.iter().flat_map(|c| &c.added))
                .cloned()
                .collect(),
            Section::Changes => view
                .changes
                .iter()
                .flat_map(|c| c.files_edited.clone())
                .collect(),
            Section::Hops => view.hops.iter().flat_map(|x| x.models.clone()).collect(),
            Section::Cost => vec![h.tokens_in.clone()],
            Section::Audit => view.audit.iter().flat_map(|a| a.chain.clone()).collect(),
            Section::Terrain => view.terrain.iter().map(|t| t.stats.clone()).collect(),
            Section::Transcript => vec!["I will read the file first.".into()],
            Section::Warnings => view.warnings.clone(),
        }
    }

    /// Markup and escapes out, so a fact reads the same in every medium.
    fn plain(text: &str) -> String {
        text.replace("<code>", "")
            .replace("</code>", "")
            .replace("<wbr>", "")
            .replace(['`', '\\'], "")
            .replace("&#124;", "|")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&")
    }

    fn render(surface: Surface, r: &RunRecord, artefacts: &RunArtefacts) -> String {
        match surface {
            Surface::Summary => crate::report::job_summary(r),
            Surface::Html => crate::report::html(r, artefacts),
            Surface::PrBody => crate::report::pr_body(r, 42, &[]),
            Surface::Progress => crate::report::progress::render_final(r, None),
        }
    }

    #[test]
    fn every_surface_shows_the_facts_of_the_sections_it_claims() {
        let r = record();
        let view = View::of(&r);
        let artefacts = RunArtefacts {
            trajectory: vec![
                serde_json::json!({"turn": 1, "role": "assistant", "content": "I will read the file first."}),
            ],
            terrain_svg: None,
        };
        let mut missing = vec![];
        for surface in Surface::ALL {
            let text = plain(&render(surface, &r, &artefacts));
            for section in Section::ALL {
                let facts = facts(&view, section);
                assert!(!facts.is_empty(), "the record has no {section:?} facts");
                for fact in facts {
                    let shown = text.contains(&plain(&fact));
                    match coverage(surface, section) {
                        Coverage::Shown if !shown => {
                            missing.push(format!("{surface:?} {section:?}: {fact:?}"))
                        }
                        _ => {}
                    }
                }
            }
        }
        assert!(missing.is_empty(), "facts missing: {missing:#?}");
    }

    #[test]
    fn the_test_rows_read_the_same_on_every_surface() {
        let r = record();
        for surface in Surface::ALL {
            let text = render(surface, &r, &RunArtefacts::default());
            for label in [super::super::BEFORE, super::super::AFTER] {
                assert!(text.contains(label), "{surface:?} lacks {label:?}:\n{text}");
            }
        }
    }
}
