#!/bin/sh
# Instructions per unit cycle of the bench's streams, counted by callgrind:
# repeatable for the same binary whatever else the machine is doing, unlike
# the wall-clock figures of `--bench`. Runs N1 and N2 cycles and divides the
# difference by N2 - N1, so that start-up and set-up cancel.
#   icount.sh <valgrind> <pim_pu_tb> [streams...]   (default: b2b checked rounds idle)
valgrind=$1
tb=$2
shift 2
[ $# -gt 0 ] || set -- b2b checked rounds idle
n1=4000
n2=44000
count() {
  "$valgrind" --tool=callgrind --callgrind-out-file=/dev/null "$tb" --bench --stream "$1" --cycles "$2" 2>&1 |
    awk '/Collected/ {print $4}'
}
printf '%-10s %s\n' stream "instructions per unit cycle (callgrind)"
for s in "$@"; do
  a=$(count "$s" $n1)
  b=$(count "$s" $n2)
  if [ -z "$a" ] || [ -z "$b" ]; then
    echo "icount: no callgrind count for stream $s" >&2
    exit 1
  fi
  printf '%-10s %d\n' "$s" $(( (b - a) / (n2 - n1) ))
done
