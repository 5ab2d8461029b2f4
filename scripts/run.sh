#!/usr/bin/env bash
# Local development server: migrate, seed the demo, collect static files, then runserver on 127.0.0.1:$PORT.
# Without DATABASE_URL it first starts (or reuses) the embedded PostgreSQL under $DATA_DIR/postgres
# and exports its DATABASE_URL; without SECRET_KEY it creates $DATA_DIR/secret_key once. Settings
# only read these: they never start a server or write a file.
# With REDIS_URL set, a Celery worker and beat run alongside and stop when the server stops.
set -euo pipefail
cd "$(dirname "$0")/.."

PORT="${PORT:-8000}"
PY=.venv/bin/python
CELERY=.venv/bin/celery
data_dir="${DATA_DIR:-var}"

children=()
stop_children() {
    local pid
    for pid in "${children[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${children[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
}
trap stop_children EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ -z "${DATABASE_URL:-}" ]; then
    echo "DATABASE_URL is not set: using the embedded PostgreSQL under $data_dir/postgres."
    DATABASE_URL="$("$PY" -m pocportal.embedded_db start)"
    export DATABASE_URL
elif [ -z "${SECRET_KEY:-}" ]; then
    "$PY" -m pocportal.embedded_db secret-key
fi

"$PY" manage.py migrate --noinput
"$PY" manage.py seed_demo
# With DEBUG off the pages name the hashed, compressed copies collectstatic writes to staticfiles/ (about 20 s);
# with DEBUG on (make run's default) static/ is served as it is edited, and nothing needs collecting.
case "$(echo "${DEBUG:-}" | tr '[:upper:]' '[:lower:]')" in
    1|true|yes|on) ;;
    *)
        echo "DEBUG is off: collecting static files (hashed names, .gz and .br copies)."
        "$PY" manage.py collectstatic --noinput --verbosity 0
        ;;
esac

if [ -n "${REDIS_URL:-}" ]; then
    mkdir -p "$data_dir"
    echo "REDIS_URL is set: starting a Celery worker and beat (logs below)."
    "$CELERY" -A pocportal worker -l info --concurrency 2 &
    children+=($!)
    "$CELERY" -A pocportal beat -l info --schedule "$data_dir/celerybeat-schedule" &
    children+=($!)
else
    echo "REDIS_URL is not set: background jobs run in-process (a job cut short by a restart runs again when its page polls it)."
fi

cat <<MSG

  PoC Portal:  http://127.0.0.1:${PORT}/
  Demo logins were printed above. Stop with Ctrl-C.

MSG

# Not exec: the EXIT trap must run when the server stops, to stop the worker and beat.
"$PY" manage.py runserver "127.0.0.1:${PORT}"
