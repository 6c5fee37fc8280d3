#!/bin/sh
# gtkwave_views.sh PIMLAB OUTDIR SOURCE_DIR: the committed views (tb/cosim/*.gtkw,
# rtl/pim_pu/dv/pim_pu.gtkw) show command names and one label per signal, and the
# waveform hint that `pimlab cosim --trace` prints opens them from any directory.
#
# 1. In every view, each command trace (pch<p>.command, pair<q>.command,
#    cmd_op_i) is shown through a translate filter (GTKWave trace flag 0x2000
#    after a '^<n> FILE' line) whose FILE exists relative to the source tree,
#    and no two traces carry the same label (the alias '+{label}', else the
#    signal's own name as GTKWave shows it).
# 2. With xvfb-run and gtkwave installed: the hint, run from another directory
#    with a Tcl script, displays every trace of tlm.gtkw and loads its filters.
PIMLAB=$1
DIR=$2
SRC=$3
rm -rf "$DIR" && mkdir -p "$DIR" || exit 1
fail=0
for view in "$SRC"/tb/cosim/*.gtkw "$SRC"/rtl/pim_pu/dv/pim_pu.gtkw; do
  out=$(awk -v src="$SRC" '
    function hex(s,   v, i, c) { v = 0; for (i = 1; i <= length(s); ++i) { c = index("0123456789abcdef", tolower(substr(s, i, 1))) - 1; v = v * 16 + c } return v }
    /^@/ { flags = hex(substr($0, 2)); next }
    /^\^[0-9]+ / { f = $2; filt = f; if (system("test -f \"" src "/" f "\"") != 0) { print "missing translate filter file " f; bad = 1 } next }
    /^[\[*-]/ || /^$/ { next }
    {
      line = $0; label = ""
      if (line ~ /^\+\{/) { label = substr(line, 3, index(line, "}") - 3); sig = substr(line, index(line, "}") + 2) }
      else { sig = line; n = split(sig, p, "."); label = p[n] }
      if (label in seen) { print "label \"" label "\" shown twice (" seen[label] ", " sig ")"; bad = 1 }
      seen[label] = sig
      if (sig ~ /(\.command|cmd_op_i)\[/) {
        if (int(flags / 8192) % 2 != 1 || filt == "") { print sig ": command codes shown as numbers (no translate filter)"; bad = 1 }
      }
    }
    END { exit bad }' "$view")
  if [ $? -ne 0 ]; then echo "FAIL: $(basename "$view"):"; echo "$out"; fail=1; fi
done
[ $fail -eq 0 ] || exit 1
echo "views: command traces filtered, labels distinct"

command -v xvfb-run > /dev/null && command -v gtkwave > /dev/null || { echo "PASS (xvfb-run or gtkwave missing: hint not opened)"; exit 0; }
"$PIMLAB" cosim --kernel su --steps 1 --units behavioural --trace "$DIR/waves" > "$DIR/out.txt" 2> "$DIR/err.txt" || {
  echo "FAIL: cosim"; cat "$DIR/err.txt"; exit 1; }
hint=$(sed -n 's/^  waves  *//p' "$DIR/out.txt")
case "$hint" in
  *"gtkwave /"*tlm.vcd" /"*tlm.gtkw*) ;;
  *) echo "FAIL: the hint does not name the waveform and the view by absolute path: $hint"; exit 1 ;;
esac
tcl="$DIR/count.tcl"
cat > "$tcl" <<'TCL'
puts "traces displayed: [gtkwave::getTotalNumTraces]"
gtkwave::/File/Quit
TCL
want=$(grep -v '^\[' "$SRC/tb/cosim/tlm.gtkw" | grep -v '^[@*^]' | grep -c .)
mkdir -p "$DIR/elsewhere"
cmd=$(echo "$hint" | sed "s|gtkwave |timeout 120 xvfb-run -a gtkwave -S $tcl |")
log=$(cd "$DIR/elsewhere" && sh -c "$cmd" 2>&1)
got=$(echo "$log" | sed -n 's/^traces displayed: \([0-9]*\)$/\1/p')
if echo "$log" | grep -q "Could not open filter file"; then echo "FAIL: a translate filter did not load:"; echo "$log" | tail -5; exit 1; fi
[ "$got" = "$want" ] || { echo "FAIL: $got of $want traces displayed"; echo "$log" | tail -5; exit 1; }
echo "PASS: the hint opens tlm.gtkw from $DIR/elsewhere, $got traces, filters loaded"
