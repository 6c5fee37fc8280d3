#!/bin/sh
# Opens a dump with the committed view in GTKWave on a virtual display, lets a
# Tcl script count the displayed traces and quit. Fails if GTKWave fails or
# the view shows no traces.
#   check_gtkwave.sh <xvfb-run> <gtkwave> <dump.fst> <view.gtkw> [screenshot.png]
xvfb=$1
gtkwave=$2
fst=$3
view=$4
tcl=$(mktemp /tmp/pim_pu_gtkw.XXXXXX)
cat > "$tcl" <<'TCL'
set n [gtkwave::getTotalNumTraces]
puts "pim_pu.gtkw: $n traces displayed"
gtkwave::/File/Quit
TCL
out=$(timeout 120 "$xvfb" -a "$gtkwave" -S "$tcl" "$fst" "$view" 2>&1)
rc=$?
rm -f "$tcl"
echo "$out" | grep -v "^$" | tail -n 5
[ $rc -eq 0 ] || { echo "gtkwave exit status $rc"; exit 1; }
echo "$out" | grep -Eq "pim_pu.gtkw: [1-9][0-9]* traces displayed" || { echo "no traces displayed"; exit 1; }
