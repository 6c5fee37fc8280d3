#!/bin/sh
# sigint.sh PIMLAB DIR: a traced co-simulation interrupted by SIGINT leaves a
# readable FST (fst2vcd exits 0) and a complete VCD, and exits with status 130.
set -u
PIMLAB=$1
DIR=$2
rm -rf "$DIR"
mkdir -p "$DIR"
"$PIMLAB" cosim --kernel su --model retnet-2.7b --steps 100000 --units mixed --trace "$DIR" > "$DIR/log.txt" 2>&1 &
pid=$!
# Interrupt once the first FST has data in it (the run is well under way).
# Setting the kernel up takes seconds, tens of them on a loaded machine: wait
# up to 90 s for the waves to start, so the interrupt never comes before them.
i=0
while [ $i -lt 450 ]; do
  sleep 0.2
  if [ -s "$DIR/top.hbm.pch0.bank_group0.pair0.fst" ] && [ -s "$DIR/tlm.vcd" ]; then break; fi
  i=$((i + 1))
done
sleep 0.3
kill -INT $pid
wait $pid
rc=$?
cat "$DIR/log.txt"
if [ $rc -ne 130 ]; then echo "FAIL: interrupted run exited $rc, expected 130"; exit 1; fi
grep -q INTERRUPTED "$DIR/log.txt" || { echo "FAIL: no INTERRUPTED verdict"; exit 1; }
fst2vcd "$DIR/top.hbm.pch0.bank_group0.pair0.fst" > /dev/null || { echo "FAIL: fst2vcd on the interrupted FST"; exit 1; }
fst2vcd "$DIR/top.hbm.pch0.bank_group0.pair0.fst" 2>/dev/null | head -400 > "$DIR/fst_head.vcd"
grep -q busy_o "$DIR/fst_head.vcd" || { echo "FAIL: FST has no busy_o"; exit 1; }
grep -q '^\$enddefinitions' "$DIR/tlm.vcd" || { echo "FAIL: VCD header incomplete"; exit 1; }
echo "PASS: interrupted run (exit $rc) left a readable FST and VCD"
