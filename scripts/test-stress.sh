#!/usr/bin/env bash
# Runs the time-sensitive tests ROUNDS times (default 3) in a row while busy loops keep every
# core of the machine loaded, and fails if any round fails: the proof that they assert on
# decisions and measured tolerances, not on how fast an idle machine is.
#
# The burners are bounded twice: `timeout` ends each after BURN_SECONDS (default 1200) even if
# this script is killed, and the exit trap stops each one by its process id.
#   usage: scripts/test-stress.sh [pytest paths...]   (default: the time-sensitive tests)
set -u

PY=${PY:-.venv/bin/python}
ROUNDS=${ROUNDS:-3}
BURN_SECONDS=${BURN_SECONDS:-1200}
CORES=$(nproc 2>/dev/null || echo 2)

if [ "$#" -gt 0 ]; then
    TESTS=("$@")
else
    # Every test that waits on or measures time: rate limiters (local, Redis, fleet), the
    # mock's latency, retry waits, timeouts, the pool gate, cancellation, and the reliability
    # suite (faults, load, hostile input: real servers and client timeouts).
    TESTS=(
        tests/ratelimit
        tests/mock/test_engine.py
        tests/runtime/test_retry.py
        tests/runtime/test_timeouts.py
        tests/runtime/test_pool_gate.py
        tests/runtime/test_lifecycle.py
        tests/reliability
    )
fi

BURNERS=()
stop_burners() {
    for pid in "${BURNERS[@]}"; do
        kill "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    BURNERS=()
}
trap stop_burners EXIT
trap 'exit 130' INT TERM  # the EXIT trap then stops the burners

for _ in $(seq "$CORES"); do
    timeout "$BURN_SECONDS" "$PY" -c "while True: pass" &
    BURNERS+=("$!")
done
echo "test-stress: ${#BURNERS[@]} busy loops (pids ${BURNERS[*]}) on $CORES cores, $ROUNDS rounds"

failed=0
for round in $(seq "$ROUNDS"); do
    start=$(date +%s)
    if "$PY" -m pytest -q -p no:cacheprovider "${TESTS[@]}"; then
        echo "test-stress: round $round passed in $(( $(date +%s) - start )) s"
    else
        echo "test-stress: round $round FAILED"
        failed=1
    fi
done
stop_burners
if [ "$failed" -ne 0 ]; then
    echo "test-stress: FAILED"
    exit 1
fi
echo "test-stress: all $ROUNDS rounds passed under load"
