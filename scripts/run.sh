#!/usr/bin/env bash
# The two README commands, each installing whatever is missing first (safe to run again):
#   bash scripts/run.sh demo   -> ingest the bundled samples into a fresh archive, search it, report
#   bash scripts/run.sh test   -> the whole test suite (extra arguments go to pytest)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"

APT_PACKAGES=(tesseract-ocr tesseract-ocr-vie fonts-noto-core fonts-dejavu-core fonts-dejavu-extra)
VENV="${SOHOA_VENV:-$here/.venv}"
PY="${PYTHON:-python3}"

say() { printf '\033[1m== %s\033[0m\n' "$*" >&2; }

need_apt() {
  command -v tesseract >/dev/null 2>&1 || return 0
  tesseract --list-langs 2>/dev/null | grep -qx vie || return 0
  [ -f /usr/share/fonts/truetype/noto/NotoSerif-Regular.ttf ] || return 0
  return 1
}

install_apt() {
  if ! need_apt; then return; fi
  say "installing system packages: ${APT_PACKAGES[*]}"
  local sudo=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || { echo "need root (or sudo) to apt-get install ${APT_PACKAGES[*]}" >&2; exit 5; }
    sudo="sudo"
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${APT_PACKAGES[@]}" >/dev/null
}

install_venv() {
  local stamp="$VENV/.sohoa-installed"
  local want
  want="$(cat pyproject.toml | sha256sum | cut -c1-16)"
  if [ ! -x "$VENV/bin/python" ]; then
    say "creating virtualenv $VENV"
    "$PY" -m venv "$VENV"
  fi
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    say "installing sohoa and its Python dependencies"
    "$VENV/bin/python" -m pip install -q --upgrade pip >/dev/null
    "$VENV/bin/python" -m pip install -q -e ".[dev]"
    echo "$want" > "$stamp"
  fi
}

cmd="${1:-}"
shift || true
case "$cmd" in
  demo)
    install_apt
    install_venv
    exec "$VENV/bin/python" scripts/demo.py "$@"
    ;;
  test)
    install_apt
    install_venv
    say "ruff"
    "$VENV/bin/ruff" check sohoa tests bench samples scripts
    say "pytest"
    exec "$VENV/bin/python" -m pytest "$@"
    ;;
  *)
    echo "usage: bash scripts/run.sh demo|test [args]" >&2
    exit 2
    ;;
esac
