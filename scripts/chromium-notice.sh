#!/usr/bin/env bash
# Loud notice that the browser tests cannot run because Chromium is missing.
#   scripts/chromium-notice.sh CHROMIUM_PATH [skip|fail]
chromium="${1:-/usr/bin/chromium}"
if [ "${2:-skip}" = "fail" ]; then
    outcome="CI=true: the browser tests are required, so this run FAILS."
else
    outcome="The browser tests (pytest -m browser) are SKIPPED in this run."
fi
cat >&2 <<NOTICE

################################################################################
#  Chromium was not found at ${chromium}
#  ${outcome}
#
#  Install it (Debian/Ubuntu):   sudo apt-get install -y chromium
#  or point the tests at another build:   make test CHROMIUM_PATH=/path/to/chromium
################################################################################

NOTICE
