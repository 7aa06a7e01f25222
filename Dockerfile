# syntax=docker/dockerfile:1
# The tributary image: the operator (`tributary operator`), the worker and the REST
# sidecar are one binary; the chart and the operator's worker StatefulSets run it with
# different arguments.
#
#   docker build -t ghcr.io/tributary-dev/tributary:0.1.0 .
#
# NOTE: not built or tested on the development machine this was written on (no container
# runtime, no network to a registry); the chart and tests/helm_chart.rs exercise the
# binary directly. Treat the first build as a check of this file.

ARG RUST_VERSION=1.95
ARG DEBIAN_RELEASE=bookworm

# ---- builder: rust toolchain plus what rdkafka-sys needs to compile librdkafka ----------
FROM rust:${RUST_VERSION}-${DEBIAN_RELEASE} AS builder
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      build-essential cmake pkg-config python3 perl zlib1g-dev libssl-dev libcurl4-openssl-dev \
      libsasl2-dev libzstd-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
# bench/ holds the manifest's [[example]]: cargo refuses a manifest whose targets are missing.
COPY bench ./bench
COPY crds ./crds
COPY src ./src
# Cache mounts keep the registry and librdkafka's build between image builds.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bin tributary \
 && install -m 0755 target/release/tributary /usr/local/bin/tributary

# ---- runtime: small Debian with the shared libraries the binary links ------------------
# (librdkafka uses the system OpenSSL, Cyrus SASL + GSSAPI plugin, libcurl and zstd).
FROM debian:${DEBIAN_RELEASE}-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates zlib1g libssl3 libcurl4 libzstd1 \
      libsasl2-2 libsasl2-modules-gssapi-mit \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 65532 tributary \
 && useradd --system --uid 65532 --gid 65532 --no-create-home --shell /usr/sbin/nologin tributary
COPY --from=builder /usr/local/bin/tributary /usr/local/bin/tributary
# Numeric user so Kubernetes' runAsNonRoot can verify it without reading /etc/passwd.
USER 65532:65532
# Operator metrics/health 8080, Connect REST 8083, worker health 8084.
EXPOSE 8080 8083 8084
ENTRYPOINT ["/usr/local/bin/tributary"]
CMD ["--help"]
