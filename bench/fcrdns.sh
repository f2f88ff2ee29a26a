#!/bin/sh
# Compare the FCrDNS engine's query rate with dnsperf's, against the same knotd
# on 127.0.0.1 (loopback only), over 100k addresses: 10.0.0.0 and up, in the
# reverse zones 0.10.in-addr.arpa and 1.10.in-addr.arpa, with forward A
# records in bench.example. The data has every verdict (1% each of no-ptr,
# no-forward, mismatch, multi-ptr; 5% pass through shared "pool" names).
#
#   bench/fcrdns.sh [RUNS [ADDRESSES]]        (defaults: 3 runs, 100000)
#
# Each run is dnsperf -c 2 -l 5 over the exact query mix the engine sends
# (one PTR per address, one A per distinct PTR name), then the engine for
# about 5 s (passes over the list, a fresh check each time); the best rate of
# each is compared. The two share the machine's CPUs: runs vary, and other
# load on the machine skews the comparison. Extra engine flags go in
# FCRDNS_FLAGS (e.g. "-workers 160 -sockets 2"; see fcrdns-bench run -h).
# knotd is stopped on exit.
set -eu
runs=${1:-3}
n=${2:-100000}
cd "$(dirname "$0")/.."
for b in knotd dnsperf; do
	command -v $b >/dev/null || { echo "fcrdns.sh: $b not found (apt-get install knot dnsperf)" >&2; exit 2; }
done

dir=$(mktemp -d /tmp/fcrdns-bench.XXXXXX)
kpid=
cleanup() {
	[ -n "$kpid" ] && kill "$kpid" 2>/dev/null && wait "$kpid" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

go build -o "$dir/fcrdns-bench" ./bench/fcrdns-bench
go build -o "$dir/rdnsctl" ./cmd/rdnsctl
"$dir/fcrdns-bench" gen -dir "$dir" -n "$n"
port=$("$dir/fcrdns-bench" port)
server=127.0.0.1:$port

{
	printf 'server:\n    listen: %s\n    rundir: %s\n' "127.0.0.1@$port" "$dir"
	printf 'log:\n  - target: stderr\n    any: warning\n'
	printf 'database:\n    storage: %s\n' "$dir"
	printf 'template:\n  - id: default\n    semantic-checks: off\n    zonefile-sync: -1\n    journal-content: none\n'
	printf 'zone:\n'
	while read -r origin file; do
		printf '  - domain: "%s"\n    file: "%s"\n' "$origin" "$file"
	done <"$dir/zones.txt"
} >"$dir/knot.conf"
knotd -c "$dir/knot.conf" &
kpid=$!
while read -r origin file; do
	"$dir/fcrdns-bench" wait -server "$server" -zone "$origin"
done <"$dir/zones.txt"
echo "knotd pid $kpid on $server, $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"

best_perf=0
best_ours=0
best_cli=0
i=1
while [ "$i" -le "$runs" ]; do
	qps=$(dnsperf -s 127.0.0.1 -p "$port" -d "$dir/queries.txt" -c 2 -l 5 2>&1 |
		awk '/Queries per second/ {print $4}')
	qps=${qps:-0}
	echo "run $i: dnsperf  ${qps} q/s"
	# shellcheck disable=SC2086
	line=$("$dir/fcrdns-bench" run -server "$server" -addrs "$dir/addrs.txt" -l 5s ${FCRDNS_FLAGS:-})
	echo "run $i: $line"
	ours=$(echo "$line" | awk '/^rdnsctl:/ {print $2}')
	# the command itself: every address once, from stdin, JSON report
	cli=$("$dir/rdnsctl" fcrdns - --resolver "$server" -o json <"$dir/addrs.txt" 2>&1 >"$dir/report.json" | grep 'checks/s')
	echo "run $i: rdnsctl fcrdns: $cli"
	cliq=$(echo "$cli" | sed -n 's/.* \([0-9]*\) q\/s.*/\1/p')
	best_perf=$(awk -v a="$best_perf" -v b="$qps" 'BEGIN {print (b > a ? b : a)}')
	best_ours=$(awk -v a="$best_ours" -v b="$ours" 'BEGIN {print (b > a ? b : a)}')
	best_cli=$(awk -v a="$best_cli" -v b="${cliq:-0}" 'BEGIN {print (b > a ? b : a)}')
	i=$((i + 1))
done
awk -v p="$best_perf" -v o="$best_ours" -v c="$best_cli" 'BEGIN {
	printf "best: dnsperf %.0f q/s, engine %.0f q/s = %.0f%% of dnsperf, rdnsctl fcrdns %.0f q/s = %.0f%% of dnsperf\n", p, o, (p > 0 ? 100 * o / p : 0), c, (p > 0 ? 100 * c / p : 0)
}'
