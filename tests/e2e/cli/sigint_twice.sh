#!/bin/sh
# sigint_twice.sh PIMLAB OUTDIR: Ctrl-C on a long traced co-simulation
# (attention, L = 65536, behavioural units: minutes of simulation) acts within
# a second (the contract, README), and a second Ctrl-C right after the first
# still leaves a complete VCD: its header, and after it only whole
# value-change lines (#time, b<bits> <id>, <bit><id>, $dumpvars/$end,
# $comment blocks).
# Before, the second SIGINT exited from the signal handler: the VCD lost its
# buffered tail (a cut line) or was never created.
PIMLAB=$1
DIR=$2
rm -rf "$DIR" && mkdir -p "$DIR" || exit 1
"$PIMLAB" cosim --kernel attention --len 65536 --units behavioural --trace "$DIR/w" > "$DIR/out.txt" 2> "$DIR/err.txt" &
pid=$!
# Wait (up to 90 s on a loaded machine) until the simulation writes the VCD.
i=0
while [ $i -lt 450 ] && ! [ -s "$DIR/w/tlm.vcd" ]; do sleep 0.2; i=$((i + 1)); done
[ -s "$DIR/w/tlm.vcd" ] || { echo "FAIL: no VCD after 90 s"; kill -KILL $pid; exit 1; }
sleep 0.5
t0=$(date +%s%N)
kill -INT $pid
sleep 0.002  # two deliveries (one pending SIGINT would absorb the second)
kill -INT $pid 2> /dev/null
wait $pid
rc=$?
t1=$(date +%s%N)
ms=$(( (t1 - t0) / 1000000 ))
cat "$DIR/err.txt" | tail -3
[ $rc -eq 130 ] || { echo "FAIL: exit status $rc, expected 130"; exit 1; }
[ $ms -le 1000 ] || { echo "FAIL: the interrupted run took $ms ms to exit (contract: within a second)"; exit 1; }
VCD="$DIR/w/tlm.vcd"
[ -f "$VCD" ] || { echo "FAIL: no $VCD"; exit 1; }
grep -q '^\$enddefinitions' "$VCD" || { echo "FAIL: VCD header incomplete"; exit 1; }
[ "$(tail -c 1 "$VCD" | od -An -c | tr -d ' ')" = '\n' ] || { echo "FAIL: the VCD ends inside a line"; exit 1; }
bad=$(sed '1,/^\$enddefinitions/d' "$VCD" | sed '/^\$comment/,/^\$end/d' | grep -cvE '^(#[0-9]+|b[01xz]+ [!-~]+|[01xz][!-~]+|\$dumpvars|\$end|)$')
[ "$bad" -eq 0 ] || { echo "FAIL: $bad malformed lines after the VCD header"; exit 1; }
last=$(grep '^#' "$VCD" | tail -1)
echo "PASS: exit 130 after $ms ms; VCD complete up to time ${last#\#} ps"
