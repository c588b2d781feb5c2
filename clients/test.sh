#!/usr/bin/env bash
# Runs the host-client suites against the real openframe-rpc binary: the Python client
# (unittest, standard library only) and the Node client (node --test, no dependencies).
#
#   clients/test.sh            both suites
#   clients/test.sh python     only Python
#   clients/test.sh node       only Node
#
# The binary is $OPENFRAME_RPC_BIN, else the newer of the repository's .build/debug and
# .build/release (build one with 'swift build'). Both suites run even when the first fails; the
# exit status is non-zero when any failed.
set -uo pipefail
cd "$(dirname "$0")/.."

if [ -z "${OPENFRAME_RPC_BIN:-}" ]; then
  for candidate in $(ls -t .build/debug/openframe-rpc .build/release/openframe-rpc 2>/dev/null); do
    OPENFRAME_RPC_BIN="$PWD/$candidate"
    break
  done
fi
if [ -z "${OPENFRAME_RPC_BIN:-}" ] || [ ! -x "$OPENFRAME_RPC_BIN" ]; then
  echo "clients/test.sh: no openframe-rpc binary: run 'swift build' or set OPENFRAME_RPC_BIN" >&2
  exit 2
fi
export OPENFRAME_RPC_BIN
# A developer's instance settings must not leak into the tests (they start their own stand-in).
unset OPENFRAME_INSTANCE OPENFRAME_USERNAME OPENFRAME_PASSWORD OPENFRAME_TOKEN \
  OPENFRAME_CLIENT_ID OPENFRAME_CLIENT_SECRET OPENFRAME_API_KEY

suites=("$@")
[ ${#suites[@]} -eq 0 ] && suites=(python node)
status=0
for suite in "${suites[@]}"; do
  case "$suite" in
    python)
      echo "== python client (python3 -m unittest discover -s clients/python/tests) with $OPENFRAME_RPC_BIN"
      python3 -m unittest discover -s clients/python/tests || status=1
      ;;
    node)
      echo "== node client (node --test clients/node/test/) with $OPENFRAME_RPC_BIN"
      if ! command -v node >/dev/null; then
        echo "clients/test.sh: node is not installed (Node 18 or later is needed)" >&2
        status=1
        continue
      fi
      node --test clients/node/test/ || status=1
      ;;
    *)
      echo "clients/test.sh: unknown suite '$suite' (expected python or node)" >&2
      exit 2
      ;;
  esac
done
exit $status
