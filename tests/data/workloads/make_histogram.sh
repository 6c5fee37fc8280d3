#!/bin/sh
# Derives a request-length histogram from a token-length table.
#   in : TSV with a header line, columns input_toks <TAB> output_toks, one request per line
#   out: TSV with the header "input_toks<TAB>output_toks<TAB>count", one line per distinct
#        (input, output) pair, sorted by input then output (numerically), count = rows with it.
# Usage: make_histogram.sh sharegpt_token_lengths.tsv > sharegpt_hist.tsv
# The histogram holds exactly the table's multiset of rows (only the row order is dropped), so
# drawing a row uniformly from the table and drawing a pair with probability count/total are
# the same distribution.
set -eu
[ $# -eq 1 ] || { echo "usage: $0 TABLE.tsv > HIST.tsv" >&2; exit 2; }
export LC_ALL=C
printf 'input_toks\toutput_toks\tcount\n'
tail -n +2 "$1" | tr -d '\r' | awk -F'\t' 'NF != 2 || $1 !~ /^[0-9]+$/ || $2 !~ /^[0-9]+$/ { print "bad row " NR+1 ": " $0 > "/dev/stderr"; exit 1 } { print }' \
  | sort -t "$(printf '\t')" -k1,1n -k2,2n | uniq -c \
  | awk '{ printf "%s\t%s\t%s\n", $2, $3, $1 }'
