#!/usr/bin/env bash
# Set up Infolettre on a Debian machine: a virtual environment in .venv with the project.
#   scripts/setup.sh          what the main job needs (Python only: SQLite, embedded broker)
#   scripts/setup.sh --test   also the real servers and the browser the tests use
set -euo pipefail
cd "$(dirname "$0")/.."

with_tests=0
[ "${1:-}" = "--test" ] && with_tests=1

apt_install() {
    local missing=()
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
            || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    # Postfix is only wanted for its smtp-sink and smtp-source test tools.
    echo "postfix postfix/main_mailer_type select No configuration" | $sudo debconf-set-selections
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >/dev/null
}

apt_install python3 python3-venv python3-dev gcc libxml2-dev libxslt1-dev
if [ "$with_tests" = 1 ]; then
    apt_install chromium redis-server postgresql dovecot-imapd postfix wrk
    # npm comes with Debian's nodejs as a package of its own, inside other builds of nodejs.
    command -v npm >/dev/null || apt_install nodejs npm
fi

python=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$python" -m venv .venv
.venv/bin/pip install -q --upgrade pip
if [ "$with_tests" = 1 ]; then
    .venv/bin/pip install -q -e '.[test]'
    # axe-core (accessibility rules) is injected into pages by the browser tests.
    [ -f node_modules/axe-core/axe.min.js ] || npm install --no-audit --no-fund --silent
else
    .venv/bin/pip install -q -e .
fi
