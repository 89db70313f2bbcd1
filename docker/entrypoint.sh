#!/bin/sh
# Container start: bring the database schema up to date, then serve.
# Arguments are passed to `japra serve`, e.g. `--log-level warning`.
set -eu

japra db upgrade
# exec: uvicorn becomes PID 1 and gets `docker stop`'s SIGTERM, so it shuts down cleanly.
exec japra serve "$@"
