#!/bin/sh
# sigint_platform.sh PIMLAB OUTDIR SOURCE_DIR CMAKE: `pimlab run --platform-drives`
# interrupted by one SIGINT stops the platform before its next stage instance,
# leaves the cut-short iteration out, writes the statistics of the iterations
# the platform finished (the run's and stats.platform's agree: the run's time
# is the platform's) and exits with status 130.
PIMLAB=$1
DIR=$2
SRC=$3
CMAKE=$4
rm -rf "$DIR" && mkdir -p "$DIR" || exit 1
# 38 decode iterations of about 6 s each: far more than the 8 s before the interrupt.
"$PIMLAB" run --model "$SRC/tests/data/serving/functional/gpt3-2l.json" --system neupims --tp 8 --batch 2 \
  --input-len 63 --output-len 40 --platform "$SRC/configs/platforms/neupims-32ch.json" --platform-drives \
  --platform-first-instances --json "$DIR/out.json" > "$DIR/out.txt" 2> "$DIR/err.txt" &
pid=$!
sleep 8
kill -INT $pid
wait $pid
rc=$?
if [ $rc -ne 130 ]; then echo "FAIL: interrupted run exited $rc, expected 130"; cat "$DIR/err.txt"; exit 1; fi
"$CMAKE" -DOUT="$DIR/out.json" -P "$(dirname "$0")/platform_interrupted_check.cmake" || exit 1
