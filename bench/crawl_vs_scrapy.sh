#!/usr/bin/env bash
# Articles per second of `sillok crawl --url-file` and of a minimal Scrapy spider fetching and
# extracting the same real-size article pages from the same local nginx over TLS, in the same
# run, politeness off; plus CPU seconds per article and peak RSS of each side. Prints a table;
# asserts nothing.
#
# The pages: the saved article pages of the fixtures (fixtures/naver/article/*.html, 150-300 KB)
# at COUNT distinct article URLs (/mnews/article/<oid>/<aid>, the page repeated round robin;
# the parser takes the id from the URL). nginx (Debian's) serves them as static files,
# uncompressed, HTTP/1.1 with keep-alive, from a config in a temp folder that any user may run.
#
# Usage: bench/crawl_vs_scrapy.sh [BUILD_DIR]      (default: build/release)
# Environment: COUNT (2000), CONCURRENCY (16), WORKERS (sillok's --workers, 0: one per core),
#              SILLOK_FIXTURES (default: ../shared/fixtures beside the checkout), KEEP=1 keeps
#              the work folder.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
build=${1:-$root/build/release}
count=${COUNT:-2000}
concurrency=${CONCURRENCY:-16}
workers=${WORKERS:-0}
fixtures=${SILLOK_FIXTURES:-$root/../shared/fixtures}
sillok=$build/sillok

if [ ! -x "$sillok" ]; then
  echo "crawl_vs_scrapy: $sillok not found: cmake --preset release && cmake --build --preset release" >&2
  exit 1
fi
pages=("$fixtures"/naver/article/*.html)
if [ ! -f "${pages[0]}" ]; then
  echo "crawl_vs_scrapy: no article pages in $fixtures/naver/article (set SILLOK_FIXTURES)" >&2
  exit 1
fi

# nginx, GNU time and Scrapy (2.8 on Debian 12) from Debian, for the system Python.
missing=()
[ -x /usr/sbin/nginx ] || missing+=(nginx)
[ -x /usr/bin/time ] || missing+=(time)
command -v openssl >/dev/null || missing+=(openssl)
/usr/bin/python3 -c 'import scrapy' 2>/dev/null || missing+=(python3-scrapy)
if ((${#missing[@]})); then
  echo "crawl_vs_scrapy: installing ${missing[*]}" >&2
  sudo=()
  if [ "$(id -u)" -ne 0 ]; then sudo=(sudo); fi
  "${sudo[@]}" apt-get update -q >&2
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/sillok-crawl-bench.XXXXXX")
chmod 755 "$work"
nginx_started=
cleanup() {
  if [ -n "$nginx_started" ] && [ -f "$work/nginx.pid" ]; then
    kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
    sleep 0.2
  fi
  if [ "${KEEP:-0}" = 1 ]; then echo "work folder kept: $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

# A throwaway CA and a certificate for n.news.naver.com signed by it.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=sillok bench CA" \
  -keyout "$work/ca.key" -out "$work/ca.pem" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=n.news.naver.com" \
  -keyout "$work/server.key" -out "$work/server.csr" 2>/dev/null
printf 'subjectAltName=DNS:n.news.naver.com,IP:127.0.0.1\n' >"$work/san.ext"
openssl x509 -req -in "$work/server.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" -CAcreateserial \
  -days 2 -extfile "$work/san.ext" -out "$work/server.pem" 2>/dev/null

# The pages: article i at /mnews/article/<oid>/<aid>, a copy of fixture page i mod N.
site=$work/site
: >"$work/urls.txt"
for ((i = 0; i < count; ++i)); do
  oid=$(printf '%03d' $((1 + i % 100)))
  aid=$(printf '09%08d' "$i")
  mkdir -p "$site/mnews/article/$oid"
  cp "${pages[$((i % ${#pages[@]}))]}" "$site/mnews/article/$oid/$aid"
  echo "https://n.news.naver.com/mnews/article/$oid/$aid" >>"$work/urls.txt"
done
chmod -R a+rX "$work"
bytes=$(du -sb "$site" | cut -f1)

port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$work/nginx-temp"
cat >"$work/nginx.conf" <<EOF
daemon on;
pid $work/nginx.pid;
error_log $work/nginx-error.log warn;
worker_processes 1;
events { worker_connections 256; }
http {
    access_log off;
    client_body_temp_path $work/nginx-temp/body;
    proxy_temp_path $work/nginx-temp/proxy;
    fastcgi_temp_path $work/nginx-temp/fastcgi;
    uwsgi_temp_path $work/nginx-temp/uwsgi;
    scgi_temp_path $work/nginx-temp/scgi;
    default_type "text/html; charset=utf-8";
    sendfile on;
    keepalive_requests 10000;
    gzip off;
    server {
        listen 127.0.0.1:$port ssl default_server;
        server_name n.news.naver.com;
        ssl_certificate $work/server.pem;
        ssl_certificate_key $work/server.key;
        root $site;
        location / { try_files \$uri =404; }
    }
}
EOF
/usr/sbin/nginx -p "$work" -c "$work/nginx.conf" -e "$work/nginx-error.log"
nginx_started=1
for _ in $(seq 50); do
  [ -f "$work/nginx.pid" ] && break
  sleep 0.1
done

echo "nginx on 127.0.0.1:$port: $count article pages, $((bytes / 1048576)) MiB" >&2

echo "sillok crawl ..." >&2
start=$(now)
timed "$work/sillok.time" "$sillok" crawl --url-file "$work/urls.txt" --archive "$work/archive" \
  --rate 0 --concurrency "$concurrency" --workers "$workers" \
  --connect-to "n.news.naver.com:443:127.0.0.1:$port" --cacert "$work/ca.pem" -q \
  >"$work/sillok.out" 2>"$work/sillok.err" || {
  echo "sillok crawl failed (exit $?):" >&2
  tail -20 "$work/sillok.err" >&2
  exit 1
}
sillok_wall=$(since "$start")
sillok_articles=$(grep -c '^saved' "$work/sillok.out" || true)

run_scrapy "$work/urls.txt" "$port" "$concurrency"

read -r _ sillok_user sillok_sys sillok_rss <"$work/sillok.time"
read -r _ scrapy_user scrapy_sys scrapy_rss <"$work/scrapy.time"

echo
echo "crawl --url-file of $count article pages from nginx over TLS, politeness off, concurrency $concurrency," \
  "$(nproc) cores, load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
awk -v sa="$sillok_articles" -v sw="$sillok_wall" -v su="$sillok_user" -v ss="$sillok_sys" -v sr="$sillok_rss" \
    -v ca="$scrapy_articles" -v cw="$scrapy_wall" -v cu="$scrapy_user" -v cs="$scrapy_sys" -v cr="$scrapy_rss" 'BEGIN {
  printf "%-8s %9s %9s %11s %14s %14s\n", "", "articles", "wall s", "articles/s", "CPU s/article", "peak RSS MiB"
  printf "%-8s %9d %9.1f %11.1f %14.4f %14.1f\n", "sillok", sa, sw, sa / sw, (su + ss) / sa, sr / 1024
  printf "%-8s %9d %9.1f %11.1f %14.4f %14.1f\n", "scrapy", ca, cw, ca / cw, (cu + cs) / ca, cr / 1024
  printf "sillok / scrapy articles/s: %.2f\n", (sa / sw) / (ca / cw)
}'
