#!/usr/bin/env bash
# Serve the portal with demo data on http://127.0.0.1:$PORT. Ctrl-C stops everything started here.
set -euo pipefail
cd "$(dirname "$0")/.."

export DEBUG="${DEBUG:-1}"
export REQUIRE_ADMIN_MFA="${REQUIRE_ADMIN_MFA:-0}"  # the demo admin may enrol MFA, is not forced
PORT="${PORT:-8000}"
PY=.venv/bin/python

# Web Push needs a VAPID key pair: the demo makes one once and keeps it (not in git).
if [ -z "${VAPID_PRIVATE_KEY:-}" ]; then
    [ -f .demo-vapid.env ] || $PY manage.py generate_vapid_keys > .demo-vapid.env
    set -a; . ./.demo-vapid.env; set +a
fi

$PY manage.py migrate --no-input -v 0
$PY manage.py seed_demo

children=()
stop() {
    trap - INT TERM EXIT
    if [ ${#children[@]} -gt 0 ]; then
        kill "${children[@]}" 2>/dev/null || true
        wait "${children[@]}" 2>/dev/null || true
    fi
}
trap stop INT TERM EXIT

# One ffmpeg per demo camera (test pattern with its code and a WIB clock), 1 s HLS segments.
$PY manage.py run_streams &
children+=($!)
# Incident SLA: escalate what nobody acknowledged in time, mark what is overdue (every minute).
$PY manage.py sla_sweep --every 60 &
children+=($!)
# Alert when a running shift has nobody checked in (after the grace time; once per shift).
$PY manage.py check_shift_checkins --every 60 &
children+=($!)
# Web Push: new alerts to the devices they concern (every second).
$PY manage.py send_push --every 1 &
children+=($!)
.venv/bin/daphne -b 127.0.0.1 -p "$PORT" jakcctv.asgi:application &
children+=($!)

echo
echo "JakCCTV: http://127.0.0.1:$PORT/  (Ctrl-C to stop)"
echo "Log in as admin.provinsi, operator.jakbar, staf.kebonjeruk, piket.kebonjeruk,"
echo "fkdm.kebonjeruk or fkdm.tebetbarat with the demo password printed above."
wait -n "${children[@]}"
