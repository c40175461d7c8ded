#!/usr/bin/env bash
# Set up this checkout for running the portal (and, with --test, the test suite).
#
#   scripts/bootstrap.sh          Debian packages for the portal, .venv, Python packages
#   scripts/bootstrap.sh --test   also the Debian packages the tests need (chromium, postgresql)
#
# As root, missing Debian packages are installed with apt-get; otherwise the exact
# apt-get line is printed and the script exits non-zero. The virtual environment is
# created when missing, and the project is (re)installed only when pyproject.toml
# changed since the last install. A second run does nothing and takes well under a second.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
VENV=.venv
STAMP=$VENV/.medcredit-installed

with_test=0
for arg in "$@"; do
    case $arg in
        --test) with_test=1 ;;
        -h | --help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "bootstrap: unknown argument: $arg" >&2; exit 2 ;;
    esac
done

say() { printf 'bootstrap: %s\n' "$*"; }

# --- Debian packages -----------------------------------------------------------------
# wkhtmltopdf renders pledge PDFs, fonts-noto-cjk gives it (and Chromium) Chinese glyphs,
# poppler-utils (pdftotext/pdftoppm) and zbar-tools (zbarimg) read PDFs and QR codes back.
packages=(wkhtmltopdf fonts-noto-cjk poppler-utils zbar-tools)
if ((with_test)); then
    # chromium drives the browser tests; postgresql provides initdb/pg_ctl for the
    # throwaway database of scripts/with-postgres.sh.
    packages+=(chromium postgresql)
fi

venv_works() {
    # Debian's python3 needs python3-venv (ensurepip) before `python3 -m venv` works.
    local probe
    probe=$(mktemp -d)
    if "$PYTHON" -m venv "$probe/venv" >/dev/null 2>&1; then
        rm -rf "$probe"
        return 0
    fi
    rm -rf "$probe"
    return 1
}

venv_ok() { [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c '' 2>/dev/null; }

missing=()
if ! command -v "$PYTHON" >/dev/null 2>&1; then
    missing+=(python3 python3-venv)
elif ! venv_ok && ! venv_works; then
    missing+=(python3-venv)
fi

if command -v dpkg-query >/dev/null 2>&1; then
    for pkg in "${packages[@]}"; do
        status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
        [ "$status" = installed ] || missing+=("$pkg")
    done
else
    say "dpkg-query not found (not Debian?); make sure these are installed: ${packages[*]}" >&2
fi

if ((${#missing[@]})); then
    if [ "$(id -u)" -eq 0 ]; then
        say "installing Debian packages: ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update
        apt-get install -y --no-install-recommends "${missing[@]}"
    else
        {
            say "these Debian packages are missing: ${missing[*]}"
            say "install them with:"
            echo
            echo "    sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}"
            echo
            say "then run this command again."
        } >&2
        exit 1
    fi
fi

# --- virtual environment and Python packages ----------------------------------------
if ! venv_ok; then
    say "creating $VENV with $("$PYTHON" --version 2>&1)"
    rm -f "$STAMP"
    "$PYTHON" -m venv --clear "$VENV"
fi

want=$(sha256sum pyproject.toml | cut -d' ' -f1)
have=$(cat "$STAMP" 2>/dev/null || true)
if [ "$want" != "$have" ] || [ ! -x "$VENV/bin/medcredit" ]; then
    say "installing the project and its test tools into $VENV: pip install -e '.[test]'"
    say "(the first time this downloads the Python packages and takes a few minutes)"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check --progress-bar off -e '.[test]'
    echo "$want" >"$STAMP"
fi
