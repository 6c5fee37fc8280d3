#!/bin/sh
# sigint.sh PIMLAB OUTDIR [SIGNAL]: `pimlab run` interrupted by one SIGINT (or
# SIGTERM, a scheduler's cancel) finishes the running iteration, writes its
# --json document with the statistics so far (stats.interrupted true) and exits
# with status 130.
PIMLAB=$1
DIR=$2
SIG=${3:-INT}
rm -rf "$DIR" && mkdir -p "$DIR" || exit 1
# Thousands of decode steps of a 70B model: far more than the 2 s before the interrupt.
"$PIMLAB" run --model zamba2-70b --gpus 8 --batch 128 --input-len 2048 --output-len 20000 --system gpu+pim \
  --ignore-capacity --json "$DIR/out.json" > "$DIR/out.txt" 2> "$DIR/err.txt" &
pid=$!
sleep 2
kill -$SIG $pid
wait $pid
rc=$?
if [ $rc -ne 130 ]; then echo "FAIL: interrupted run exited $rc, expected 130"; cat "$DIR/err.txt"; exit 1; fi
grep -q '"interrupted": true' "$DIR/out.json" || { echo "FAIL: no interrupted flag"; cat "$DIR/out.json"; exit 1; }
grep -q '"decode_iterations": [1-9]' "$DIR/out.json" || { echo "FAIL: no partial statistics"; exit 1; }
echo "PASS: run interrupted by SIG$SIG exited 130 with its partial statistics"
