#!/bin/sh
# vcd_busy_settled.sh PIMLAB OUTDIR: the busy masks of the behavioural units in
# a traced co-simulation's tlm.vcd hold the settled value of each cycle.
#
# Rule (rtl/pim_pu/doc/spec.md, "Busy window"; pim_unit::PimUnit::busy): bank b
# is busy in cycle c iff a COMP to b was issued in some cycle c' with
# 1 <= c - c' <= acc_lat, acc_lat = 8 + 2 * (32 / lanes) = 16 cycles for the
# channel's default 8 lanes. Hence a one-cycle dip of bank b (busy in c-1 and
# c+1, idle in c) needs the window of b's previous COMP to close exactly in
# c-1 (a COMP in c-1-acc_lat = c-17) and a new COMP in c: both cycles carry a
# COMP of the unit. The traces sampled the busy mask after the command of
# cycle c was applied, so every COMP to a busy bank dipped its bit for one
# cycle (3 -> 2 -> 3 -> 1 ... every 4 ns in the su kernel) while the RTL unit
# stayed at 3; this check counts such dips that the rule does not allow.
PIMLAB=$1
DIR=$2
rm -rf "$DIR" && mkdir -p "$DIR" || exit 1
"$PIMLAB" cosim --kernel su --steps 1 --units behavioural --trace "$DIR/waves" > "$DIR/out.txt" 2> "$DIR/err.txt"
rc=$?
[ $rc -eq 0 ] || { echo "FAIL: cosim exited $rc"; cat "$DIR/err.txt"; exit 1; }
VCD="$DIR/waves/tlm.vcd"
[ -s "$VCD" ] || { echo "FAIL: no $VCD"; exit 1; }
awk -v acc_lat=16 -v tck=1000 '
  function bin(s,   v, i) { v = 0; for (i = 2; i <= length(s); ++i) v = v * 2 + (substr(s, i, 1) == "1"); return v }
  function bit(v, b) { return int(v / (b == 0 ? 1 : 2)) % 2 }
  /^\$timescale/ { ts = 1; next }
  ts && /ps/ { if ($0 !~ /^[ \t]*1 ps/) { print "FAIL: timescale " $0 " (expected 1 ps)"; bad = 1; exit 1 } ts = 0; next }
  /^\$scope/ { scope[++depth] = $3; next }
  /^\$upscope/ { --depth; next }
  /^\$var/ {
    path = ""; for (i = 1; i <= depth; ++i) path = path (i > 1 ? "." : "") scope[i]
    if ($5 == "busy") { kind[$4] = "busy"; unit[$4] = path; ++nbusy }
    if ($5 == "command" && path ~ /pair[0-9]+$/) { kind[$4] = "cmd"; unit[$4] = path }
    next
  }
  /^#/ { t = substr($0, 2) + 0; next }
  /^b/ {
    id = $2
    if (!(id in kind)) next
    u = unit[id]; v = bin($1)
    if (kind[id] == "cmd") { if (v == 1) comp[u, t / tck] = 1; next }
    n = ++nch[u]; ct[u, n] = t / tck; cv[u, n] = v
    if (v) ++active
  }
  END {
    if (bad) exit 1
    if (!nbusy || !active) { print "FAIL: no busy activity in the VCD"; exit 1 }
    dips = 0; allowed = 0
    for (u in nch) for (k = 2; k < nch[u]; ++k) {
      c = ct[u, k]
      if (ct[u, k + 1] != c + 1) continue
      for (b = 0; b < 2; ++b) {
        if (!(bit(cv[u, k - 1], b) && !bit(cv[u, k], b) && bit(cv[u, k + 1], b))) continue
        if (((u, c) in comp) && ((u, c - 1 - acc_lat) in comp)) { ++allowed; continue }
        if (++dips <= 5) printf "dip: %s bank bit %d idle in cycle %d only (busy %d -> %d -> %d)\n", u, b, c, cv[u, k - 1], cv[u, k], cv[u, k + 1]
      }
    }
    if (dips) { printf "FAIL: %d one-cycle busy dips the busy window does not allow\n", dips; exit 1 }
    printf "PASS: %d busy traces, no one-cycle dip outside the rule (%d allowed)\n", nbusy, allowed
  }' "$VCD"
