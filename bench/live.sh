#!/usr/bin/env bash
# Benchmarks against live servers on 127.0.0.1 (see bench/live/live_test.go):
# RFC 2136 push of 65,536 PTRs vs nsupdate, servers check of 4,096 zones on a
# BIND pair, block-init of a /16 into PowerDNS vs pdnsutil load-zone, audit
# --check-delegations of 4,096 delegations vs dnsperf and dig -f of the same SOA queries.
#   bench/live.sh [TestPushRFC2136|TestServersCheck4096|TestCheckDelegations4096|TestPowerDNS|TestServe$|TestServeValidated|TestServeSoak]
# TestServeSoak runs for RDNSCTL_BENCH_SOAK (e.g. 10m; skipped unset); RDNSCTL_BENCH_N sets the
# requests of TestServe*, RDNSCTL_BENCH_SERVE_LOG keeps the server's stderr.
# Needs bind9, bind9-utils, bind9-dnsutils, pdns-server, pdns-backend-sqlite3,
# sqlite3 and time (Debian packages).
set -euo pipefail
cd "$(dirname "$0")/.."
go test -tags bench -count=1 -timeout 30m -run "${1:-.}" -v ./bench/live | grep -v '^=== RUN'
