#!/usr/bin/env bash
# Installs what the tests need and runs the whole suite. Arguments go to pytest.
#   scripts/test.sh                      embedded pass: SQLite, tasks run eagerly
#   DATABASE_URL=... CELERY_BROKER_URL=... TEPAI_REQUIRE_SERVICES=1 scripts/test.sh
#                                        services pass (see README.md)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/_common.sh

# gettext compiles the Chinese catalogue; fonts-noto-cjk draws Chinese text on maps and pages;
# chromium is the browser the page tests drive (Playwright never downloads one); Node runs the
# pages' JavaScript unit tests (Debian's nodejs, unless a node is there already).
ensure_debian_packages gettext fonts-noto-cjk chromium
command -v node >/dev/null 2>&1 || ensure_debian_packages nodejs
ensure_venv requirements-test.txt
compile_translations

say "pytest $*"
status=0
.venv/bin/python -m pytest "$@" || status=$?
if [ "$status" -eq 5 ]; then
    echo "test.sh: pytest collected no tests; that is a failure, not a pass." >&2
    exit 1
fi
exit "$status"
