#!/usr/bin/env bash
# Measures `kroute check` and `kroute check --parse-only` on generated corpora: for each
# size (apps), the median of RUNS runs of wall time, documents/s, MB/s and peak RSS, as a
# Markdown table (the README's "Performance" section is its output).
#
#   scripts/bench.sh                  # 1000 10000 50000 100000 apps
#   scripts/bench.sh 1000 10000       # chosen sizes
#
# Environment: RUNS (default 5), BENCH_DIR (where corpora are kept and reused, default
# $TMPDIR/kroute-bench), GEN_CORPUS (default ../shared/bench/gen-corpus next to the
# repository). Needs GNU time (/usr/bin/time) for peak RSS.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
gen=${GEN_CORPUS:-$root/../shared/bench/gen-corpus}
runs=${RUNS:-5}
dir=${BENCH_DIR:-${TMPDIR:-/tmp}/kroute-bench}
sizes=("$@")
if [ ${#sizes[@]} -eq 0 ]; then
    sizes=(1000 10000 50000 100000)
fi

if [ ! -x "$gen" ]; then
    echo "bench.sh: skipped: no corpus generator at $gen (set GEN_CORPUS)" >&2
    exit 0
fi
if [ ! -x /usr/bin/time ]; then
    echo "bench.sh: needs GNU time at /usr/bin/time (apt-get install time)" >&2
    exit 2
fi
for apps in "${sizes[@]}"; do
    case $apps in
        '' | *[!0-9]*)
            echo "bench.sh: not a number of apps: $apps" >&2
            exit 2
            ;;
    esac
done

cargo build --release --quiet --manifest-path "$root/Cargo.toml"
kroute=$root/target/release/kroute
mkdir -p "$dir"

# The median of the numbers on stdin, one a line.
median() {
    sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# Generates the corpus of $1 apps unless kept from an earlier run; prints "documents MB".
corpus() {
    local apps=$1 out=$dir/apps-$1
    if [ ! -f "$out.summary" ]; then
        rm -rf "$out"
        "$gen" --out "$out" --apps "$apps" >"$out.summary"
    fi
    # gen-corpus says: wrote N files, D documents, S MB, …
    sed -n 's/^wrote [0-9]* files, \([0-9]*\) documents, \([0-9.]*\) MB.*/\1 \2/p' "$out.summary"
}

# Runs kroute $runs times on corpus $1 with extra arguments; prints "wall_s rss_kb" medians.
measure() {
    local corpus=$1 walls rsses status
    shift
    walls=$(mktemp) rsses=$(mktemp)
    for _ in $(seq "$runs"); do
        status=0
        /usr/bin/time -f '%e %M' -o "$dir/time.txt" \
            "$kroute" check "$corpus" --format json "$@" >/dev/null 2>&1 || status=$?
        # 0 and 1 (findings) are runs that finished; anything else is a failure.
        if [ "$status" -gt 1 ]; then
            echo "bench.sh: kroute exited $status on $corpus" >&2
            exit 1
        fi
        read -r wall rss <"$dir/time.txt"
        echo "$wall" >>"$walls"
        echo "$rss" >>"$rsses"
    done
    echo "$(median <"$walls") $(median <"$rsses")"
    rm -f "$walls" "$rsses"
}

echo "kroute $("$kroute" --version | cut -d' ' -f2), $(nproc) CPUs, $(date -u +%Y-%m-%d), medians of $runs runs"
echo
echo "| apps | documents | MB | mode | wall s | documents/s | MB/s | peak RSS MiB |"
echo "|---:|---:|---:|---|---:|---:|---:|---:|"
for apps in "${sizes[@]}"; do
    read -r docs mb < <(corpus "$apps")
    for mode in check parse-only; do
        if [ "$mode" = check ]; then
            read -r wall rss < <(measure "$dir/apps-$apps")
        else
            read -r wall rss < <(measure "$dir/apps-$apps" --parse-only)
        fi
        awk -v apps="$apps" -v docs="$docs" -v mb="$mb" -v mode="$mode" -v wall="$wall" -v rss="$rss" \
            'BEGIN { printf "| %d | %d | %.1f | %s | %.2f | %.0f | %.1f | %.0f |\n", apps, docs, mb, mode, wall, docs / wall, mb / wall, rss / 1024 }'
    done
done
