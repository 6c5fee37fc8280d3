#!/bin/sh
# Stochastic rounding is reproducible: two runs with the same seed print the
# same bytes; a run with another seed prints different bytes for this input.
# usage: same_seed.sh PIMLAB INPUT_FILE
set -u
pimlab=$1 input=$2
tmp=${TMPDIR:-/tmp}/pimlab_quantize_seed_$$
trap 'rm -f "$tmp".*' EXIT
"$pimlab" quantize --format mx8 --rounding stochastic --seed 77 <"$input" >"$tmp.a" || exit 1
"$pimlab" quantize --format mx8 --rounding=stochastic --seed=77 <"$input" >"$tmp.b" || exit 1
"$pimlab" quantize --format mx8 --rounding stochastic --seed 78 <"$input" >"$tmp.c" || exit 1
cmp "$tmp.a" "$tmp.b" || { echo "same seed, different output"; exit 1; }
if cmp -s "$tmp.a" "$tmp.c"; then echo "seeds 77 and 78 gave identical output"; exit 1; fi
[ "$(wc -l <"$tmp.a")" = "$(grep -c . "$input")" ] || { echo "one output line per input value expected"; exit 1; }
exit 0
