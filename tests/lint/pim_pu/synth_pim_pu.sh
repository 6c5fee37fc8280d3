#!/bin/sh
# Synthesises pim_pu with Yosys to the generic cell library and prints the
# cell counts (total, flip-flops, by cell type).
#   synth_pim_pu.sh <yosys> <Lanes> <RegSets> <log> <sources...>
yosys=$1
lanes=$2
sets=$3
log=$4
shift 4
"$yosys" -q -l "$log" -p "read_verilog -sv -DSYNTHESIS $*; chparam -set Lanes $lanes -set RegSets $sets pim_pu; synth -top pim_pu -noshare; tee -o $log.stat stat" > /dev/null 2>&1
rc=$?
if [ $rc -ne 0 ]; then
  echo "yosys failed (exit $rc), see $log"
  tail -n 20 "$log"
  exit 1
fi
cells=$(awk '/Number of cells:/ {print $4; exit}' "$log.stat")
ffs=$(awk '/\$_S?DFF/ {n += $2} END {print n + 0}' "$log.stat")
echo "pim_pu Lanes=$lanes RegSets=$sets: $cells cells, $ffs flip-flops"
grep -E '^\s+\$_' "$log.stat"
[ -n "$cells" ] && [ "$cells" -gt 0 ]
