#!/usr/bin/env bash
# The steps of the GitHub Action (action.yml at the repository root):
#
#   github-action.sh key      which kroute to install, and the cache key for it
#   github-action.sh install  cargo install --locked that kroute into ~/.cargo
#   github-action.sh check    run `kroute check` with the action's inputs (INPUT_*), and
#                             write the errors, warnings and sarif-file outputs; with
#                             INPUT_FIX, also the patch of the safe fixes (`--diff`) and
#                             the fix-file output
#
# Values come from the environment that action.yml sets; outputs are appended to
# $GITHUB_OUTPUT. Kept in a file rather than inline so that it can be tested and linted.
set -euo pipefail

# The kroute the user asked for (`version`), or the action's own source when that is the
# action's ref or none was given. KROUTE_ACTION_REF and KROUTE_ACTION_REPOSITORY are empty
# when the action is used from the workspace (`uses: ./`).
key() {
    local version="${KROUTE_VERSION:-}" own="${KROUTE_ACTION_REF:-}" source id
    if [[ -z "${version}" || "${version}" == "${own}" ]]; then
        version="${own:-local}"
        source="path"
        # A branch moves: the source itself, not only the ref, decides whether the cached
        # build is current.
        id="${version}-$(source_digest "${GITHUB_ACTION_PATH}")"
    else
        if [[ -z "${KROUTE_ACTION_REPOSITORY:-}" ]]; then
            echo "::error title=kroute::version ${version} needs the action's repository, which is unknown when the action is used from the workspace" >&2
            exit 2
        fi
        source="${GITHUB_SERVER_URL:-https://github.com}/${KROUTE_ACTION_REPOSITORY}"
        id="${version}"
    fi
    {
        echo "version=${version}"
        echo "source=${source}"
        echo "key=kroute-${RUNNER_OS:-$(uname -s)}-${id}"
    } >>"${GITHUB_OUTPUT}"
}

# A digest of what the build reads from the action's source.
source_digest() {
    local dir="$1" file
    (
        cd "${dir}"
        find Cargo.toml Cargo.lock src platforms -type f | LC_ALL=C sort | while IFS= read -r file; do
            printf '%s\0' "${file}"
            cat "${file}"
        done
    ) | sha256 | cut -c1-16
}

sha256() {
    if command -v sha256sum >/dev/null 2>&1; then
        sha256sum
    else
        shasum -a 256
    fi
}

install() {
    local root="${HOME}/.cargo"
    if [[ "${KROUTE_SOURCE}" == "path" ]]; then
        cargo install --locked --force --root "${root}" --path "${GITHUB_ACTION_PATH}"
    else
        cargo install --locked --force --root "${root}" --git "${KROUTE_SOURCE}" --rev "${KROUTE_VERSION}" kroute
    fi
}

check() {
    local paths=() args=(check --format "${INPUT_FORMAT:-github}") report status=0
    # Separated by spaces or newlines; never glob-expanded.
    read -r -d '' -a paths <<<"${INPUT_PATHS:-.}" || true
    if ((${#paths[@]} == 0)); then
        paths=(.)
    fi
    if [[ -n "${INPUT_CONFIG:-}" ]]; then
        args+=(--config "${INPUT_CONFIG}")
    fi
    if [[ -n "${INPUT_FAIL_ON:-}" ]]; then
        args+=(--fail-on "${INPUT_FAIL_ON}")
    fi
    if [[ -n "${INPUT_BASELINE:-}" ]]; then
        args+=(--baseline "${INPUT_BASELINE}")
    fi
    if [[ -n "${INPUT_SARIF_FILE:-}" ]]; then
        mkdir -p "$(dirname "${INPUT_SARIF_FILE}")"
        args+=(--output "sarif=${INPUT_SARIF_FILE}")
    fi
    report="$(mktemp "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/kroute-report.XXXXXX")"
    args+=(--output "json=${report}")

    kroute "${args[@]}" -- "${paths[@]}" || status=$?

    if [[ -s "${report}" ]]; then
        counts "${report}" >>"${GITHUB_OUTPUT}"
    fi
    echo "sarif-file=${INPUT_SARIF_FILE:-}" >>"${GITHUB_OUTPUT}"
    rm -f "${report}"
    if [[ -n "${INPUT_FIX:-}" ]]; then
        patch "${paths[@]}"
    fi
    return "${status}"
}

# The safe fixes of the findings on PATHS as a patch at INPUT_FIX (`kroute check --diff`,
# which writes no manifest), and the fix-file output: the path, or empty when there is
# nothing to fix.
patch() {
    local args=(check --diff) status=0
    if [[ -n "${INPUT_CONFIG:-}" ]]; then
        args+=(--config "${INPUT_CONFIG}")
    fi
    mkdir -p "$(dirname "${INPUT_FIX}")"
    kroute "${args[@]}" -- "$@" >"${INPUT_FIX}" || status=$?
    case "${status}" in
    0) echo "fix-file=" >>"${GITHUB_OUTPUT}" ;;
    1) echo "fix-file=${INPUT_FIX}" >>"${GITHUB_OUTPUT}" ;;
    *)
        echo "::error title=kroute::kroute check --diff failed (exit ${status})" >&2
        exit "${status}"
        ;;
    esac
}

# `errors=N` and `warnings=N` from the summary of a JSON report.
counts() {
    python3 - "$1" <<'EOF'
import json
import sys

with open(sys.argv[1], encoding="utf-8") as report:
    summary = json.load(report)["summary"]
print(f"errors={summary['errors']}")
print(f"warnings={summary['warnings']}")
EOF
}

case "${1:-}" in
key | install | check) "$1" ;;
*)
    echo "usage: $0 key|install|check" >&2
    exit 2
    ;;
esac
