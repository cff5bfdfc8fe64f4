//! The one integration-test binary. Each capability has a module; `support` holds the
//! mock LLM server, the mock GitHub API and the temp repo builder.

mod action;
mod advisor;
mod advisor_eval;
mod agent;
mod audit;
mod behaviour;
mod chain;
mod chroot;
mod config;
mod faults;
mod gate;
mod gate_runners;
mod ghfaults;
mod index;
mod injection;
mod mcp;
mod proptests;
mod providers;
mod rank;
mod reports;
mod sandbox;
mod strange_repo;
mod tidy;
mod support;
mod tools;
