#!/usr/bin/env bash
# A throwaway virtual environment holding OpenFisca-core for bench/openfisca_compare.py. OpenFisca is never a
# project dependency: the environment lives under bench/out/ (git-ignored) and can be deleted at any time.
#   bash bench/openfisca/setup.sh            # creates bench/out/openfisca-venv (PYTHON=python3.11 … to choose)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="${OPENFISCA_VENV:-$ROOT/bench/out/openfisca-venv}"
PYTHON="${PYTHON:-python3}"
if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "openfisca-core==46.0.1"
"$VENV/bin/python" - <<'PY'
import sys
from importlib.metadata import version
print(f"OpenFisca-core {version('openfisca-core')}, numpy {version('numpy')}, Python {sys.version.split()[0]}: "
      f"{sys.prefix}")
PY
