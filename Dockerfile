# The image deploy/ runs: `docker build -t kroute:0.1.0 .` (scripts/webhook-e2e.sh does it
# with BUILD_IMAGE=1). The toolchain is the one kroute is developed and tested with.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin kroute

# glibc for the binary, nothing else: no shell, no package manager, user 65532.
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /src/target/release/kroute /usr/local/bin/kroute
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/kroute"]
