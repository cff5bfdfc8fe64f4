//! The MCP stdio server: the same engine as the CLI, offered to any MCP client (Claude
//! Code, Copilot, ...) as four tools. stdout is the protocol; logs go to stderr.
//!
//! Every failure a caller can cause is a tool result with `isError: true` and a next step,
//! never a crashed server: bad arguments included (MCP asks for input errors as tool
//! errors so the calling model can correct itself). Only an unknown tool name is a
//! JSON-RPC error, as the spec says.

mod params;
mod source;
mod tools;

use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::tool::ToolCallContext;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, ErrorCode,
    Implementation, ServerCapabilities, ServerConfig,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler, ServiceExt, tool, tool_router};

pub use params::{AuditParams, OpenPrParams, RunParams, TerrainParams};

const INSTRUCTIONS: &str = "OctaGit turns an issue into a tested fix. `octagit_run` runs the whole pipeline \
(index, model audit, agent, the repo's own tests as the gate) on a local path or a git URL and returns the \
status, diff, advice and run directory; it is long: it sends progress when you pass a progressToken and stops \
cleanly when cancelled. `octagit_audit` says which models can do the job and what it costs, `octagit_terrain` \
maps the repository, `octagit_open_pr` pushes prepared edits as a draft PR (needs GITHUB_TOKEN).";

#[derive(Clone)]
pub struct OctaGitServer {
    tool_router: ToolRouter<Self>,
}

impl Default for OctaGitServer {
    fn default() -> Self {
        Self::new()
    }
}

#[tool_router]
impl OctaGitServer {
    pub fn new() -> Self {
        OctaGitServer {
            tool_router: Self::tool_router(),
        }
    }

    #[tool(
        name = "octagit_run",
        description = "Fix an issue: index the repository, audit the models, run the agent, and check the fix with \
the repository's own tests. Returns status, failure class, the advisor's headline/body/next step, the diff, the PR \
URL (with open_pr) and the run directory (report.html, run.json, patch.diff, terrain.svg). Takes minutes; sends \
one progress notification per stage when the request carries a progressToken; cancelling stops after the current \
step and still writes the artefacts.",
        annotations(
            title = "Fix an issue",
            // It edits the working tree of the repository it is given.
            destructive_hint = true,
            open_world_hint = true
        )
    )]
    async fn octagit_run(
        &self,
        Parameters(p): Parameters<RunParams>,
        ctx: RequestContext<RoleServer>,
    ) -> CallToolResult {
        tools::run(p, ctx).await
    }

    #[tool(
        name = "octagit_open_pr",
        description = "Publish edits already in a local clone's working tree: commit them to \
`octagit/issue-<n>-<title>`, push, and open a draft pull request (GITHUB_TOKEN needed). With `run_dir` the PR body \
carries that run's tests, models and cost; a run whose tests failed goes to a `-wip` branch without a PR.",
        annotations(
            title = "Open a draft PR",
            destructive_hint = false,
            open_world_hint = true
        )
    )]
    async fn octagit_open_pr(&self, Parameters(p): Parameters<OpenPrParams>) -> CallToolResult {
        tools::open_pr(p).await
    }

    #[tool(
        name = "octagit_audit",
        description = "Pre-flight audit: which models can do this job now (key present, reachable, tool support, \
context fit, rate-limit headroom), what a run would cost, and the fallback chain in the order it would be tried. \
Returns the audit report as JSON plus a table.",
        annotations(
            title = "Audit the models",
            read_only_hint = true,
            open_world_hint = true
        )
    )]
    async fn octagit_audit(&self, Parameters(p): Parameters<AuditParams>) -> CallToolResult {
        tools::audit(p).await
    }

    #[tool(
        name = "octagit_terrain",
        description = "Draw the repository as a terrain map (SVG: peaks are the densest code) and describe where \
the code mass is. Returns the SVG's path and a short text description of the peaks.",
        annotations(
            title = "Map the repository",
            read_only_hint = false,
            open_world_hint = false
        )
    )]
    async fn octagit_terrain(&self, Parameters(p): Parameters<TerrainParams>) -> CallToolResult {
        tools::terrain(p).await
    }
}

impl ServerHandler for OctaGitServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new(
                env!("CARGO_PKG_NAME"),
                env!("CARGO_PKG_VERSION"),
            ))
            .with_instructions(INSTRUCTIONS)
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let name = request.name.to_string();
        if !self.tool_router.has_route(&name) {
            let known: Vec<String> = self
                .tool_router
                .list_all()
                .into_iter()
                .map(|t| t.name.to_string())
                .collect();
            return Err(ErrorData::invalid_params(
                format!(
                    "unknown tool `{name}`: this server has {}",
                    known.join(", ")
                ),
                None,
            ));
        }
        let tcc = ToolCallContext::new(self, request, context);
        let bad_arguments = |detail: &str| {
            Ok(tools::failure(&source::ToolFailure::new(
                format!("invalid arguments for `{name}`: {}", detail.trim()),
                "call again with arguments that match the tool's inputSchema (see tools/list)",
            ))
            .into())
        };
        // rmcp answers arguments that do not deserialize with a bare tool error; ours adds
        // the next step. The tools themselves never fail at the protocol level.
        match self.tool_router.call(tcc).await {
            Ok(CallToolResponse::Complete(r)) if argument_error(&r).is_some() => {
                bad_arguments(argument_error(&r).unwrap_or_default())
            }
            Err(e) if e.code == ErrorCode::INVALID_PARAMS => bad_arguments(&e.message),
            other => other,
        }
    }

    async fn list_tools(
        &self,
        _request: Option<rmcp::model::PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<rmcp::model::ListToolsResult, ErrorData> {
        Ok(rmcp::model::ListToolsResult::with_all_items(
            self.tool_router.list_all(),
        ))
    }

    fn get_tool(&self, name: &str) -> Option<rmcp::model::Tool> {
        self.tool_router.get(name).cloned()
    }
}

/// The deserializer's complaint, when `r` is rmcp's answer to arguments that do not fit.
fn argument_error(r: &CallToolResult) -> Option<&str> {
    const PREFIX: &str = "failed to deserialize parameters:";
    if r.is_error != Some(true) || r.structured_content.is_some() {
        return None;
    }
    match r.content.first() {
        Some(ContentBlock::Text(t)) => t.text.strip_prefix(PREFIX),
        _ => None,
    }
}

/// Serve on stdin/stdout until the client closes the connection.
pub async fn serve_stdio() -> anyhow::Result<()> {
    let service = OctaGitServer::new()
        .serve(rmcp::transport::stdio_pipes())
        .await
        .map_err(|e| anyhow::anyhow!("the MCP handshake failed: {e}; start `octagit mcp` from an MCP client, not a terminal"))?;
    service
        .waiting()
        .await
        .map_err(|e| anyhow::anyhow!("the MCP server stopped: {e}"))?;
    Ok(())
}
