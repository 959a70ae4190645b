#!/usr/bin/env bash
# Scans a local colloquy with wapiti (PyPI: wapiti3), signed out and then signed in as the demo course's
# instructor, each against a fresh demo database (the signed-out scan's attacks on the sign-in form would
# otherwise have the instructor's account throttled), and prints the findings by severity.
# Usage: scripts/wapiti-scan.sh [SECONDS_PER_SCAN [REPORT_DIR]]
# The JSON reports and wapiti's logs are kept in REPORT_DIR (default: wapiti-report/ under the target folder).
# Needs `wapiti` on the PATH (python3 -m venv ~/wapiti && ~/wapiti/bin/pip install wapiti3).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-900}"
work=$(mktemp -d)
target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
reports="${2:-$target_dir/wapiti-report}"
mkdir -p "$reports"
cargo build --quiet --bin colloquy
binary="$target_dir/debug/colloquy"
server=""
trap '[ -n "$server" ] && kill $server 2>/dev/null; rm -rf "$work"' EXIT

# Starts colloquy on a fresh demo database; sets base and password.
start() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
  local name=$1 port
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  "$binary" --database-url "sqlite://$work/$name.db" serve --bind "127.0.0.1:$port" \
    > "$work/$name.out" 2> "$work/$name.log" &
  server=$!
  for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
  password=$(sed -n 's/.*with the password \([^ ]*\) .*/\1/p' "$work/$name.out")
  base="http://127.0.0.1:$port/"
}

scan() {
  local name=$1; shift
  local started
  started=$(date +%s)
  wapiti -u "$base" --scope folder --flush-session -f json --max-scan-time "$seconds" \
    --max-attack-time "$((seconds / 8))" --tasks 4 -v 1 \
    -x "${base}logout" -x "${base}login/forgot" -x "${base}login/link" \
    -o "$reports/$name.json" "$@" > "$reports/$name.log" 2>&1
  echo "   $(($(date +%s) - started)) s"
}

echo "== signed out"
start signed-out
scan signed-out
echo "== signed in as instructor@example.edu"
start signed-in
scan signed-in --form-url "${base}login" --form-user instructor@example.edu --form-password "$password"

python3 - "$reports/signed-out.json" "$reports/signed-in.json" <<'PY'
import json, sys
levels = {1: "low", 2: "medium", 3: "high"}
for path in sys.argv[1:]:
    report = json.load(open(path))
    auth = report["infos"].get("auth") or {}
    print(f"\n{'signed in' if 'signed-in' in path else 'signed out'}: "
          f"{report['infos'].get('crawled_pages_nbr', '?')} pages crawled"
          + (f", logged in: {auth.get('logged_in')}" if auth else ""))
    for kind, label in (("vulnerabilities", "vulnerability"), ("anomalies", "anomaly"), ("additionals", "note")):
        for name, findings in report.get(kind, {}).items():
            for finding in findings:
                level = levels.get(finding.get("level"), finding.get("level"))
                print(f"  [{label}, {level}] {name}: {finding.get('info', '')[:160]} "
                      f"({finding.get('method', '')} {finding.get('path', '')} {finding.get('parameter', '')})")
PY
