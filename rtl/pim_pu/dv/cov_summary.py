#!/usr/bin/env python3
"""Line and toggle coverage of pim_pu from a Verilator coverage.dat.

Usage: cov_summary.py MERGED.dat [--min-line PERCENT]

Verilator's --coverage-line points are the statement blocks ("v_line") and
the if/else and case arms ("v_branch"); they are counted together as line
coverage, as verilator_coverage does. --coverage-toggle points ("v_toggle")
are every bit of every signal. A point is covered when its count is > 0.
"""
import re
import sys


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    path = sys.argv[1]
    min_line = 0.0
    if "--min-line" in sys.argv:
        min_line = float(sys.argv[sys.argv.index("--min-line") + 1])
    kinds = {}
    uncovered = []
    with open(path, encoding="latin-1") as f:
        for line in f:
            m = re.match(r"^C '(.*)' (\d+)$", line.rstrip("\n"))
            if not m:
                continue
            fields = dict(kv.split("\x02", 1) for kv in m.group(1).split("\x01") if "\x02" in kv)
            page = fields.get("page", "")
            kind = page.split("/", 1)[0]
            if not kind.startswith("v_"):
                continue
            hit = int(m.group(2)) > 0
            total, covered = kinds.get(kind, (0, 0))
            kinds[kind] = (total + 1, covered + (1 if hit else 0))
            if not hit and kind in ("v_line", "v_branch"):
                uncovered.append("%s:%s %s" % (fields.get("f", "?").split("/")[-1], fields.get("l", "?"),
                                               fields.get("o", "")))

    def pct(t, c):
        return 100.0 * c / t if t else 100.0

    lt = sum(kinds.get(k, (0, 0))[0] for k in ("v_line", "v_branch"))
    lc = sum(kinds.get(k, (0, 0))[1] for k in ("v_line", "v_branch"))
    tt, tc = kinds.get("v_toggle", (0, 0))
    print("pim_pu coverage (%s)" % path)
    for k in sorted(kinds):
        t, c = kinds[k]
        print("  %-9s %6d / %6d points  %6.2f %%" % (k, c, t, pct(t, c)))
    print("  line      %6d / %6d points  %6.2f %%   (v_line + v_branch)" % (lc, lt, pct(lt, lc)))
    print("  toggle    %6d / %6d points  %6.2f %%" % (tc, tt, pct(tt, tc)))
    for u in uncovered[:40]:
        print("  not covered: " + u)
    if pct(lt, lc) < min_line:
        print("FAIL: line coverage %.2f %% is below %.2f %%" % (pct(lt, lc), min_line))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
