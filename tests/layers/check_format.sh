#!/usr/bin/env bash
# Every C++ file of the tree is as clang-format (16, the version scripts/setup installs)
# writes it, by .clang-format: prints the files that are not and exits 1. Run
# `clang-format-16 -i FILE` to mend one.
set -uo pipefail
root=${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
cd "$root" || exit 2
format=$(command -v clang-format-16) || { echo "clang-format-16 is not installed (scripts/setup installs it)"; exit 2; }
mapfile -t files < <(git ls-files '*.cpp' '*.hpp' 2>/dev/null || find daemon parsers tests bench -name '*.cpp' -o -name '*.hpp')
bad=0
for file in "${files[@]}"; do
  if ! "$format" --dry-run -Werror "$file" >/dev/null 2>&1; then
    echo "not formatted: $file"
    bad=$((bad + 1))
  fi
done
echo "format: ${#files[@]} files checked, $bad not formatted"
[ "$bad" -eq 0 ]
