#!/bin/sh
# Synthesises pim_pu with Yosys to the generic cell library, prints the cell
# counts (total, flip-flops, by cell type) and checks them against the
# parameter set's row of doc/area.md:
#   - flip-flops exactly (the register count follows from the RTL alone);
#   - total cells within 2 % (the combinational count moves with Yosys'
#     optimisation choices; an RTL change that moves it further must update
#     area.md with the new figure and its reason);
#   - no latch cells at all (the RTL is meant to be flip-flops only).
#   synth_pim_pu.sh <yosys> <Lanes> <RegSets> <area.md> <log> <sources...>
yosys=$1
lanes=$2
sets=$3
area=$4
log=$5
shift 5
"$yosys" -q -l "$log" -p "read_verilog -sv -DSYNTHESIS $*; chparam -set Lanes $lanes -set RegSets $sets pim_pu; synth -top pim_pu -noshare; tee -o $log.stat stat" > /dev/null 2>&1
rc=$?
if [ $rc -ne 0 ]; then
  echo "yosys failed (exit $rc), see $log"
  tail -n 20 "$log"
  exit 1
fi
cells=$(awk '/Number of cells:/ {print $4; exit}' "$log.stat")
ffs=$(awk '/\$_S?DFF/ {n += $2} END {print n + 0}' "$log.stat")
latches=$(awk '/\$_S?DLATCH|\$_DLATCHSR/ {n += $2} END {print n + 0}' "$log.stat")
echo "pim_pu Lanes=$lanes RegSets=$sets: $cells cells, $ffs flip-flops, $latches latches"
grep -E '^\s+\$_' "$log.stat"
[ -n "$cells" ] && [ "$cells" -gt 0 ] || { echo "FAIL: no cell count"; exit 1; }
[ "$latches" -eq 0 ] || { echo "FAIL: $latches latch cells (the RTL must infer flip-flops only)"; exit 1; }

# The area.md row: "| <Lanes>[ (default)] | <RegSets>[ (...)] | <cells> | <flops> | ..." (thin spaces
# or spaces as digit group separators).
row=$(awk -F'|' -v l="$lanes" -v s="$sets" '
  { a = $2; b = $3; gsub(/[^0-9 ]/, "", a); gsub(/\(.*/, "", b); gsub(/[^0-9]/, "", b); split(a, x, " ") }
  NF > 5 && x[1] == l && b == s { c = $4; f = $5; gsub(/[^0-9]/, "", c); gsub(/[^0-9]/, "", f); print c, f; exit }' "$area")
if [ -z "$row" ]; then
  echo "FAIL: no row for Lanes $lanes RegSets $sets in $area"
  exit 1
fi
want_cells=${row% *}
want_ffs=${row#* }
echo "area.md: $want_cells cells, $want_ffs flip-flops"
[ "$ffs" -eq "$want_ffs" ] || { echo "FAIL: $ffs flip-flops, area.md says $want_ffs"; exit 1; }
# |cells - want| <= 2 % of want
awk -v c="$cells" -v w="$want_cells" 'BEGIN {
  d = c - w; if (d < 0) d = -d
  printf "cells %+.2f %% against area.md (margin 2 %%)\n", 100 * (c - w) / w
  exit (d * 100 <= 2 * w) ? 0 : 1 }' || { echo "FAIL: cell count outside the 2 % margin; update doc/area.md"; exit 1; }
