# syntax=docker/dockerfile:1
# The tributary image: the operator (`tributary operator`), the worker and the REST
# sidecar are one binary; the chart and the operator's worker StatefulSets run it with
# different arguments.
#
#   docker build -t ghcr.io/tributary-dev/tributary:0.1.0 .
#
# The default image has no JVM. Java connector plugins (plugin.path; a KafkaConnect's
# spec.plugins) need the variant with a headless JRE 17 and the plugin host, built from
# plugin-host/ by Maven and installed at /usr/share/tributary/plugin-host; the operator
# runs the workers of a KafkaConnect with spec.plugins in it (tag `<version>-jre`):
#
#   docker build --target tributary-jre -t ghcr.io/tributary-dev/tributary:0.1.0-jre .
#
# The default target is the last stage (`tributary`): with BuildKit, a default build
# skips the Maven and JRE stages entirely.
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

# ---- plugin host: the Java side of Java connector plugins, built from source -----------
# scripts/build-plugin-host runs Maven with the lab's Kafka, Log4j and SLF4J versions
# (tests/lab/versions.env); plugin-host/target/host/ is the host jar beside its runtime
# dependencies (Apache's connect-runtime of that Kafka version).
FROM maven:3.9-eclipse-temurin-17 AS plugin-host
WORKDIR /src
COPY tests/lab/versions.env tests/lab/versions.env
COPY scripts/build-plugin-host scripts/build-plugin-host
COPY plugin-host plugin-host
RUN --mount=type=cache,target=/root/.m2 \
    MAVEN_REPO=/root/.m2/repository scripts/build-plugin-host --force

# ---- runtime base: small Debian with the shared libraries the binary links -------------
# (librdkafka uses the system OpenSSL, Cyrus SASL + GSSAPI plugin, libcurl and zstd).
FROM debian:${DEBIAN_RELEASE}-slim AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates zlib1g libssl3 libcurl4 libzstd1 \
      libsasl2-2 libsasl2-modules-gssapi-mit \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 65532 tributary \
 && useradd --system --uid 65532 --gid 65532 --no-create-home --shell /usr/sbin/nologin tributary
# Operator metrics/health 8080, Connect REST 8083, worker health 8084.
EXPOSE 8080 8083 8084
ENTRYPOINT ["/usr/local/bin/tributary"]
CMD ["--help"]

# ---- tributary-jre: the runtime with a headless JRE 17 and the plugin host -------------
# (`docker build --target tributary-jre`). Debian's OpenJDK puts `java` on the PATH, which
# the plugin host uses unless TRIBUTARY_PLUGIN_HOST_JAVA or JAVA_HOME says otherwise.
# The mkdir works around the openjdk package's postinst, which expects man1 in slim images.
FROM runtime AS tributary-jre
RUN mkdir -p /usr/share/man/man1 \
 && apt-get update \
 && apt-get install -y --no-install-recommends openjdk-17-jre-headless \
 && rm -rf /var/lib/apt/lists/*
COPY --from=plugin-host /src/plugin-host/target/host /usr/share/tributary/plugin-host
ENV TRIBUTARY_PLUGIN_HOST_CLASSPATH=/usr/share/tributary/plugin-host
COPY --from=builder /usr/local/bin/tributary /usr/local/bin/tributary
# Numeric user so Kubernetes' runAsNonRoot can verify it without reading /etc/passwd.
USER 65532:65532

# ---- tributary (the default target, last): the runtime without a JVM -------------------
FROM runtime AS tributary
COPY --from=builder /usr/local/bin/tributary /usr/local/bin/tributary
USER 65532:65532
