//! `octagit mcp`: serve the Model Context Protocol over stdio until the client hangs up.
//! Nothing may be printed to stdout here: it carries the protocol.

use crate::cli::{McpArgs, exit};

pub async fn run(_args: &McpArgs) -> anyhow::Result<i32> {
    crate::secret::register_env_secrets();
    tracing::info!("octagit {} serving MCP on stdio", env!("CARGO_PKG_VERSION"));
    crate::mcp::serve_stdio().await?;
    Ok(exit::OK)
}
