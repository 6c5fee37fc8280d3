#!/bin/sh
# A traced bench killed by SIGTERM or SIGINT must leave a readable FST: the
# bench closes the trace in its signal path and exits with 128 + signal.
#   check_killed_fst.sh <pim_pu_tb_trace> <out.fst>
exe=$1
fst=$2
mkdir -p "$(dirname "$fst")"
for sig in TERM INT; do
  rm -f "$fst"
  "$exe" --test random --comps 100000000 --trace "$fst" > "$fst.log" 2>&1 &
  pid=$!
  sleep 2
  kill -"$sig" "$pid"
  wait "$pid"
  rc=$?
  tail -n 1 "$fst.log"
  case $sig in TERM) want=143 ;; INT) want=130 ;; esac
  if [ "$rc" -ne "$want" ]; then
    echo "SIG$sig: bench exit status $rc, expected $want"
    exit 1
  fi
  if ! fst2vcd "$fst" > /dev/null 2>&1; then
    echo "SIG$sig: fst2vcd cannot read $fst"
    exit 1
  fi
  echo "SIG$sig: killed bench left a readable FST ($(wc -c < "$fst") bytes)"
done
