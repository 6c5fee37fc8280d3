#!/bin/sh
# Runs `pimlab quantize` once and checks its exit status, its stdout byte for
# byte, and (for errors) that stderr is one line containing a given text.
# usage: run_case.sh PIMLAB EXPECTED_STATUS STDIN_FILE EXPECTED_STDOUT_FILE|- STDERR_TEXT|- -- ARGS...
set -u
pimlab=$1 want_rc=$2 input=$3 want_out=$4 want_err=$5
shift 5
[ "$1" = "--" ] && shift
tmp=${TMPDIR:-/tmp}/pimlab_quantize_$$
trap 'rm -f "$tmp.out" "$tmp.err"' EXIT
"$pimlab" quantize "$@" <"$input" >"$tmp.out" 2>"$tmp.err"
rc=$?
fail=0
if [ "$rc" != "$want_rc" ]; then
  echo "exit status $rc, expected $want_rc"; fail=1
fi
if [ "$want_out" != "-" ]; then
  if ! cmp -s "$tmp.out" "$want_out"; then
    echo "stdout differs from $want_out:"; diff "$want_out" "$tmp.out" | head -20; fail=1
  fi
else
  if [ -s "$tmp.out" ]; then echo "unexpected stdout:"; head -5 "$tmp.out"; fail=1; fi
fi
if [ "$want_err" != "-" ]; then
  if [ "$(wc -l <"$tmp.err")" != "1" ]; then echo "stderr is not one line:"; cat "$tmp.err"; fail=1; fi
  if ! grep -qF -- "$want_err" "$tmp.err"; then
    echo "stderr lacks '$want_err':"; cat "$tmp.err"; fail=1
  fi
elif [ -s "$tmp.err" ]; then
  echo "unexpected stderr:"; cat "$tmp.err"; fail=1
fi
exit $fail
