#!/usr/bin/env bash
# The two README commands, each installing whatever is missing first (safe to run again):
#   bash scripts/run.sh demo   -> ingest the bundled samples into a fresh archive, search it, report
#   bash scripts/run.sh test   -> the whole test suite (extra arguments go to pytest)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"

APT_PACKAGES=(tesseract-ocr tesseract-ocr-vie fonts-noto-core fonts-dejavu-core fonts-dejavu-extra fonts-liberation2)
VENV="${SOHOA_VENV:-$here/.venv}"
PY="${PYTHON:-python3}"

say() { printf '\033[1m== %s\033[0m\n' "$*" >&2; }

need_apt() {
  command -v tesseract >/dev/null 2>&1 || return 0
  tesseract --list-langs 2>/dev/null | grep -qx vie || return 0
  [ -f /usr/share/fonts/truetype/noto/NotoSerif-Regular.ttf ] || return 0
  [ -f /usr/share/fonts/truetype/dejavu/DejaVuSerifCondensed.ttf ] || return 0
  [ -f /usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf ] || return 0
  return 1
}

SUDO=""
as_root() {
  if [ "$(id -u)" != 0 ] && [ -z "$SUDO" ]; then
    command -v sudo >/dev/null || { echo "need root (or sudo) to: $*" >&2; exit 5; }
    SUDO="sudo"
  fi
  $SUDO "$@"
}

APT_UPDATED=""
apt_install() {
  say "installing system packages: $*"
  [ -n "$APT_UPDATED" ] || { as_root apt-get update -qq; APT_UPDATED=1; }
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# The desk's browser test drives Debian's Chromium with Playwright by its executable path (nothing is
# downloaded: never `playwright install`).
BROWSER_PACKAGES=(chromium)
need_browser() { [ -x /usr/bin/chromium ] && return 1; return 0; }

install_apt() {
  local want=()
  need_apt && want+=("${APT_PACKAGES[@]}")
  if [ "$cmd" = test ] && need_browser; then want+=("${BROWSER_PACKAGES[@]}"); fi
  "$PY" -c "import ensurepip, venv" 2>/dev/null || [ -x "$VENV/bin/python" ] || want+=(python3-venv)
  if [ "${#want[@]}" -gt 0 ]; then apt_install "${want[@]}"; fi
}

# The tests run on the local PostgreSQL server (127.0.0.1:5432, trust, database "test"). Machines here run it
# already; on a fresh machine install it, start a cluster, let local TCP connections in (trust, test machines
# only) and create the database. SOHOA_TEST_PG_URL pointing elsewhere skips all of this.
ensure_postgres() {
  [ -z "${SOHOA_TEST_PG_URL:-}" ] || return 0
  if ! command -v pg_lsclusters >/dev/null 2>&1; then apt_install postgresql; fi
  # the postgres search backend needs pg_trgm (Debian's server package ships it; others split it out)
  if ! ls /usr/share/postgresql/*/extension/pg_trgm.control >/dev/null 2>&1; then apt_install postgresql-contrib; fi
  if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
    local version
    version="$(ls /usr/lib/postgresql | sort -V | tail -n 1)"
    if ! pg_lsclusters -h 2>/dev/null | grep -q .; then
      say "creating the PostgreSQL cluster $version/main"
      as_root pg_createcluster "$version" main --port 5432 >/dev/null
    fi
    local cluster
    cluster="$(pg_lsclusters -h | awk '$3 == 5432 {print $1" "$2; exit}')"
    [ -n "$cluster" ] || cluster="$(pg_lsclusters -h | awk '{print $1" "$2; exit}')"
    local conf="/etc/postgresql/${cluster% *}/${cluster#* }/pg_hba.conf"
    if [ -f "$conf" ] && ! grep -Eq '^host[[:space:]]+all[[:space:]]+all[[:space:]]+127\.0\.0\.1/32[[:space:]]+trust' "$conf"; then
      say "PostgreSQL: trusting local TCP connections for the tests ($conf)"
      as_root sed -i '1i host all all 127.0.0.1/32 trust' "$conf"
    fi
    say "starting PostgreSQL ${cluster}"
    as_root pg_ctlcluster --skip-systemctl-redirect ${cluster} start || as_root pg_ctlcluster ${cluster} reload || true
    for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
  fi
  if ! psql -h 127.0.0.1 -U postgres -d test -Atqc 'select 1' >/dev/null 2>&1; then
    say "creating the PostgreSQL test database"
    psql -h 127.0.0.1 -U postgres -d postgres -qc 'CREATE DATABASE test' >/dev/null 2>&1 \
      || as_root su postgres -c "psql -qc 'CREATE DATABASE test'" >/dev/null
  fi
}

# The queue tests (tests/test_queue.py) start their own redis-server on a free port: install it if missing.
ensure_redis() {
  command -v redis-server >/dev/null 2>&1 || apt_install redis-server
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
    ensure_postgres
    ensure_redis
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
