#!/usr/bin/env bash
# Maintainer helper: bake one combination with hooks on (no validation) and lint it.
#   scripts/bake_and_check.sh [key=value ...]     e.g. session_store=redis
set -euo pipefail
out=$(mktemp -d)
cookiecutter "$(dirname "$0")/.." --no-input --output-dir "$out" validate=false "$@" >/dev/null
project=$(ls -d "$out"/*/)
ruff check "$project" && ruff format --check "$project"
echo "$project"
