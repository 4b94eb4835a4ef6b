#!/usr/bin/env bash
# Installs warcio (webrecorder's WARC reader, from the npm registry) into DIR, once, for
# the WARC tests' independent check of the files sillok writes. Exit 0 when it is there.
set -euo pipefail
dir=$1
version=2.4.11
if [ -f "$dir/node_modules/warcio/package.json" ] && grep -q "\"version\": \"$version\"" "$dir/node_modules/warcio/package.json"; then
  exit 0
fi
mkdir -p "$dir"
cd "$dir"
[ -f package.json ] || echo '{"private": true}' > package.json
npm install --no-audit --no-fund --loglevel=error "warcio@$version" >&2
