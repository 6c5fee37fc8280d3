#!/bin/sh
# sigint_status.sh PIMLAB OUTDIR: a co-simulation interrupted by one SIGINT
# exits with status 130 (the command-line contract), and its --json output is
# still one document, with the verdict "interrupted".
PIMLAB=$1
DIR=$2
rm -rf "$DIR" && mkdir -p "$DIR" || exit 1
# About 20 s of simulation at ~10 ms per RetNet step; interrupted after 1 s.
"$PIMLAB" cosim --kernel su --model retnet-2.7b --steps 2000 --json > "$DIR/out.json" 2> "$DIR/err.txt" &
pid=$!
sleep 1
kill -INT $pid
wait $pid
rc=$?
if [ $rc -ne 130 ]; then echo "FAIL: interrupted run exited $rc, expected 130"; cat "$DIR/err.txt"; exit 1; fi
grep -q '"verdict": "interrupted"' "$DIR/out.json" || { echo "FAIL: no interrupted verdict"; cat "$DIR/out.json"; exit 1; }
echo "PASS: interrupted run exited 130 with an interrupted verdict"
