#!/usr/bin/env bash
# Whole-command benchmarks at 1M records (issues: bulk operations, audit).
#
#   bench/run.sh            # all
#   bench/run.sh blockinit  # block-init only
#   bench/run.sh audit      # audit only
#   bench/run.sh zonecheck  # zone check of the 1M-PTR zone only
#   bench/run.sh residential  # audit against the residential export only
#
# Generates (bench/gen) a /12: 4,096 /24 zone files of 10.0.0.0/12 (1,048,576
# addresses), a NetBox export of every address and a zone set with 1% planted
# problems, a residential NetBox export (524k assigned addresses, most on their
# default PTR without a DNS name), then times rdnsctl against BIND's own tools
# on the same records as one zone, printing wall seconds, peak RSS
# (/usr/bin/time -v) and the ratio.
# Needs: go, /usr/bin/time (Debian package time), named-compilezone and
# named-checkzone (bind9-utils). Data goes to bench/out (git-ignored).
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-all}
out=bench/out
bin=$out/rdnsctl
mkdir -p "$out"
go build -o "$bin" ./cmd/rdnsctl
[ -x /usr/bin/time ] || { echo "install the Debian package 'time' for /usr/bin/time"; exit 2; }

# measure LABEL CMD...: prints wall seconds and peak RSS, sets WALL and RSS_MB
measure() {
  local label=$1; shift
  local log=$out/time.log
  /usr/bin/time -v "$@" >"$out/stdout.log" 2>"$log" || true
  WALL=$(awk -F': ' '/Elapsed \(wall clock\)/ {split($2,t,":"); if (length(t)==3) print t[1]*3600+t[2]*60+t[3]; else print t[1]*60+t[2]}' "$log")
  RSS_MB=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$log")
  local code; code=$(awk -F': ' '/Exit status/ {print $2}' "$log")
  printf '%-44s %8.2f s  %6s MiB  exit %s\n' "$label" "$WALL" "$RSS_MB" "$code"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a/b; else print "n/a" }'; }

rm -rf "$out/empty" "$out/full" "$out/one.zone" "$out/netbox.csv" "$out/netbox-residential.csv"
go run ./bench/gen -out "$out" >/dev/null

cat > "$out/rdnsctl.yaml" <<YAML
defaults:
  - prefix: 10.0.0.0/12
    template: "{dashed}.dyn.example.net."
YAML

if [ "$what" = all ] || [ "$what" = blockinit ]; then
  echo "== block-init on a /12 (1,048,576 addresses, 4,096 /24 zones)"
  rm -rf "$out/bi" && cp -r "$out/empty" "$out/bi"
  measure "rdnsctl block-init 10.0.0.0/12 --write" "$bin" block-init 10.0.0.0/12 --config "$out/rdnsctl.yaml" --zones "$out/bi" --quiet --write --max-change 100
  bi=$WALL; bi_rss=$RSS_MB
  measure "rdnsctl block-init (no-op re-run)" "$bin" block-init 10.0.0.0/12 --config "$out/rdnsctl.yaml" --zones "$out/bi" --quiet --write --expect-no-changes
  noop=$WALL
  measure "named-compilezone (same PTRs, one zone)" named-compilezone -q -k ignore -i local -o "$out/one.out" 10.in-addr.arpa "$out/one.zone"
  nc=$WALL
  echo "block-init / named-compilezone: $(ratio "$bi" "$nc")x (target <= 2), peak RSS ${bi_rss} MiB (target < 1024)"
  echo "no-op re-run / named-compilezone: $(ratio "$noop" "$nc")x"
fi

if [ "$what" = all ] || [ "$what" = zonecheck ]; then
  echo "== zone check of one zone of 1,048,576 PTRs"
  measure "rdnsctl zone check (one zone)" "$bin" zone check --origin 10.in-addr.arpa "$out/one.zone" --quiet
  zc=$WALL; zc_rss=$RSS_MB
  measure "named-checkzone (same zone)" named-checkzone -q -k ignore -i local 10.in-addr.arpa "$out/one.zone"
  echo "zone check / named-checkzone: $(ratio "$zc" "$WALL")x, peak RSS ${zc_rss} MiB"
fi

if [ "$what" = all ] || [ "$what" = audit ]; then
  echo "== audit: 1,048,576 IPAM rows vs 4,096 zone files, 1% planted problems"
  measure "rdnsctl audit -o json" "$bin" audit --config "$out/rdnsctl.yaml" --zones "$out/full" --ipam "$out/netbox.csv" -o json --quiet
  au=$WALL; au_rss=$RSS_MB
  python3 - "$out/stdout.log" <<'PY' || true
import json, sys
d = json.load(open(sys.argv[1]))
print("findings by category:", {k: v for k, v in d["summary"].items() if v})
PY
  measure "named-checkzone (same PTRs, one zone)" named-checkzone -q -k ignore -i local 10.in-addr.arpa "$out/one.zone"
  nck=$WALL
  echo "audit / named-checkzone: $(ratio "$au" "$nck")x (target <= 1), peak RSS ${au_rss} MiB (target < 512)"
fi

if [ "$what" = all ] || [ "$what" = residential ]; then
  echo "== audit: residential export (524k assigned addresses, most on their default PTR) vs 4,096 zone files"
  measure "rdnsctl audit -o json (residential)" "$bin" audit --config "$out/rdnsctl.yaml" --zones "$out/full" --ipam "$out/netbox-residential.csv" -o json --quiet
  ar=$WALL; ar_rss=$RSS_MB
  python3 - "$out/stdout.log" <<'PY' || true
import json, sys
d = json.load(open(sys.argv[1]))
print("summary:", {k: v for k, v in d["summary"].items() if v}, "rows listed:", len(d["findings"]))
PY
  ls -l "$out/stdout.log" | awk '{print "JSON bytes:", $5}'
  measure "named-checkzone (same PTRs, one zone)" named-checkzone -q -k ignore -i local 10.in-addr.arpa "$out/one.zone"
  nck=$WALL
  echo "audit (residential) / named-checkzone: $(ratio "$ar" "$nck")x (target <= 0.5), peak RSS ${ar_rss} MiB (target < 512)"
fi
