//! Shared test support: temp git repos, mock servers on loopback.
#![allow(dead_code)]

pub mod browser;
pub mod mock_github;
pub mod mock_llm;
pub mod repo;
pub mod value_fix;

/// The binary takes `scripted/` slugs from its config, inputs and flags only with this set
/// (test-only; `octagit::config::ALLOW_SCRIPTED_VAR`). Every spawn that names a scripted
/// model sets it.
pub const ALLOW_SCRIPTED: (&str, &str) = ("OCTAGIT_ALLOW_SCRIPTED", "1");
