#!/usr/bin/env bash
# Runs each cargo-fuzz target of fuzz/ for a bounded time, one after the other:
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]
#
# SECONDS per target (default 60); every target unless some are named (`cargo +nightly
# fuzz list` lists them). Needs a nightly toolchain and cargo-fuzz (`cargo install
# cargo-fuzz --locked`); CI does not run it. One process and one rayon thread per target,
# so that it takes one core. Each target starts from its seeds (fuzz/corpus/<target>/) and
# the regression inputs (tests/fuzz-regressions/<target>/), with its dictionary; what it
# finds new goes to fuzz/corpus/<target>/ (ignored by git). A crash, timeout or
# out-of-memory input is saved under fuzz/artifacts/<target>/ and the script exits 1:
# fix it, then add the input to tests/fuzz-regressions/<target>/, which `cargo test
# --test fuzz` replays on stable through the same kroute::fuzzing function.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

seconds="${1:-60}"
if [[ ! "${seconds}" =~ ^[1-9][0-9]*$ ]]; then
    echo "usage: scripts/fuzz.sh [SECONDS] [TARGET...]" >&2
    exit 2
fi
shift $(($# > 0 ? 1 : 0))

if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    echo "fuzz.sh: needs a nightly toolchain and cargo-fuzz:" >&2
    echo "  rustup toolchain install nightly && cargo install cargo-fuzz --locked" >&2
    exit 2
fi

targets=("$@")
if ((${#targets[@]} == 0)); then
    mapfile -t targets < <(cargo +nightly fuzz list)
fi

failed=()
for target in "${targets[@]}"; do
    dict="fuzz/dict/${target}.dict"
    [[ -f "${dict}" ]] || dict="fuzz/dict/yaml.dict"
    mkdir -p "fuzz/corpus/${target}" "tests/fuzz-regressions/${target}"
    echo "==> ${target}: ${seconds} s"
    # No sanitizer: kroute is safe Rust, and ASan would halve the executions per second.
    # Ten seconds for one input is a hang; 2 GiB for a small input is a leak or a blow-up.
    if ! RAYON_NUM_THREADS=1 cargo +nightly fuzz run --sanitizer none "${target}" \
        "fuzz/corpus/${target}" "tests/fuzz-regressions/${target}" -- \
        -max_total_time="${seconds}" -jobs=1 -timeout=10 -rss_limit_mb=2048 \
        -dict="${dict}" -print_final_stats=1; then
        failed+=("${target}")
    fi
    # With -jobs, libFuzzer writes the run's log to fuzz-0.log in the current directory.
    if [[ -f fuzz-0.log ]]; then
        grep -E '^(stat::|#[0-9]+ +DONE|==[0-9]+== ERROR|SUMMARY)' fuzz-0.log || true
        mv fuzz-0.log "fuzz/${target}.log"
    fi
done

if ((${#failed[@]} > 0)); then
    echo "fuzz.sh: failed: ${failed[*]} (inputs in fuzz/artifacts/)" >&2
    exit 1
fi
