#!/usr/bin/env bash
# Runs cirque_example.py: a virtualenv with grpcio and grpcio-tools (from PyPI, once), stubs
# generated from proto/ into it, then the example against the daemon at $1.
#   Env: CIRQUE_PY_VENV (default: examples/python/.venv).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
venv=${CIRQUE_PY_VENV:-$here/.venv}
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import grpc_tools" 2>/dev/null; then
  python3 -m venv "$venv"
  # --retries 1: an index the pip configuration names but cannot reach costs one try, not five
  "$venv/bin/pip" install -q --retries 1 --disable-pip-version-check grpcio grpcio-tools
fi
stubs="$venv/cirque-stubs"
rm -rf "$stubs" && mkdir -p "$stubs"
"$venv/bin/python" -m grpc_tools.protoc -I "$top/proto" --python_out="$stubs" --grpc_python_out="$stubs" \
  "$top"/proto/cirque/proto/*.proto
PYTHONPATH="$stubs" exec "$venv/bin/python" "$here/cirque_example.py" "$@"
