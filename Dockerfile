# syntax=docker/dockerfile:1
#
# overexposed in a container: a static (musl) binary on a small Alpine runtime, as a non-root
# user. Build:  docker build -t overexposed .
# Run:          docker run --rm --user "$(id -u)" -v "$PWD:/work" -e AWS_REGION \
#                 -e AWS_ACCESS_KEY_ID -e AWS_SECRET_ACCESS_KEY -e AWS_SESSION_TOKEN \
#                 overexposed audit -o results.json -o results.sarif
#
# Alpine's Rust targets musl, and musl binaries link statically by default: the binary needs
# nothing from the runtime image but the CA bundle (the AWS SDK speaks TLS through rustls and
# reads the system's trust store).

ARG RUST_VERSION=1.95
ARG ALPINE_VERSION=3.23

FROM rust:${RUST_VERSION}-alpine${ALPINE_VERSION} AS build
# aws-lc-sys (the SDK's TLS crypto) compiles C; cmake and perl cover its fallback build path.
# Alpine removes superseded package versions, so pinning them would break the build.
# hadolint ignore=DL3018
RUN apk add --no-cache musl-dev cmake make perl
WORKDIR /src
COPY Cargo.toml Cargo.lock build.rs ./
COPY src ./src
COPY rules ./rules
# Cargo.toml declares the benchmark target: the manifest does not load without its file.
COPY benches ./benches
RUN cargo build --release --locked --bin overexposed \
    && cp target/release/overexposed /usr/local/bin/overexposed \
    && /usr/local/bin/overexposed --version

FROM alpine:${ALPINE_VERSION}
# Alpine's base image already carries the CA bundle (ca-certificates-bundle). The shell stays:
# the Kubernetes Indexed Job example computes its shard number with it.
RUN adduser -D -H -u 10001 -s /sbin/nologin overexposed \
    && mkdir /work \
    && chown overexposed:overexposed /work
COPY --from=build /usr/local/bin/overexposed /usr/local/bin/overexposed
USER 10001:10001
# Reports are written here by default: mount a directory (and run with --user "$(id -u)") to
# keep them.
WORKDIR /work
ENTRYPOINT ["overexposed"]
CMD ["--help"]
