#!/bin/sh
# sigint.sh PIMLAB PLATFORM PROGRAM DIR: `pimlab platform --program` stopped by
# SIGINT writes the stage instances finished so far (JSON with
# "interrupted": true, readable) and exits with status 130.
set -u
PIMLAB=$1
PLATFORM=$2
PROGRAM=$3
DIR=$4
rm -rf "$DIR"
mkdir -p "$DIR"
"$PIMLAB" platform "$PLATFORM" --program "$PROGRAM" --json "$DIR/out.json" > "$DIR/log.txt" 2>&1 &
pid=$!
# The whole iteration takes about 12 s here; the interrupt comes well before its end.
sleep 2
kill -INT $pid
wait $pid
rc=$?
cat "$DIR/log.txt"
if [ $rc -ne 130 ]; then echo "FAIL: interrupted run exited $rc, expected 130"; exit 1; fi
grep -q '"interrupted": true' "$DIR/out.json" || { echo "FAIL: no \"interrupted\": true in the JSON"; exit 1; }
grep -q '"iteration_time_s"' "$DIR/out.json" || { echo "FAIL: no iteration figures in the JSON"; exit 1; }
grep -q 'INTERRUPTED' "$DIR/log.txt" || { echo "FAIL: no INTERRUPTED line"; exit 1; }
echo "PASS: interrupted run (exit $rc) wrote its finished stages"
