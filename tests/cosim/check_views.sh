#!/bin/sh
# check_views.sh DUMP VIEW: opens DUMP with the committed GTKWave VIEW on a
# virtual display; a Tcl script counts the traces shown and quits. Every
# signal line of the view (and its comment lines) must be displayed: a
# signal the dump lacks would be dropped silently by GTKWave.
set -u
dump=$1
view=$2
want=$(grep -v '^\[' "$view" | grep -v '^[@^]' | grep -v '^\*' | grep -c .)
tcl=$(mktemp /tmp/cosim_gtkw.XXXXXX)
cat > "$tcl" <<'TCL'
puts "traces displayed: [gtkwave::getTotalNumTraces]"
gtkwave::/File/Quit
TCL
out=$(timeout 120 xvfb-run -a gtkwave -S "$tcl" "$dump" "$view" 2>&1)
rc=$?
rm -f "$tcl"
got=$(echo "$out" | sed -n 's/^traces displayed: \([0-9]*\)$/\1/p')
echo "$(basename "$view"): $got of $want traces displayed"
[ $rc -eq 0 ] || { echo "FAIL: gtkwave exit status $rc"; echo "$out" | tail -5; exit 1; }
[ "$got" = "$want" ] || { echo "FAIL: the view names signals the dump does not have"; exit 1; }
