#!/usr/bin/env bash
# Disk cost of the raw responses kept as WARC, per article, for `warc = "versions"` and
# `warc = "all"` on the same run: a backfill of the local stand-in (bench/naver_stand_in)
# followed by REVISITS crawls of every article (unchanged revisits, as edit capture makes).
# Prints a table; asserts nothing.
#
# Usage: bench/warc_disk.sh [BUILD_DIR]      (default: build/release)
# Environment: DAYS (1), PAGES per day (10; 20 articles each), REVISITS (3),
#              FROM (2020-09-15), KEEP=1 keeps the work folder.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
build=${1:-$root/build/release}
days=${DAYS:-1}
pages=${PAGES:-10}
revisits=${REVISITS:-3}
from=${FROM:-2020-09-15}
to=$(date -u -d "$from + $((days - 1)) days" +%F)

sillok=$build/sillok
stand_in=$build/bench/naver_stand_in
for binary in "$sillok" "$stand_in"; do
  if [ ! -x "$binary" ]; then
    echo "warc_disk: $binary not found: cmake --preset release -DSILLOK_BUILD_BENCH=ON && cmake --build --preset release" >&2
    exit 1
  fi
done
if ! command -v sqlite3 >/dev/null 2>&1; then
  echo "warc_disk: installing sqlite3" >&2
  sudo=()
  if [ "$(id -u)" -ne 0 ]; then sudo=(sudo); fi
  "${sudo[@]}" apt-get update -q >&2
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends sqlite3 >&2
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
connection=(--connect-to "news.naver.com:443:127.0.0.1:$port" --connect-to "n.news.naver.com:443:127.0.0.1:$port"
            --cacert "$cacert" --rate 0 --concurrency 4 -q)

# Sum of the sizes of the files under $1 whose names end in $2.
bytes_of() { find "$1" -type f -name "*$2" -not -path '*/.tmp/*' -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }'; }

echo "stand-in on 127.0.0.1:$port: $days days x $pages list pages x 20 = $listed articles; $revisits revisits each" >&2
printf '%-9s %8s %9s %9s %9s %12s %13s %13s %12s\n' mode articles fetches kept_art kept_list "WARC bytes" \
  "WARC/article" "resp/article" "resp/listing"
for mode in versions all; do
  archive=$work/$mode
  mkdir -p "$archive"
  printf 'warc = "%s"\n' "$mode" >"$work/$mode.toml"
  echo "$mode: backfill, then $revisits crawls of every article ..." >&2
  "$sillok" backfill --config "$work/$mode.toml" --archive "$archive" --from "$from" --to "$to" --section 100 \
    "${connection[@]}" >"$work/$mode.backfill.out" 2>"$work/$mode.backfill.err" || {
    echo "warc_disk: backfill failed (exit $?):" >&2; tail -20 "$work/$mode.backfill.err" >&2; exit 1; }
  for _ in $(seq "$revisits"); do
    "$sillok" crawl --config "$work/$mode.toml" --archive "$archive" --url-file "$work/urls.txt" \
      "${connection[@]}" >"$work/$mode.crawl.out" 2>"$work/$mode.crawl.err" || {
      echo "warc_disk: crawl failed (exit $?):" >&2; tail -20 "$work/$mode.crawl.err" >&2; exit 1; }
  done
  articles=$(find "$archive" -name '*.md' -not -path '*/.tmp/*' | wc -l)
  warc_bytes=$(bytes_of "$archive/warc" .warc.gz)
  # Fetch rows, kept article responses and kept listing pages, with the mean size of their
  # response records (the request records are the rest of the WARC bytes).
  read -r fetches kept_articles article_bytes kept_listings listing_bytes < <(sqlite3 -separator ' ' \
    "$archive/ledger.sqlite3" "SELECT count(*),
       count(warc_file) FILTER (WHERE url LIKE 'https://n.news.naver.com/%'),
       coalesce(sum(warc_length) FILTER (WHERE url LIKE 'https://n.news.naver.com/%'), 0),
       count(warc_file) FILTER (WHERE url LIKE 'https://news.naver.com/%'),
       coalesce(sum(warc_length) FILTER (WHERE url LIKE 'https://news.naver.com/%'), 0) FROM fetches")
  awk -v m="$mode" -v a="$articles" -v f="$fetches" -v ka="$kept_articles" -v kl="$kept_listings" \
      -v w="$warc_bytes" -v ab="$article_bytes" -v lb="$listing_bytes" 'BEGIN {
    printf "%-9s %8d %9d %9d %9d %12d %11.1f KB %11.1f KB %10.1f KB\n", m, a, f, ka, kl, w, w / a / 1000,
      ka ? ab / ka / 1000 : 0, kl ? lb / kl / 1000 : 0
  }'
done
echo "Markdown files: $(bytes_of "$work/versions" .md | awk -v a="$listed" '{ printf "%.1f KB per article", $1 / a / 1000 }')"
