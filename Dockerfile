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
# What a repository's own test command needs, out of the box:
# - git (many test suites call it), ca-certificates (HTTPS to GitHub and the providers);
# - python3 with pytest, and a virtual environment on PATH (/opt/venv, created with
#   --system-site-packages so Debian's pytest is importable): `python` and `pip` exist, and
#   `setup-command: pip install -e .[test]` installs into the venv instead of being refused
#   by Debian's PEP 668 guard ("externally-managed-environment");
# - nodejs and npm, for `npm test`;
# - bubblewrap, the sandbox for the commands the agent causes, where the container may
#   create namespaces (else OctaGit drops to another uid).
# tests/it/chroot.rs builds this stage's filesystem from the package list below with
# mmdebstrap and runs `octagit action` inside it, so keep the list on the install line.
# Size: the root filesystem is ~392 MiB before the binary (measured by that test; npm and
# its node-* modules are the largest part). README "The container image" has the figure.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends git ca-certificates python3 python3-venv python3-pytest nodejs npm bubblewrap \
 && rm -rf /var/lib/apt/lists/*
RUN python3 -m venv --system-site-packages /opt/venv
ENV VIRTUAL_ENV=/opt/venv
ENV PATH=/opt/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
COPY --from=build /src/target/release/octagit /usr/local/bin/octagit
# The runner mounts the workspace here and makes it the working directory.
WORKDIR /github/workspace
ENTRYPOINT ["/usr/local/bin/octagit"]
CMD ["action"]
