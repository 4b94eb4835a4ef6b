#!/usr/bin/env bash
# Checks every built systemd unit: `systemd-analyze verify` must be clean and
# `systemd-analyze security` must rate each service 2.0 or lower.
# Usage: check_units.sh UNIT_DIR SILLOK_BINARY. Exit 77 (skipped) without systemd-analyze.
set -euo pipefail
unit_dir=$1
binary=$2
if ! command -v systemd-analyze >/dev/null; then
  echo "systemd-analyze not installed: unit checks skipped"
  exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# verify resolves ExecStart: point it at the binary that was just built.
for unit in "$unit_dir"/*.service "$unit_dir"/*.timer; do
  [ -e "$unit" ] || continue
  sed "s|^ExecStart=[^ ]*/sillok|ExecStart=$binary|" "$unit" > "$work/$(basename "$unit")"
done
status=0
for unit in "$work"/*; do
  name=$(basename "$unit")
  if ! out=$(cd "$work" && systemd-analyze verify "$name" 2>&1) || [ -n "$out" ]; then
    echo "verify $name:"; echo "$out"; status=1
  else
    echo "verify $name: clean"
  fi
  case "$name" in
    *.service)
      score=$(systemd-analyze security --offline=true "$unit" 2>&1 | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
      echo "security $name: ${score:-unknown}"
      if [ -z "$score" ] || ! awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }'; then status=1; fi
      ;;
  esac
done
exit $status
