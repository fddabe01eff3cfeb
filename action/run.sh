#!/usr/bin/env bash
# Runs `overexposed audit` for action.yml. The inputs arrive as environment variables (never
# spliced into a script, so no input can inject shell code):
#   OVEREXPOSED_BIN      the binary (action/install.sh's `path` output)
#   INPUT_ACCOUNTS, INPUT_ORGANIZATION, INPUT_ROLE_NAME, INPUT_REGIONS, INPUT_CONFIG,
#   INPUT_FAIL_ON, INPUT_EXTERNAL_ID, INPUT_EXTRA_ARGS, INPUT_OUTPUT_DIR, INPUT_SARIF_SPLIT
# Writes the JSON, SARIF and Markdown reports to INPUT_OUTPUT_DIR, sets the step outputs,
# appends the Markdown summary to the job summary, and exits with overexposed's exit code
# (0 complete and clean, 1 findings at or above fail-on, 2 incomplete scan or usage error).
set -uo pipefail

usage_error() {
    echo "::error title=overexposed::$1"
    exit 2
}

out="${INPUT_OUTPUT_DIR:-overexposed-results}"
out="${out%/}"
[[ "$out" != *$'\n'* ]] || usage_error "output-dir must be one line"

args=(audit)
[[ -z "${INPUT_ACCOUNTS:-}" ]] || args+=(--accounts "$INPUT_ACCOUNTS")
case "${INPUT_ORGANIZATION:-false}" in
true) args+=(--organization) ;;
false | "") ;;
*) usage_error "organization must be true or false" ;;
esac
[[ -z "${INPUT_ROLE_NAME:-}" ]] || args+=(--role-name "$INPUT_ROLE_NAME")
[[ -z "${INPUT_REGIONS:-}" ]] || args+=(--regions "$INPUT_REGIONS")
[[ -z "${INPUT_CONFIG:-}" ]] || args+=(--config "$INPUT_CONFIG")
[[ -z "${INPUT_FAIL_ON:-}" ]] || args+=(--fail-on "$INPUT_FAIL_ON")
# Split on whitespace, without quotes or globbing.
read -r -a extra <<<"${INPUT_EXTRA_ARGS:-}"
args+=(${extra[@]+"${extra[@]}"})
args+=(-o "$out/results.json" -o "$out/summary.md")
# Split: one SARIF file per account instead of one file, which a large scan could not keep
# within GitHub's limits (overexposed refuses to write it then, and exits 2).
sarif_dir=""
sarif="$out/results.sarif"
case "${INPUT_SARIF_SPLIT:-false}" in
true)
    sarif_dir="$out/sarif"
    sarif="$sarif_dir"
    args+=(--sarif-split-dir "$sarif_dir")
    ;;
false | "") args+=(-o "$sarif") ;;
*) usage_error "sarif-split must be true or false" ;;
esac

# The external id goes through the environment, so it is in no command line or log.
if [[ -n "${INPUT_EXTERNAL_ID:-}" ]]; then
    echo "::add-mask::$INPUT_EXTERNAL_ID"
    export OVEREXPOSED_EXTERNAL_ID="$INPUT_EXTERNAL_ID"
fi

bin="${OVEREXPOSED_BIN:-overexposed}"
printf 'Running: overexposed'
printf ' %q' "${args[@]}"
printf '\n'
"$bin" "${args[@]}"
code=$?

complete=false
if [[ $code -eq 0 || $code -eq 1 ]]; then
    complete=true
fi
{
    echo "exit-code=$code"
    echo "complete=$complete"
    echo "json=$out/results.json"
    echo "sarif=$sarif"
    echo "sarif-dir=$sarif_dir"
    echo "markdown=$out/summary.md"
} >>"$GITHUB_OUTPUT"

# A job summary over 1 MiB is rejected whole: point to the file instead.
summary_limit=1048576
if [[ -n "${GITHUB_STEP_SUMMARY:-}" ]]; then
    if [[ ! -f "$out/summary.md" ]]; then
        echo "overexposed exited with code $code before writing a summary: see the step's log." >>"$GITHUB_STEP_SUMMARY"
    elif [[ $(wc -c <"$out/summary.md") -gt $summary_limit ]]; then
        echo "The overexposed summary is over the job summary's 1 MiB limit: see $out/summary.md." >>"$GITHUB_STEP_SUMMARY"
    else
        cat "$out/summary.md" >>"$GITHUB_STEP_SUMMARY"
    fi
fi

if [[ $complete == false ]]; then
    echo "::error title=overexposed::the scan was incomplete or could not run (exit $code): no SARIF should be uploaded from it"
fi
exit "$code"
