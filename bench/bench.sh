#!/usr/bin/env bash
# Runs bench/run.js with as many open files as the system allows: the broadcast's 10,000 clients
# hold 10,000 descriptors in the client process and as many in the server's.
set -euo pipefail
cd "$(dirname "$0")/.."
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
exec node bench/run.js "$@"
