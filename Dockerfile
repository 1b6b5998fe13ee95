# simcloud in a container, for the array jobs of AWS Batch and Kubernetes
# (`simcloud compare SCENARIO.toml --emit aws-batch|k8s --shards N` prints the jobs).
# Build from the project's folder:
#   docker build -t simcloud .
# The image's entry point is `simcloud`; it runs in /simcloud, which holds the shipped
# scenarios (`simcloud compare scenarios/compare-pricing.toml ...`). A comparison's
# shards and merge share its folder through a volume mounted where the emitted job
# says (/simcloud/results for the default output folders).
FROM rust:1-bookworm AS build
WORKDIR /src
# Cargo.toml declares the benches: their files must be there for any build.
COPY Cargo.toml Cargo.lock ./
COPY src src
COPY benches benches
RUN cargo build --release --locked --bin simcloud

FROM debian:bookworm-slim
COPY --from=build /src/target/release/simcloud /usr/local/bin/simcloud
WORKDIR /simcloud
COPY scenarios scenarios
ENTRYPOINT ["simcloud"]
