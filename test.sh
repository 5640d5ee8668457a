#!/usr/bin/env bash
# The test command: formatting, lint, types, import contracts, then the test suite.
#
#   pip install -e '.[dev]' && ./test.sh [extra pytest arguments]
#
# Every step runs even when an earlier one fails (you see all problems at once); the exit
# status is non-zero when any step failed. PostgreSQL tests use $TUI_ORDERS_TEST_PG when set,
# else start a throwaway server from the PostgreSQL binaries on the machine (see tests/conftest.py).
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

failed=()

step() {
    local name="$1"
    shift
    echo "==> $*"
    if ! "$@"; then
        failed+=("$name")
        echo "==> FAILED: $name"
    fi
}

step "ruff format" ruff format --check .
step "ruff check" ruff check .
step "mypy" mypy
step "import contracts" lint-imports
step "pytest" pytest -n auto "$@"

if ((${#failed[@]})); then
    echo "test.sh: failed: ${failed[*]}" >&2
    exit 1
fi
