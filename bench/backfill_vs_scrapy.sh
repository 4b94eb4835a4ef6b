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

"$stand_in" --from "$from" --days "$days" --pages "$pages" --url-list "$work/urls.txt" \
  >"$work/stand_in.out" 2>"$work/stand_in.err" &
stand_in_pid=$!
for _ in $(seq 100); do
  grep -qx ready "$work/stand_in.out" 2>/dev/null && break
  kill -0 "$stand_in_pid" 2>/dev/null || { cat "$work/stand_in.err" >&2; exit 1; }
  sleep 0.1
done
port=$(awk '$1 == "port" {print $2}' "$work/stand_in.out")
cacert=$(awk '$1 == "cacert" {print $2}' "$work/stand_in.out")
listed=$(awk '$1 == "articles" {print $2}' "$work/stand_in.out")
[ -n "$port" ] || { echo "backfill_vs_scrapy: the stand-in did not start" >&2; exit 1; }

now() { date +%s.%N; }
since() { awk -v start="$1" -v end="$(now)" 'BEGIN { print end - start }'; }
# Runs a command under GNU time; its line "elapsed user system maxrss_kb" goes to $1.
timed() {
  local out=$1
  shift
  /usr/bin/time -f '%e %U %S %M' -o "$out" "$@"
}

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

echo "scrapy ..." >&2
start=$(now)
(cd "$work" && timed "$work/scrapy.time" /usr/bin/python3 -m scrapy runspider "$root/bench/naver_spider.py" \
  -a urls="$work/urls.txt" -a port="$port" \
  -s CONCURRENT_REQUESTS="$concurrency" -s CONCURRENT_REQUESTS_PER_DOMAIN="$concurrency" -s LOG_LEVEL=INFO \
  -O "$work/items.jsonl" 2>"$work/scrapy.err") || {
  echo "scrapy failed:" >&2
  tail -20 "$work/scrapy.err" >&2
  exit 1
}
scrapy_wall=$(since "$start")
scrapy_articles=$(/usr/bin/python3 -c '
import json, sys
complete = 0
for line in open(sys.argv[1], encoding="utf-8"):
    item = json.loads(line)
    complete += bool(item["title"] and item["published_at"] and item["content"])
print(complete)' "$work/items.jsonl")

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
