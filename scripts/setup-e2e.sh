#!/usr/bin/env bash
# Installs the tools the end-to-end tests and `npm start` need, from Debian's apt and the npm
# registry only: Debian chromium (driven headless by playwright-core, a devDependency) and
# code-server 4.100.3 (VS Code 1.100.3 in the browser) into $TASKSCOPE_E2E_TOOLS.
# Idempotent: when everything is already in place it returns in well under a second without
# touching apt or npm. It installs no browser of its own and downloads nothing from GitHub.
set -euo pipefail

TOOLS="${TASKSCOPE_E2E_TOOLS:-$HOME/.cache/taskscope-e2e}"
CODE_SERVER_VERSION=4.100.3   # embeds VS Code 1.100.3; the newest code-server that runs on Node 20
RIPGREP_PKG_VERSION=1.15.11   # the @vscode/ripgrep that code-server 4.100.3 pins
APT_PACKAGES=(chromium build-essential python3 pkg-config libkrb5-dev ripgrep)

installed_version() {
  node -p "try { require('$TOOLS/node_modules/code-server/package.json').version } catch { '' }" 2>/dev/null
}

# Fast path: apt packages present and the pinned code-server installed.
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ] && [ "$(installed_version)" = "$CODE_SERVER_VERSION" ] \
   && [ -x "$TOOLS/node_modules/.bin/code-server" ]; then
  echo "e2e tools ready in $TOOLS (code-server $CODE_SERVER_VERSION)"
  exit 0
fi

SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup-e2e: apt-get install ${missing[*]}"
  $SUDO apt-get update -qq
  # chromium: the browser; build-essential/python3/pkg-config/libkrb5-dev: code-server's native
  # modules (kerberos needs gssapi.h); ripgrep: replaces the rg code-server would fetch from GitHub.
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# @vscode/ripgrep's postinstall downloads rg from GitHub unless its download cache already holds
# the archive: put Debian's rg there under the name it expects.
cache="$(node -p 'require("os").tmpdir()')/vscode-ripgrep-cache-$RIPGREP_PKG_VERSION"
mkdir -p "$cache"
tar czf "$cache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" -C "$(dirname "$(command -v rg)")" rg

mkdir -p "$TOOLS"
cd "$TOOLS"
[ -f package.json ] || echo '{ "private": true }' > package.json
echo "setup-e2e: npm install code-server@$CODE_SERVER_VERSION into $TOOLS"
# unsafe_perm: code-server's postinstall refuses to run as root without it (npm 11 warns that the
#   key is unknown but still hands it to the script as npm_config_unsafe_perm).
# yes: node-pty's postinstall runs `npx node-gyp`, which must not stop to ask.
npm_config_unsafe_perm=true npm_config_yes=true \
  npm install --no-audit --no-fund --loglevel=error "code-server@$CODE_SERVER_VERSION"

"$TOOLS/node_modules/.bin/code-server" --config /dev/null --version 2>/dev/null | tail -1 || true
echo "e2e tools ready in $TOOLS (code-server $CODE_SERVER_VERSION)"
