//! Shared test support: temp git repos, mock servers on loopback.
#![allow(dead_code)]

pub mod browser;
pub mod mock_github;
pub mod mock_llm;
pub mod repo;
