#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# CI for the VS Code extension: npm ci, lint, typecheck, unit tests, build, package the .vsix,
# check its manifest. Needs the npm registry for `npm ci` only. Ends with "N passed, N failed"
# (unit tests + manifest checks; a failed stage counts as one failure) and exits non-zero on
# any failure.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
VERSION=$(node -p "require('./package.json').version")
VSIX="mindconverter-${VERSION}.vsix"
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false

passed=0
failed=0
failed_stages=()
started=$(date +%s)

stage() {
    local name=$1
    shift
    local t0
    t0=$(date +%s)
    echo "=== ${name}"
    if "$@"; then
        echo "=== ${name}: ok ($(($(date +%s) - t0)) s)"
    else
        echo "=== ${name}: FAILED ($(($(date +%s) - t0)) s)"
        failed=$((failed + 1))
        failed_stages+=("${name}")
    fi
}

finish() {
    echo "=== editors/vscode CI: $(($(date +%s) - started)) s${failed_stages[*]:+, failed stages: ${failed_stages[*]}}"
    echo "${passed} passed, ${failed} failed"
    [ "${failed}" -eq 0 ]
    exit $?
}

# Adds the "# pass N" / "# fail N" counts of a TAP file produced by node --test.
count_tap() {
    local file=$1 p f
    p=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "${file}" | tail -1)
    f=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "${file}" | tail -1)
    passed=$((passed + ${p:-0}))
    failed=$((failed + ${f:-0}))
    [ "${p:-0}" -gt 0 ] && [ "${f:-0}" -eq 0 ]
}

unit_tests() {
    rm -rf out && npx tsc -p tsconfig.json || return 1
    mkdir -p out
    node --test \
        --test-reporter=spec --test-reporter-destination=stdout \
        --test-reporter=tap --test-reporter-destination=out/unit.tap \
        out/test/unit/
    local status=$?
    count_tap out/unit.tap || status=1
    return "${status}"
}

manifest_check() {
    local output status
    output=$(node scripts/check-manifest.mjs "${VSIX}")
    status=$?
    echo "${output}"
    passed=$((passed + $(grep -c '^ok - ' <<<"${output}")))
    failed=$((failed + $(grep -c '^not ok - ' <<<"${output}")))
    return "${status}"
}

stage "npm ci" npm ci
if [ "${#failed_stages[@]}" -ne 0 ]; then
    finish
fi
stage "lint (eslint, prettier)" npm run --silent lint
stage "typecheck (tsc --noEmit)" npx tsc -p tsconfig.json --noEmit
stage "unit tests (node --test)" unit_tests
stage "build + package (esbuild, vsce)" bash -c "rm -f '${VSIX}' && npm run --silent package"
if [ -f "${VSIX}" ]; then
    stage "manifest check" manifest_check
else
    failed=$((failed + 1))
    failed_stages+=("manifest check (no ${VSIX})")
fi
finish
