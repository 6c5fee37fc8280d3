#!/usr/bin/env bash
# determinism.sh PIMLAB SOURCE_DIR WORK_DIR: every command that writes a JSON
# document writes the same bytes when run twice with the same options and
# seed, and a sweep's results (merged CSV, operators, every point's document)
# are the same bytes with --jobs 1 and --jobs 2.
set -u
P=$1
SRC=$2
W=$3
rm -rf "$W" && mkdir -p "$W" && cd "$W" || exit 1
fail() { echo "FAIL: $*" >&2; exit 1; }
n=0
# twice NAME ARGS...: the command's standard output (its JSON) twice, compared.
twice() {
  local name=$1; shift
  "$P" "$@" >"$name.1" 2>"$name.err" || fail "$name: exit $?: $(head -3 "$name.err")"
  "$P" "$@" >"$name.2" 2>>"$name.err" || fail "$name (second run): exit $?"
  [ -s "$name.1" ] || fail "$name: no output"
  cmp -s "$name.1" "$name.2" || fail "$name: two runs differ: $(diff "$name.1" "$name.2" | head -5)"
  n=$((n + 1))
}
# twice_file NAME FILE ARGS...: the same for a command that writes its JSON to FILE.
twice_file() {
  local name=$1 file=$2; shift 2
  "$P" "$@" >/dev/null 2>"$name.err" || fail "$name: exit $?: $(head -3 "$name.err")"
  mv "$file" "$name.1"
  "$P" "$@" >/dev/null 2>>"$name.err" || fail "$name (second run): exit $?"
  mv "$file" "$name.2"
  cmp -s "$name.1" "$name.2" || fail "$name: two runs differ: $(diff "$name.1" "$name.2" | head -5)"
  n=$((n + 1))
}
D=$SRC/tests/data
printf 'cls,name,category,m,n,k,num_op,dbyte\nFC,qkv,gemm,32,10240,2560,1,2\nMATMUL,attention_qk,gemv,1,2049,128,256,1\n' >rows.csv
twice kernel_su kernel --op su --num-op 16 --rows 128 --cols 64 --check --json
twice kernel_attend kernel --op attend --variant hbm-pim --num-op 8 --rows 128 --cols 1024 --json
twice kernel_attacc kernel --family attacc --placement bank --heads 8 --len 512 --check --json
twice replay_pimba replay "$D/oracle/pimba_trace_sample_SU_Pimba_n16_128x64_1ch.txt" --check --json
twice replay_mem replay "$SRC/tests/e2e/replay_mem/bg_stream.trace" --format mem --check --json
twice replay_newton replay "$D/neupims/mb_dual_g3_c8_r4_l6_gw.txt" --format newton --pim-type dual --check --json
twice layers layers --host a100 --gpus 8 --csv rows.csv --json
twice model model mamba2-2.7b --system pimba --json
twice workload workload sharegpt --requests 500 --seed 9 --json
twice cim_softmax cim softmax --len 1024 --json
twice cim_bert cim bert --model base --seq 128 --json
twice cim_schedule cim schedule --network tinyyolov4 --duplicate --json
twice cosim cosim --kernel su --steps 2 --units behavioural --json
twice run_stdout run --model opt-7b,mamba2-2.7b --system gpu,gpu+pim,pimba --batch 8 --output-len 4 --json -
twice run_sharegpt run --model opt-7b --system pimba --workload sharegpt --requests 16 --batch 8 --seed 5 --json -
twice run_neupims run --model gpt3-7b --system neupims --tp 4 --batch 8 --input-len 256 --output-len 2 --json -
twice_file accuracy acc.json accuracy --steps 3 --heads 1 --seed 7 --json acc.json
# A sweep with one and with two jobs.
"$P" sweep "$D/sweep/small12.json" --out j1 --jobs 1 >/dev/null 2>j1.err || fail "sweep --jobs 1: $(tail -3 j1.err)"
"$P" sweep "$D/sweep/small12.json" --out j2 --jobs 2 >/dev/null 2>j2.err || fail "sweep --jobs 2: $(tail -3 j2.err)"
for f in results.csv operators.csv; do cmp -s j1/$f j2/$f || fail "sweep: $f differs between --jobs 1 and 2"; done
for f in j1/points/*[0-9a-z].json; do
  case $f in *.status.json|*.platform.json) continue ;; esac
  cmp -s "$f" "j2/points/${f#j1/points/}" || fail "sweep: $f differs between --jobs 1 and 2"
  n=$((n + 1))
done
echo "PASS: $n documents byte-identical across reruns and sweep --jobs 1/2"
