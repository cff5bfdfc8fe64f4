//! The one integration-test binary. Each capability has a module; `support` holds the
//! mock LLM server, the mock GitHub API and the temp repo builder.

mod agent;
mod audit;
mod providers;
mod reports;
mod index;
mod support;
