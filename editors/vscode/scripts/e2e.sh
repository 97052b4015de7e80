#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# End-to-end test of the extension in a real VS Code: code-server 4.100.3 (VS Code 1.100.3, the
# last release whose engines allow Node 20) on 127.0.0.1, our .vsix installed into it, Debian's
# chromium driven by playwright-core. Everything goes under editors/vscode/.e2e/ (gitignored):
#   tools/      code-server and its native modules (kept between runs; E2E_CLEAN=1 reinstalls)
#   run/        user data, extensions, the workspace (fresh each run)
#   artifacts/  screenshots, code-server and browser logs, timings.txt
# Needs: root or the Debian packages chromium, libkrb5-dev, ripgrep already installed; Node 20;
# the npm registry (first run only); a Python with mindconverter installed (E2E_PYTHON, default
# the repository's .venv/bin/python).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REPO=$(cd "${HERE}/../.." && pwd)
E2E=${HERE}/.e2e
TOOLS=${E2E}/tools
RUN=${E2E}/run
ARTIFACTS=${E2E}/artifacts
CODE_SERVER_VERSION=4.100.3
PYTHON=${E2E_PYTHON:-${REPO}/.venv/bin/python}
CHROMIUM=${E2E_CHROMIUM:-/usr/bin/chromium}
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false

rm -rf "${ARTIFACTS}" "${RUN}"
mkdir -p "${ARTIFACTS}" "${RUN}"
# Keep code-server's default config and data out of the home folder.
export XDG_CONFIG_HOME=${RUN}/xdg-config XDG_DATA_HOME=${RUN}/xdg-data
TIMINGS=${ARTIFACTS}/timings.txt
t_all=$(date +%s)
timed() {
    local name=$1 t0 status
    shift
    t0=$(date +%s)
    echo "=== ${name}"
    set +e
    "$@"
    status=$?
    set -e
    printf '%-32s %4d s%s\n' "${name}" "$(($(date +%s) - t0))" "$([ ${status} -eq 0 ] || echo "  (FAILED: ${status})")" | tee -a "${TIMINGS}"
    return "${status}"
}

