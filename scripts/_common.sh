# Shared by setup_and_serve.sh and test.sh (sourced, not run). Both run from the checkout's root.

say() { printf '\n==> %s\n' "$*"; }

# The checkout's own .venv, made with Python 3.11 or newer, with the packages of requirement file $1.
ensure_venv() {
    local requirements=$1 python candidate
    if [ ! -x .venv/bin/python ]; then
        python=${PYTHON:-}
        if [ -z "$python" ]; then
            for candidate in python3.11 python3.12 python3.13 python3 python; do
                if command -v "$candidate" >/dev/null 2>&1 \
                    && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
                    python=$candidate
                    break
                fi
            done
        fi
        if [ -z "$python" ]; then
            echo "Tepai needs Python 3.11 or newer: none found (set PYTHON=/path/to/python3.11)." >&2
            exit 1
        fi
        say "Creating .venv with $("$python" --version 2>&1)"
        "$python" -m venv .venv
    fi
    say "Installing $requirements into .venv"
    .venv/bin/python -m pip install --disable-pip-version-check --quiet -r "$requirements"
}

# Debian packages $@, installed with apt-get when missing; without root (or apt) it says what to
# install and goes on, since most of the suite runs without them.
ensure_debian_packages() {
    local missing=() package
    if ! command -v dpkg-query >/dev/null 2>&1; then
        echo "Not a Debian system: install these yourself if tests need them: $*" >&2
        return 0
    fi
    for package in "$@"; do
        if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
            missing+=("$package")
        fi
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" -ne 0 ]; then
        echo "Not root, so skipping apt-get; some tests need: sudo apt-get install ${missing[*]}" >&2
        return 0
    fi
    say "Installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# Compile the .po catalogues under locale/ into the .mo files Django reads; the interface shows
# its English source strings until they exist. Needs gettext's msgfmt.
compile_translations() {
    if ! compgen -G "locale/*/LC_MESSAGES/*.po" >/dev/null; then
        return 0
    fi
    if ! command -v msgfmt >/dev/null 2>&1; then
        echo "gettext's msgfmt is not installed: the interface stays in English until it is (apt-get install gettext)." >&2
        return 0
    fi
    say "Compiling translations"
    # --ignore: compilemessages otherwise walks into .venv and recompiles every installed package.
    .venv/bin/python manage.py compilemessages --ignore=.venv --verbosity=0
}
