#!/bin/sh
# Make sure redis-server is on PATH for the rate limiter tests; install it with apt-get if not.
# Idempotent: does nothing when redis-server is already there. Never starts a server: the tests
# start their own on a free 127.0.0.1 port and stop it by PID.
set -eu

if command -v redis-server >/dev/null 2>&1; then
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-redis: redis-server is missing and apt-get is not available; install redis-server" >&2
    exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi

echo "ensure-redis: installing redis-server with apt-get" >&2
$SUDO apt-get update -qq
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server

command -v redis-server >/dev/null 2>&1
