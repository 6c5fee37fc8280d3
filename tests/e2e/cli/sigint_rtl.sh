#!/bin/sh
# sigint_rtl.sh PIMLAB OUTDIR: Ctrl-C inside one long PIM kernel of a traced
# all-RTL co-simulation (attention SCORE, L = 8192: each traced unit clocks
# every cycle into its FST, from cycle 0 through the kernel, one unit after the
# other: about 10 s for the one transaction) acts within a second: exit status 130, the
# --json document says "interrupted" with pim_interrupted, and every FST is
# readable (fst2vcd). Then the same with two Ctrl-Cs 2 ms apart: the files are
# still closed, so still readable. Last, SIGKILL (nothing is closed): the FSTs,
# flushed every 65536 cycles, still read (with the <file>.hier side file the
# writer keeps while it runs) up to the last flush.
# Before, the interrupt flag was looked at between slices of simulated time
# only: the kernel ran to its end first (10 s here; a minute at L = 65536).
PIMLAB=$1
DIR=$2
rm -rf "$DIR" && mkdir -p "$DIR" || exit 1

start() {  # start NAME: the run, until it is inside the SCORE kernel
  d="$DIR/$1"
  mkdir -p "$d"
  "$PIMLAB" cosim --kernel attention --len 8192 --units rtl --trace "$d/w" --json "$d/out.json" > "$d/out.txt" 2> "$d/err.txt" &
  pid=$!
  # Inside the SCORE kernel: the first unit's FST grows past its header (it is
  # flushed every 65536 cycles). Loading K and V comes first (seconds; up to
  # 90 s on a loaded machine).
  f="$d/w/top.hbm.pch0.bank_group0.pair0.fst"
  i=0
  while [ $i -lt 450 ]; do
    sleep 0.2
    [ -f "$f" ] && [ "$(wc -c < "$f")" -gt 1000 ] && break
    kill -0 $pid 2> /dev/null || break
    i=$((i + 1))
  done
  [ $i -lt 450 ] || echo "note: the FSTs did not grow in 90 s; interrupting anyway"
  sleep 0.3
}

run() {  # run NAME SIGNALS
  start "$1"
  t0=$(date +%s%N)
  kill -INT $pid
  if [ "$2" -eq 2 ]; then sleep 0.002; kill -INT $pid 2> /dev/null; fi
  wait $pid
  rc=$?
  t1=$(date +%s%N)
  ms=$(( (t1 - t0) / 1000000 ))
  tail -2 "$d/err.txt"
  [ $rc -eq 130 ] || { echo "FAIL ($1): exit status $rc, expected 130"; cat "$d/out.txt"; exit 1; }
  [ $ms -le 1000 ] || { echo "FAIL ($1): the interrupted run took $ms ms to exit (contract: within a second)"; exit 1; }
  grep -q '"verdict": "interrupted"' "$d/out.json" || { echo "FAIL ($1): no interrupted verdict"; cat "$d/out.json"; exit 1; }
  grep -q '"pim_interrupted": true' "$d/out.json" || { echo "FAIL ($1): no pim_interrupted"; cat "$d/out.json"; exit 1; }
  grep -q '"interrupted_kernel": "attention SCORE, L = 8192' "$d/out.json" || { echo "FAIL ($1): not interrupted inside the SCORE kernel"; cat "$d/out.json"; exit 1; }
  grep -q '^  verdict *INTERRUPTED' "$d/out.txt" || { echo "FAIL ($1): no INTERRUPTED verdict in the table"; cat "$d/out.txt"; exit 1; }
  n=0
  for fst in "$d"/w/*.fst; do
    fst2vcd "$fst" > /dev/null 2>&1 || { echo "FAIL ($1): fst2vcd cannot read $fst"; exit 1; }
    n=$((n + 1))
  done
  [ $n -eq 16 ] || { echo "FAIL ($1): $n FSTs, expected 16"; exit 1; }
  fst2vcd "$d/w/top.hbm.pch0.bank_group0.pair0.fst" 2> /dev/null | grep -q busy_o || { echo "FAIL ($1): the FST has no busy_o"; exit 1; }
  grep -q '^\$enddefinitions' "$d/w/tlm.vcd" || { echo "FAIL ($1): VCD header incomplete"; exit 1; }
  echo "ok ($1): exit 130 after $ms ms, 16 readable FSTs"
}
run once 1
run twice 2
start killed
kill -KILL $pid
wait $pid
f="$DIR/killed/w/top.hbm.pch0.bank_group0.pair0.fst"
fst2vcd "$f" > "$DIR/killed/pair0.vcd" 2> /dev/null || { echo "FAIL (killed): fst2vcd cannot read $f"; exit 1; }
t=$(grep -c '^#' "$DIR/killed/pair0.vcd")
[ "$t" -gt 1000 ] || { echo "FAIL (killed): $f holds $t time steps (its flushed blocks are missing)"; exit 1; }
echo "ok (killed): $f reads, $t time steps"
echo "PASS: Ctrl-C inside a traced RTL kernel acted within a second; files readable after one, two, and SIGKILL"
