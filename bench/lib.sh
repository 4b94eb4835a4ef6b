# Shared by the bench scripts (sourced, not run): timing, the local stand-in for Naver,
# and the Scrapy side of the comparisons. Each script sets `work` (its temp folder) first.

now() { date +%s.%N; }
since() { awk -v start="$1" -v end="$(now)" 'BEGIN { print end - start }'; }
# Runs a command under GNU time; its line "elapsed user system maxrss_kb" goes to $1.
timed() {
  local out=$1
  shift
  /usr/bin/time -f '%e %U %S %M' -o "$out" "$@"
}

# Starts bench/naver_stand_in ($1) with the arguments that follow, waits until it is
# ready and sets stand_in_pid, port, cacert and listed (its article count). The caller's
# EXIT trap stops it through stand_in_pid.
start_stand_in() {
  local binary=$1
  shift
  "$binary" "$@" >"$work/stand_in.out" 2>"$work/stand_in.err" &
  stand_in_pid=$!
  for _ in $(seq 100); do
    grep -qx ready "$work/stand_in.out" 2>/dev/null && break
    kill -0 "$stand_in_pid" 2>/dev/null || { cat "$work/stand_in.err" >&2; exit 1; }
    sleep 0.1
  done
  port=$(awk '$1 == "port" {print $2}' "$work/stand_in.out")
  cacert=$(awk '$1 == "cacert" {print $2}' "$work/stand_in.out")
  listed=$(awk '$1 == "articles" {print $2}' "$work/stand_in.out")
  [ -n "$port" ] || { echo "$(basename "$0"): the stand-in did not start" >&2; exit 1; }
}

# Scrapy 2.8 (bench/naver_spider.py) over the URLs of $1 on 127.0.0.1:$2 at concurrency $3;
# sets scrapy_wall and scrapy_articles (items with a title, a time and a body), and leaves
# GNU time's line in $work/scrapy.time.
run_scrapy() {
  local urls=$1 target_port=$2 concurrency=$3 start
  echo "scrapy ..." >&2
  start=$(now)
  (cd "$work" && timed "$work/scrapy.time" /usr/bin/python3 -m scrapy runspider "$root/bench/naver_spider.py" \
    -a urls="$urls" -a port="$target_port" \
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
}
