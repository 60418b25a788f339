#!/usr/bin/env bash
# Serve the portal with demo data on http://127.0.0.1:$PORT. Ctrl-C stops everything started here.
set -euo pipefail
cd "$(dirname "$0")/.."

export DEBUG="${DEBUG:-1}"
export REQUIRE_ADMIN_MFA="${REQUIRE_ADMIN_MFA:-0}"  # the demo admin may enrol MFA, is not forced
# Two demo cameras record (cameras/demo.py); all recordings together stay under 900 MB.
export RECORDING_MAX_MB="${RECORDING_MAX_MB:-900}"
# Maintenance tickets within a minute (not 30 and 15), so that the demo shows them.
export MAINTENANCE_AFTER="${MAINTENANCE_AFTER:-1}" MAINTENANCE_CONFIRM="${MAINTENANCE_CONFIRM:-1}"
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
# Retention (recordings of the demo cameras: a day; and the rest), every hour.
$PY manage.py apply_retention --every 3600 > /dev/null &
children+=($!)
# Data requests: alert the area's staff before the 3x24 h deadline lapses and when it has.
$PY manage.py request_sweep --every 60 &
children+=($!)
# Maintenance: tickets for cameras offline too long, closed once they stay back online.
$PY manage.py maintenance_sweep --every 10 &
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
echo "fkdm.kebonjeruk, fkdm.tebetbarat or teknisi.kebonjeruk with the demo password printed above."
wait -n "${children[@]}"
