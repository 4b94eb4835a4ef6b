#!/usr/bin/env bash
# Articles per second of a backfill by sillok and of a minimal Scrapy spider, against the
# same local stand-in for Naver (bench/naver_stand_in), with politeness off on both sides;
# plus each one's peak RSS. Prints a table; asserts nothing.
#
# Usage: bench/backfill_vs_scrapy.sh [BUILD_DIR]      (default: build/release)
# Environment: DAYS (5), PAGES per day (50; 20 articles each), CONCURRENCY (8),
#              FROM (2020-09-15), KEEP=1 keeps the work folder.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
build=${1:-$root/build/release}
days=${DAYS:-5}
pages=${PAGES:-50}
concurrency=${CONCURRENCY:-8}
from=${FROM:-2020-09-15}
to=$(date -u -d "$from + $((days - 1)) days" +%F)

sillok=$build/sillok
stand_in=$build/bench/naver_stand_in
for binary in "$sillok" "$stand_in"; do
  if [ ! -x "$binary" ]; then
    echo "backfill_vs_scrapy: $binary not found: cmake --preset release -DSILLOK_BUILD_BENCH=ON && cmake --build --preset release" >&2
    exit 1
  fi
done

# GNU time and Debian's Scrapy (2.8 on Debian 12), for the system Python.
missing=()
[ -x /usr/bin/time ] || missing+=(time)
/usr/bin/python3 -c 'import scrapy' 2>/dev/null || missing+=(python3-scrapy)
if ((${#missing[@]})); then
  echo "backfill_vs_scrapy: installing ${missing[*]}" >&2
  sudo=()
  if [ "$(id -u)" -ne 0 ]; then sudo=(sudo); fi
  "${sudo[@]}" apt-get update -q >&2
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/sillok-bench.XXXXXX")
stand_in_pid=
cleanup() {
  if [ -n "$stand_in_pid" ]; then
    kill "$stand_in_pid" 2>/dev/null || true
    wait "$stand_in_pid" 2>/dev/null || true
  fi
  if [ "${KEEP:-0}" = 1 ]; then echo "work folder kept: $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

start_stand_in "$stand_in" --from "$from" --days "$days" --pages "$pages" --url-list "$work/urls.txt"


echo "stand-in on 127.0.0.1:$port: $days days x $pages list pages x 20 = $listed articles" >&2

echo "sillok backfill ..." >&2
start=$(now)
timed "$work/sillok.time" "$sillok" backfill --archive "$work/archive" --rate 0 --concurrency "$concurrency" \
  --from "$from" --to "$to" --section 100 \
  --connect-to "news.naver.com:443:127.0.0.1:$port" --connect-to "n.news.naver.com:443:127.0.0.1:$port" \
  --cacert "$cacert" -q >"$work/sillok.out" 2>"$work/sillok.err" || {
  echo "sillok backfill failed (exit $?):" >&2
  tail -20 "$work/sillok.err" >&2
  exit 1
}
sillok_wall=$(since "$start")
sillok_articles=$(find "$work/archive" -name '*.md' -not -path '*/.tmp/*' | wc -l)

run_scrapy "$work/urls.txt" "$port" "$concurrency"

read -r _ sillok_user sillok_sys sillok_rss <"$work/sillok.time"
read -r _ scrapy_user scrapy_sys scrapy_rss <"$work/scrapy.time"

echo
echo "Backfill of $listed listed articles, politeness off, concurrency $concurrency, $(nproc) cores"
awk -v sa="$sillok_articles" -v sw="$sillok_wall" -v su="$sillok_user" -v ss="$sillok_sys" -v sr="$sillok_rss" \
    -v ca="$scrapy_articles" -v cw="$scrapy_wall" -v cu="$scrapy_user" -v cs="$scrapy_sys" -v cr="$scrapy_rss" 'BEGIN {
  printf "%-8s %9s %9s %11s %14s %14s\n", "", "articles", "wall s", "articles/s", "CPU ms/article", "peak RSS MiB"
  printf "%-8s %9d %9.1f %11.1f %14.2f %14.1f\n", "sillok", sa, sw, sa / sw, 1000 * (su + ss) / sa, sr / 1024
  printf "%-8s %9d %9.1f %11.1f %14.2f %14.1f\n", "scrapy", ca, cw, ca / cw, 1000 * (cu + cs) / ca, cr / 1024
  printf "sillok / scrapy articles/s: %.2f\n", (sa / sw) / (ca / cw)
}'
echo "sillok: $(grep '^summary' "$work/sillok.out" | cut -f2-)"
echo "scrapy: $(grep -o "'elapsed_time_seconds': [0-9.]*" "$work/scrapy.err" | head -1) (crawl alone)"