# --- 1. Debian packages -------------------------------------------------------------------
debian_packages() {
    local missing=()
    [ -x "${CHROMIUM}" ] || missing+=(chromium)
    command -v rg >/dev/null || missing+=(ripgrep)
    [ -f /usr/include/krb5.h ] || [ -f /usr/include/gssapi/gssapi.h ] || missing+=(libkrb5-dev)
    if [ "${#missing[@]}" -eq 0 ]; then
        echo "chromium, ripgrep and libkrb5-dev are installed"
        return 0
    fi
    if [ "$(id -u)" -ne 0 ]; then
        echo "missing Debian packages (${missing[*]}): install them as root" >&2
        return 1
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# --- 2. code-server -----------------------------------------------------------------------
# code-server's own postinstall runs `npm install` in lib/vscode, where @vscode/ripgrep's
# postinstall downloads rg from a host we cannot reach. So: install without scripts, do what
# the postinstall does by hand, put Debian's rg where @vscode/ripgrep looks, and rebuild the
# native modules from source (node-gyp uses Node's bundled headers; kerberos needs libkrb5-dev).
code_server() {
    local bin=${TOOLS}/node_modules/.bin/code-server
    if [ "${E2E_CLEAN:-0}" != 1 ] && [ -x "${bin}" ] && "${bin}" --version 2>/dev/null | grep -q "^${CODE_SERVER_VERSION} "; then
        echo "code-server ${CODE_SERVER_VERSION} is installed"
        return 0
    fi
    rm -rf "${TOOLS}"
    mkdir -p "${TOOLS}"
    echo '{ "name": "mindconverter-e2e-tools", "private": true }' >"${TOOLS}/package.json"
    (
        cd "${TOOLS}"
        export npm_config_unsafe_perm=true npm_config_yes=true
        npm install --ignore-scripts "code-server@${CODE_SERVER_VERSION}" >"${ARTIFACTS}/install-code-server.log" 2>&1
        npm rebuild argon2 >>"${ARTIFACTS}/install-code-server.log" 2>&1
        cd node_modules/code-server/lib/vscode
        npm install --omit=dev --ignore-scripts >>"${ARTIFACTS}/install-code-server.log" 2>&1
        mkdir -p node_modules/@vscode/ripgrep/bin
        ln -sf "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg
        npm rebuild kerberos @parcel/watcher @vscode/spdlog native-watchdog node-pty @vscode/deviceid \
            >>"${ARTIFACTS}/install-code-server.log" 2>&1
        ln -sfn node_modules node_modules.asar
        ln -sf code-linux.sh bin/remote-cli/code-server
        ln -sf browser-linux.sh bin/helpers/browser.sh
        cd extensions
        npm install --omit=dev >>"${ARTIFACTS}/install-code-server.log" 2>&1
    ) || {
        tail -30 "${ARTIFACTS}/install-code-server.log" >&2
        return 1
    }
    "${bin}" --version
}

# --- 3. the extension ---------------------------------------------------------------------
extension() {
    cd "${HERE}"
    [ -d node_modules ] || npm ci
    npx tsc -p tsconfig.json
    npm run --silent package >"${ARTIFACTS}/package.log" 2>&1 || {
        cat "${ARTIFACTS}/package.log" >&2
        return 1
    }
}

# --- 4. workspace, settings, install the vsix ---------------------------------------------
prepare() {
    local vsix
    vsix=$(ls "${HERE}"/mindconverter-*.vsix)
    cp -r "${HERE}/src/test/e2e/fixtures/workspace" "${RUN}/workspace"
    "${PYTHON}" "${HERE}/src/test/e2e/fixtures/make_model.py" "${RUN}/workspace/tiny.onnx"
    mkdir -p "${RUN}/user-data/User" "${RUN}/extensions"
    cat >"${RUN}/user-data/User/settings.json" <<EOF
{
  "mindconverter.interpreter": ["${PYTHON}"],
  "mindconverter.serverArgs": ["--log-file", "${ARTIFACTS}/server.log", "--log-level", "INFO"],
  "mindconverter.trace.server": "messages",
  "workbench.startupEditor": "none",
  "workbench.tips.enabled": false,
  "workbench.enableExperiments": false,
  "security.workspace.trust.enabled": false,
  "extensions.autoUpdate": false,
  "extensions.autoCheckUpdates": false,
  "extensions.ignoreRecommendations": true,
  "telemetry.telemetryLevel": "off",
  "update.mode": "none",
  "git.enabled": false,
  "editor.hover.delay": 200,
  "editor.lightbulb.enabled": "on",
  "files.autoSave": "off",
  "chat.disableAIFeatures": true
}
EOF
    cat >"${RUN}/config.yaml" <<EOF
auth: none
cert: false
EOF
    "${TOOLS}/node_modules/.bin/code-server" --config "${RUN}/config.yaml" --user-data-dir "${RUN}/user-data" \
        --extensions-dir "${RUN}/extensions" --install-extension "${vsix}" | tee "${ARTIFACTS}/install-extension.log"
    ls "${RUN}/extensions" | grep -q '^mindconverter\.mindconverter-'

}

# --- 5. code-server on 127.0.0.1 ----------------------------------------------------------
SERVER_PID=
start_code_server() {
    PORT=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
    "${TOOLS}/node_modules/.bin/code-server" --config "${RUN}/config.yaml" --bind-addr "127.0.0.1:${PORT}" \
        --auth none --disable-telemetry --disable-update-check --disable-workspace-trust \
        --disable-getting-started-override --ignore-last-opened \
        --user-data-dir "${RUN}/user-data" --extensions-dir "${RUN}/extensions" \
        "${RUN}/workspace" >"${ARTIFACTS}/code-server.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 1 120); do
        if curl -sf "http://127.0.0.1:${PORT}/healthz" >/dev/null; then
            echo "code-server ${SERVER_PID} listening on 127.0.0.1:${PORT}"
            return 0
        fi
        kill -0 "${SERVER_PID}" 2>/dev/null || break
        sleep 0.5
    done
    cat "${ARTIFACTS}/code-server.log" >&2
    return 1
}
stop_code_server() {
    if [ -n "${SERVER_PID}" ] && kill -0 "${SERVER_PID}" 2>/dev/null; then
        kill "${SERVER_PID}" 2>/dev/null || true
        wait "${SERVER_PID}" 2>/dev/null || true
    fi
    # Keep the extension host's log (our output channel) with the artifacts.
    find "${RUN}/user-data/logs" -name '*MindConverter*' -exec cp {} "${ARTIFACTS}/" \; 2>/dev/null || true
}
trap stop_code_server EXIT

# --- 6. the test --------------------------------------------------------------------------
run_test() {
    cd "${HERE}"
    E2E_URL="http://127.0.0.1:${PORT}" E2E_WORKSPACE="${RUN}/workspace" E2E_ARTIFACTS="${ARTIFACTS}" \
        E2E_USER_DATA="${RUN}/user-data" \
        E2E_CHROMIUM="${CHROMIUM}" node --test --test-concurrency=1 --test-timeout=900000 \
        --test-reporter=spec --test-reporter-destination=stdout \
        --test-reporter=tap --test-reporter-destination="${ARTIFACTS}/e2e.tap" \
        out/test/e2e/
}

timed "debian packages" debian_packages
timed "code-server install" code_server
timed "build + package vsix" extension
timed "workspace + install vsix" prepare
timed "start code-server" start_code_server
status=0
timed "e2e tests" run_test || status=$?
printf '%-32s %4d s\n' "total" "$(($(date +%s) - t_all))" | tee -a "${TIMINGS}"
echo "screenshots and logs: ${ARTIFACTS}"
exit "${status}"
