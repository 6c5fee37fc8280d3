#!/usr/bin/env bash
# The bench of the unit built for speed: clang with -march=native, ThinLTO and
# profile-guided optimisation, in a build tree of its own.
#
#   bench_tuned.sh SRC_DIR WORK_DIR [CYCLES]
#
# 1. WORK_DIR/gen: pim_pu_tb instrumented (-fprofile-instr-generate).
# 2. Training: the constrained-random test (--test random --seed 1), not the
#    bench streams, so the profile is not fitted to what is measured. It must
#    pass (the golden checker is on).
# 3. WORK_DIR/use: pim_pu_tb built with that profile, checked again by the
#    random test with another seed and by every directed test, then
#    `pim_pu_tb --bench` (the same streams as bench_rtl).
# The RTL, the Verilator options and the bench are those of the default build;
# only the C++ compiler and its flags differ. Needs clang++, ld.lld and
# llvm-profdata (tools/setup-deps.sh --bench installs them).
set -euo pipefail

src=${1:?usage: bench_tuned.sh SRC_DIR WORK_DIR [CYCLES]}
work=${2:?usage: bench_tuned.sh SRC_DIR WORK_DIR [CYCLES]}
cycles=${3:-2000000}

# A tool by its plain name, else the newest versioned name (clang++-14, ...).
find_tool() {
  local t
  if t=$(command -v "$1"); then echo "$t"; return 0; fi
  for v in 19 18 17 16 15 14 13; do
    if t=$(command -v "$1-$v"); then echo "$t"; return 0; fi
  done
  return 1
}
missing=()
CXX_TUNED=$(find_tool clang++) || missing+=(clang++)
LLD=$(find_tool ld.lld) || missing+=(ld.lld)
PROFDATA=$(find_tool llvm-profdata) || missing+=(llvm-profdata)
if [ ${#missing[@]} -gt 0 ]; then
  echo "bench_tuned: missing ${missing[*]}; install them with: tools/setup-deps.sh --bench" >&2
  exit 2
fi
src=$(cd "$src" && pwd)
mkdir -p "$work"
work=$(cd "$work" && pwd)

gen=() ; command -v ninja >/dev/null && gen=(-G Ninja)
jobs=$(nproc 2>/dev/null || echo 2)
common=(-S "$src" "${gen[@]}" -DCMAKE_BUILD_TYPE=Release -DPIMLAB_WITH_RTL=ON
        -DCMAKE_CXX_COMPILER="$CXX_TUNED" -DCMAKE_CXX_COMPILER_LAUNCHER=
        -DCMAKE_EXE_LINKER_FLAGS="--ld-path=$LLD -flto=thin")
arch_flags="-march=native -flto=thin"
# A failing step shows its log; a passing one prints one line.
run_logged() {
  local log=$1; shift
  if ! "$@" >"$log" 2>&1; then
    echo "bench_tuned: failed: $* (log: $log)" >&2
    tail -n 30 "$log" >&2
    exit 1
  fi
}
expect_pass() {
  local log=$1; shift
  run_logged "$log" "$@"
  if ! grep -q '^PASS' "$log"; then
    echo "bench_tuned: no PASS from $* (log: $log)" >&2
    tail -n 30 "$log" >&2
    exit 1
  fi
}

t0=$(date +%s)
echo "bench_tuned: $("$CXX_TUNED" --version | head -n 1); -O3 $arch_flags, PGO; build trees in $work"
# 1. instrumented build
run_logged "$work/gen.configure.log" cmake -B "$work/gen" "${common[@]}" \
  -DCMAKE_CXX_FLAGS="$arch_flags -fprofile-instr-generate"
run_logged "$work/gen.build.log" cmake --build "$work/gen" --target pim_pu_tb -j "$jobs"
# 2. training run
rm -rf "$work/profraw"
mkdir -p "$work/profraw"
LLVM_PROFILE_FILE="$work/profraw/%p.profraw" expect_pass "$work/train.log" \
  "$work/gen/bin/pim_pu_tb" --test random --seed 1 --comps 20000 +verilator+rand+reset+2 +verilator+seed+1
run_logged "$work/merge.log" "$PROFDATA" merge -o "$work/pim_pu_tb.profdata" "$work/profraw/"*.profraw
# 3. optimised build, checked, then measured
run_logged "$work/use.configure.log" cmake -B "$work/use" "${common[@]}" \
  -DCMAKE_CXX_FLAGS="$arch_flags -fprofile-instr-use=$work/pim_pu_tb.profdata -Wno-profile-instr-unprofiled -Wno-profile-instr-out-of-date"
# ninja does not track the profile file: a new profile rebuilds everything.
sum=$(cksum <"$work/pim_pu_tb.profdata")
if [ -f "$work/use/profile.cksum" ] && [ "$(cat "$work/use/profile.cksum")" != "$sum" ]; then
  run_logged "$work/use.clean.log" cmake --build "$work/use" --target clean
fi
run_logged "$work/use.build.log" cmake --build "$work/use" --target pim_pu_tb -j "$jobs"
echo "$sum" >"$work/use/profile.cksum"
tb="$work/use/bin/pim_pu_tb"
expect_pass "$work/check.random.log" "$tb" --test random --seed 2 --comps 20000 +verilator+rand+reset+2 +verilator+seed+2
n=0
for t in $("$tb" --list); do
  [ "$t" = random ] && continue
  expect_pass "$work/check.$t.log" "$tb" --test "$t" --seed 3 +verilator+rand+reset+2 +verilator+seed+3
  n=$((n + 1))
done
echo "bench_tuned: built, trained and checked (random test + $n directed tests pass) in $(( $(date +%s) - t0 )) s"
"$tb" --bench --cycles "$cycles"
