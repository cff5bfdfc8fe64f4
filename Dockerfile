# syntax=docker/dockerfile:1.7
# OctaGit container action image. Built for linux/amd64 and linux/arm64 by
# .github/workflows/release.yml on each tag and pulled by action.yml (docker://...), so a
# workflow run never compiles Rust.

# --- build ---------------------------------------------------------------------------
FROM rust:1.95-bookworm AS build
WORKDIR /src
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends pkg-config libssl-dev \
 && rm -rf /var/lib/apt/lists/*

# Dependencies first: this layer is reused until Cargo.toml or Cargo.lock change.
COPY Cargo.toml Cargo.lock ./
RUN mkdir -p src \
 && echo 'fn main() {}' > src/main.rs \
 && echo '' > src/lib.rs \
 && cargo build --release --locked --bin octagit \
 && rm -rf src target/release/.fingerprint/octagit-*

COPY src ./src
COPY demo ./demo
RUN cargo build --release --locked --bin octagit \
 && strip target/release/octagit \
 && ./target/release/octagit --version

# --- runtime -------------------------------------------------------------------------
FROM debian:bookworm-slim
# git: the test commands of many repos call it; ca-certificates: HTTPS to GitHub and the
# model providers; python3/pip/venv: the most common test suites run in-container
# (`setup-command` installs the rest); bubblewrap: the sandbox for the commands the agent
# causes, where the container may create namespaces (else OctaGit drops to another uid).
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends git ca-certificates python3 python3-pip python3-venv bubblewrap \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/target/release/octagit /usr/local/bin/octagit
# The runner mounts the workspace here and makes it the working directory.
WORKDIR /github/workspace
ENTRYPOINT ["/usr/local/bin/octagit"]
CMD ["action"]
