#!/usr/bin/env bash
# End-to-end checks of `pimlab sweep` with the real binary.
#   sweep_e2e.sh MODE PIMLAB DATA_DIR WORK_DIR
# MODE: pool_vs_slurm, slurm_cluster, parallel, resume, interrupt, failing, sbatch, bad, platform, platform_file, plot, json.
# Exit 0 pass, 1 fail, 77 skipped (ctest SKIP_RETURN_CODE).
set -u
mode=$1
P=$2
DATA=$3
W=$4
rm -rf "$W"
mkdir -p "$W"
cd "$W" || exit 1

fail() {
  echo "FAIL: $*" >&2
  exit 1
}
rows() { tail -n +2 "$1" | wc -l; }
manifest() {  # manifest KEY DIR: a top-level number of DIR/manifest.json
  sed -n "s/^  \"$1\": \([0-9]*\),*$/\1/p" "$2/manifest.json"
}

# The Slurm array script run as Slurm would run each task (no cluster here:
# SLURM_ARRAY_TASK_ID set by hand for every index of its --array range).
run_sbatch_tasks() {
  local script=$1 last
  last=$(sed -n 's/^#SBATCH --array=0-\([0-9]*\)$/\1/p' "$script")
  [ -n "$last" ] || fail "no --array=0-N line in $script"
  for t in $(seq 0 "$last"); do
    SLURM_ARRAY_TASK_ID=$t bash "$script" 2>>slurm.err || fail "array task $t exited $?"
  done
}

# one_json_document FILE: FILE holds exactly one JSON document (the check of
# the other commands' --json tests, tests/e2e/json_document.cmake).
here=$(cd "$(dirname "$0")" && pwd)
one_json_document() {
  printf 'include(%s/../json_document.cmake)\nfile(READ "${F}" t)\npimlab_check_json_document("${F}" "${t}")\n' "$here" >check_json.cmake
  cmake -DF="$1" -P check_json.cmake >/dev/null 2>cmake.err || fail "$1 is not one JSON document: $(head -c 400 cmake.err)"
}

case "$mode" in
json)
  # --json [FILE|-] on sweep and plot means what it means on every command: the
  # document alone on standard output (the summary goes to standard error), or
  # in FILE with the summary on standard output. sweep's document is the
  # study's manifest; plot's lists the figures written.
  "$P" sweep "$DATA/demo.json" --out s --jobs 2 --json >pool.json 2>pool.err || fail "sweep --json exited $?: $(cat pool.err)"
  one_json_document pool.json
  cmp pool.json s/manifest.json || fail "sweep --json: standard output is not the manifest"
  grep -q "pimlab sweep demo: 4 points: 4 finished" pool.err || fail "sweep --json: no summary on standard error: $(cat pool.err)"
  "$P" sweep --merge s --json - >merge.json 2>merge.err || fail "merge --json - exited $?"
  one_json_document merge.json
  cmp merge.json s/manifest.json || fail "merge --json -: standard output is not the manifest"
  "$P" sweep --merge s --json m.json >merge.out 2>&1 || fail "merge --json FILE exited $?"
  cmp m.json s/manifest.json || fail "merge --json FILE: the file is not the manifest"
  grep -q "^pimlab sweep demo: 4 points: 4 finished" merge.out || fail "merge --json FILE: no summary on standard output"
  "$P" sweep "$DATA/demo.json" --out e --emit parallel --json >/dev/null 2>emit.err && fail "--emit with --json was accepted"
  grep -q "^pimlab sweep: error: --json applies to the local pool and --merge" emit.err || fail "--emit --json: $(cat emit.err)"
  "$P" sweep --merge s --json /nonexistent/m.json >/dev/null 2>bad.err
  [ $? = 3 ] || fail "merge --json /nonexistent/m.json: expected exit 3"
  if command -v gnuplot >/dev/null; then
    "$P" plot s/results.csv --defaults >paths.txt || fail "plot --defaults exited $?"
    "$P" plot s/results.csv --defaults --json >plot.json || fail "plot --defaults --json exited $?"
    one_json_document plot.json
    # The document lists exactly the paths the text form prints, in order, each a written file.
    grep -E '^    "[^"]*\.(svg|png)",?$' plot.json | sed 's/^    "\(.*\)",*$/\1/' >listed.txt
    cmp listed.txt paths.txt || fail "plot --json lists other figures than the text form"
    [ "$(wc -l <paths.txt)" -ge 8 ] || fail "plot --defaults wrote $(wc -l <paths.txt) figures"
    while read -r f; do [ -s "$f" ] || fail "plot --json lists $f, which is not written"; done <paths.txt
    "$P" plot s/results.csv --defaults --json p.json >ptable.txt || fail "plot --json FILE exited $?"
    cmp p.json plot.json || fail "plot --json FILE differs from --json"
    cmp ptable.txt paths.txt || fail "plot --json FILE: standard output is not the list of paths"
  fi
  ;;
pool_vs_slurm)
  # 12 points on the local pool and through the Slurm array script (5 points
  # per task: 3 tasks) give byte-identical merged CSVs.
  "$P" sweep "$DATA/small12.json" --out pool --jobs 2 >pool.out 2>pool.err || fail "pool exited $?: $(cat pool.err)"
  [ "$(rows pool/results.csv)" = 12 ] || fail "pool: $(rows pool/results.csv) rows, expected 12"
  [ "$(manifest points_ok pool)" = 12 ] || fail "pool: manifest points_ok $(manifest points_ok pool)"
  grep -q '"config_digest": "fnv1a64:[0-9a-f]\{16\}"' pool/manifest.json || fail "no config_digest"
  grep -q '"pimlab_version": "pimlab ' pool/manifest.json || fail "no pimlab_version"
  head -1 pool/results.csv | grep -q '^point,system,batch,model,seed,generation_time_s,iteration_time_s,tokens_per_s,tokens_per_j,energy_j,' ||
    fail "header: $(head -1 pool/results.csv)"
  "$P" sweep "$DATA/small12.json" --out slurm --emit slurm --chunk 5 >/dev/null || fail "emit slurm exited $?"
  run_sbatch_tasks slurm/sweep.sbatch
  "$P" sweep --merge slurm >/dev/null || fail "merge exited $?"
  cmp pool/results.csv slurm/results.csv || fail "pool and slurm CSVs differ"
  cmp pool/operators.csv slurm/operators.csv || fail "pool and slurm operators.csv differ"
  # Each row against the point's own JSON: tokens_per_s of point 7.
  want=$(sed -n 's/^    "tokens_per_s": \(.*\),$/\1/p' pool/points/007_*.json)
  got=$(awk -F, 'NR == 9 { print $8 }' pool/results.csv)
  [ -n "$want" ] && [ "$want" = "$got" ] || fail "point 7 tokens_per_s: csv $got, json $want"
  ;;
slurm_cluster)
  # A real single-node Slurm (Debian slurm-wlm + munge), started here with
  # all its state under the work directory: the emitted job array runs on it
  # and its merged CSV equals the local pool's byte for byte.
  for b in munged slurmctld slurmd sbatch sinfo; do
    command -v $b >/dev/null || { echo "Slurm is not installed (tools/setup-deps.sh installs it): skipped"; exit 77; }
  done
  C=$W/cluster
  mkdir -p $C/state $C/spool $C/log $C/munge
  H=$(hostname -s)
  stop_cluster() {
    for f in $C/slurmd.pid $C/slurmctld.pid $C/munge/munged.pid; do
      [ -f $f ] && kill "$(cat $f)" 2>/dev/null
    done
    return 0
  }
  trap stop_cluster EXIT
  dd if=/dev/urandom bs=1 count=1024 of=$C/munge/munge.key 2>/dev/null && chmod 400 $C/munge/munge.key
  munged --key-file=$C/munge/munge.key --socket=$C/munge/munge.socket --pid-file=$C/munge/munged.pid \
    --log-file=$C/munge/munged.log --seed-file=$C/munge/munged.seed --force ||
    { echo "munged did not start here: skipped"; exit 77; }
  port=$((20000 + $$ % 20000))
  cat > $C/slurm.conf <<CONF
ClusterName=pimlab
SlurmctldHost=$H
SlurmUser=$(id -un)
SlurmdUser=$(id -un)
AuthType=auth/munge
AuthInfo=socket=$C/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$C/state
SlurmdSpoolDir=$C/spool
SlurmctldPidFile=$C/slurmctld.pid
SlurmdPidFile=$C/slurmd.pid
SlurmctldLogFile=$C/log/slurmctld.log
SlurmdLogFile=$C/log/slurmd.log
SlurmctldPort=$port
SlurmdPort=$((port + 1))
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
NodeName=$H CPUs=$(nproc) State=UNKNOWN
PartitionName=pimlab Nodes=$H Default=YES MaxTime=INFINITE State=UP
CONF
  export SLURM_CONF=$C/slurm.conf
  # slurmd needs root (it starts jobs as their users); without it the cluster cannot run here.
  [ "$(id -u)" = 0 ] || { echo "a Slurm node needs root to start: skipped"; exit 77; }
  slurmctld -c -f $C/slurm.conf && slurmd -f $C/slurm.conf ||
    { echo "Slurm did not start here: skipped"; cat $C/log/*.log 2>/dev/null | tail -5; exit 77; }
  up=
  for i in $(seq 1 60); do
    sinfo -h -o %t 2>/dev/null | grep -q idle && { up=1; break; }
    sleep 0.5
  done
  [ -n "$up" ] || { echo "the Slurm node did not come up here: skipped"; tail -5 $C/log/*.log; exit 77; }
  "$P" sweep "$DATA/small12.json" --out pool --jobs 2 >/dev/null 2>&1 || fail "pool exited $?"
  "$P" sweep "$DATA/small12.json" --out slurm --emit slurm --partition pimlab --time 00:10:00 --chunk 5 >/dev/null ||
    fail "emit slurm exited $?"
  timeout 300 sbatch --wait --quiet slurm/sweep.sbatch || fail "the job array failed: $(cat slurm/slurm/*.out 2>/dev/null | tail -5)"
  "$P" sweep --merge slurm >/dev/null || fail "merge exited $?"
  cmp pool/results.csv slurm/results.csv || fail "pool and Slurm CSVs differ"
  cmp pool/operators.csv slurm/operators.csv || fail "pool and Slurm operators.csv differ"
  echo "PASS: 12 points as a Slurm job array on a single-node cluster: the same CSV as the local pool"
  ;;
parallel)
  if ! command -v parallel >/dev/null; then
    echo "GNU parallel is not installed (tools/setup-deps.sh installs it): skipped"
    exit 77
  fi
  "$P" sweep "$DATA/small12.json" --out pool --jobs 2 >/dev/null 2>&1 || fail "pool exited $?"
  "$P" sweep "$DATA/small12.json" --out par --emit parallel >/dev/null || fail "emit parallel exited $?"
  [ "$(wc -l <par/jobs.txt)" = 12 ] || fail "jobs.txt has $(wc -l <par/jobs.txt) lines"
  grep -q '^parallel --joblog "$OUT/parallel.joblog" "$@" < "$OUT/jobs.txt"$' par/run-parallel.sh ||
    fail "run-parallel.sh has not the parallel command"
  # ':' in an sshloginfile is the local machine: the --sshloginfile path of
  # GNU parallel without an ssh server.
  echo ":" >hosts.txt
  par/run-parallel.sh --sshloginfile hosts.txt --jobs 2 >par.out 2>par.err || fail "run-parallel.sh exited $?: $(cat par.err)"
  [ "$(tail -n +2 par/parallel.joblog | wc -l)" = 12 ] || fail "joblog: $(cat par/parallel.joblog)"
  awk -F'\t' 'NR > 1 && $7 != 0 { bad = 1 } END { exit bad }' par/parallel.joblog || fail "a job failed: $(cat par/parallel.joblog)"
  cmp pool/results.csv par/results.csv || fail "pool and GNU parallel CSVs differ"
  cmp pool/operators.csv par/operators.csv || fail "pool and GNU parallel operators.csv differ"
  # Again: every point is finished, each job only says so.
  par/run-parallel.sh --jobs 2 >/dev/null 2>par2.err || fail "second run exited $?"
  [ "$(grep -c 'already finished' par2.err)" = 12 ] || fail "second run re-ran points: $(cat par2.err)"
  ;;
resume)
  "$P" sweep "$DATA/demo.json" --out d --jobs 2 >/dev/null 2>first.err || fail "first run exited $?"
  cp d/results.csv first.csv
  # Two points lost: the next run runs those two only.
  rm d/points/001_*.json d/points/001_*.status.json d/points/003_*.status.json
  "$P" sweep "$DATA/demo.json" --out d --jobs 2 >second.out 2>second.err || fail "second run exited $?"
  grep -q '^\[2/2\] ' second.err || fail "second run: $(cat second.err)"
  grep -q '4 finished (2 from an earlier run)' second.out || fail "second run: $(cat second.out)"
  cmp first.csv d/results.csv || fail "resumed CSV differs"
  # A different grid in the same directory is refused.
  sed 's/"output-len": 16/"output-len": 8/' "$DATA/demo.json" >other.json
  "$P" sweep other.json --out d 2>other.err
  rc=$?
  [ $rc = 2 ] || fail "other grid in the same --out: exit $rc"
  grep -q "holds study 'demo' of another grid" other.err || fail "$(cat other.err)"
  ;;
interrupt)
  # Ctrl-C half-way: exit 130, a consistent partial result, then the rest only.
  "$P" sweep "$DATA/slow.json" --out s --jobs 1 >int.out 2>int.err &
  pid=$!
  # Interrupted once the first point has finished (at most 30 s).
  for _ in $(seq 300); do
    ls s/points/*.status.json >/dev/null 2>&1 && break
    sleep 0.1
  done
  kill -INT $pid
  wait $pid
  rc=$?
  [ $rc = 130 ] || fail "interrupted sweep exited $rc: $(cat int.err)"
  ok=$(manifest points_ok s)
  [ -n "$ok" ] && [ "$ok" -ge 1 ] && [ "$ok" -lt 6 ] || fail "points_ok $ok after the interruption"
  [ "$(rows s/results.csv)" = "$ok" ] || fail "results.csv has $(rows s/results.csv) rows, manifest $ok points ok"
  [ "$(ls s/points/*.json | grep -c -v status)" = "$ok" ] || fail "point JSONs: $(ls s/points)"
  ls s/points | grep -q '\.part$' && fail "a partial JSON was left: $(ls s/points)"
  grep -q '"status": "interrupted"' s/manifest.json || fail "no interrupted point in the manifest"
  mkdir kept && cp s/points/*.json kept/
  "$P" sweep "$DATA/slow.json" --out s --jobs 2 >res.out 2>res.err || fail "resumed sweep exited $?: $(cat res.err)"
  left=$((6 - ok))
  grep -q "^\[$left/$left\] " res.err || fail "resumed sweep ran other than the $left missing points: $(cat res.err)"
  [ "$(rows s/results.csv)" = 6 ] || fail "after resume: $(rows s/results.csv) rows"
  for f in kept/*.json; do
    case $f in *status.json) continue ;; esac
    cmp "$f" "s/points/$(basename "$f")" || fail "finished point $f was rewritten"
  done
  ;;
failing)
  "$P" sweep "$DATA/failing.json" --out f --jobs 2 >f.out 2>f.err
  rc=$?
  [ $rc = 3 ] || fail "a failed point: exit $rc, expected 3"
  grep -q '^\[./3\] 002_system-gpu_model-opt-7b_batch-4096_input-len-2048_output-len-2048: failed' f.err || fail "$(cat f.err)"
  [ "$(manifest points_ok f)" = 2 ] && [ "$(manifest points_failed f)" = 1 ] || fail "manifest: $(head -20 f/manifest.json)"
  [ "$(rows f/results.csv)" = 2 ] || fail "results.csv: $(cat f/results.csv)"
  grep -q 'batch 4096 needs .* GiB of KV/state' f/points/002_*.log || fail "log: $(cat f/points/002_*.log)"
  # --merge reports the failed point too.
  "$P" sweep --merge f >/dev/null 2>m.err
  rc=$?
  [ $rc = 3 ] || fail "--merge with a failed point: exit $rc"
  # The job of the engines: one point; its exit status tells parallel and Slurm.
  "$P" sweep "$DATA/failing.json" --out g --emit parallel >/dev/null || fail "emit exited $?"
  "$P" sweep --out g --point 2 2>pt.err
  rc=$?
  [ $rc = 3 ] || fail "--point of the failing point: exit $rc"
  "$P" sweep --out g --point 3 2>pr.err
  rc=$?
  [ $rc = 2 ] && grep -q -- "--point 3 is out of range (the study has 3 points: 0..2)" pr.err || fail "--point 3: $rc $(cat pr.err)"
  "$P" sweep --merge g >/dev/null 2>gm.err
  rc=$?
  [ $rc = 3 ] || fail "--merge of a partly run study: exit $rc"
  [ "$(manifest points_failed g)" = 1 ] && [ "$(manifest points_pending g)" = 2 ] || fail "manifest: $(head -20 g/manifest.json)"
  [ "$(cat g/results.csv)" = "point,system,model,batch,input-len,output-len,seed" ] || fail "results.csv of no finished point: $(cat g/results.csv)"
  ;;
sbatch)
  "$P" sweep "$DATA/small12.json" --out b --emit slurm --partition debug --time 00:10:00 --mem 2G --chunk 4 >/dev/null ||
    fail "emit slurm exited $?"
  f=b/sweep.sbatch
  bash -n "$f" || fail "bash -n rejects $f"
  head -1 "$f" | grep -q '^#!/bin/bash$' || fail "no bash shebang"
  for l in '#SBATCH --array=0-2' '#SBATCH --partition=debug' '#SBATCH --time=00:10:00' '#SBATCH --mem=2G' \
    '#SBATCH --job-name=pimlab-sweep-small12' "#SBATCH --output=$W/b/slurm/%A_%a.out" "#SBATCH --chdir=$W" 'N=12' 'CHUNK=4'; do
    grep -qxF -- "$l" "$f" || fail "missing line '$l' in $f"
  done
  grep -qF '"$PIMLAB" sweep --out "$OUT" --point "$i" || rc=$?' "$f" || fail "no per-point command in $f"
  [ -d b/slurm ] || fail "the log directory of the array tasks is not created"
  # Without --partition/--time/--mem the cluster's defaults apply.
  "$P" sweep "$DATA/demo.json" --out c --emit slurm >/dev/null || fail "emit slurm exited $?"
  grep -q -- '--partition\|--time\|--mem' c/sweep.sbatch && fail "default script sets partition, time or mem"
  "$P" sweep "$DATA/demo.json" --out e --emit slurm --time soon 2>t.err
  [ $? = 2 ] && grep -q "^pimlab sweep: error: --time 'soon': allowed" t.err || fail "--time soon: $(cat t.err)"
  "$P" sweep "$DATA/demo.json" --out e --partition debug 2>p.err
  [ $? = 2 ] && grep -q "^pimlab sweep: error: --partition applies to --emit slurm" p.err || fail "$(cat p.err)"
  ;;
bad)
  # Each bad grid: exit 2, one line naming the axis/key and value, nothing started.
  check() {  # check GRID REGEX
    "$P" sweep "$DATA/$1" --out "o_$1" >o.out 2>o.err
    local rc=$?
    [ $rc = 2 ] || fail "$1: exit $rc"
    [ "$(wc -l <o.err)" = 1 ] || fail "$1: not one line: $(cat o.err)"
    grep -q "$2" o.err || fail "$1: $(cat o.err)"
    [ -e "o_$1" ] && fail "$1: the output directory was created"
    [ -s o.out ] && fail "$1: stdout: $(cat o.out)"
    return 0
  }
  check bad_unknown_key.json "axis 'bacth': unknown key 'bacth': 'pimlab run' has no option --bacth; keys allowed: system, model, batch"
  check bad_empty_axis.json "axis 'batch' is empty"
  check bad_wrong_type.json "axis 'batch': value \"8\" is a string; expected an integer in \[1, 1048576\]"
  check bad_config_key.json "axis 'pim.channels': config key 'pim.channels' has no 'pimlab run' option"
  check bad_system.json "key 'system': value \"tpu\": unknown system 'tpu' (allowed: gpu, "
  check bad_platform_key.json "point 000_hbm_stackz-2: platform: key 'gpu': gpu host: unknown key 'hbm_stackz'; allowed: "
  ;;
platform)
  # A platform key per point: the point's platform file, based on its system, is what the run read.
  "$P" sweep "$DATA/platform.json" --out p >/dev/null 2>p.err || fail "exit $?: $(cat p.err)"
  grep -q '"hbm_stacks": 5' p/points/001_hbm_stacks-5.platform.json || fail "$(cat p/points/001_*.platform.json)"
  grep -q '"base": "pimba"' p/points/001_hbm_stacks-5.platform.json || fail "no base system"
  grep -q '"host": "a100"' p/points/001_hbm_stacks-5.json || fail "the run's hardware is not the a100 base"
  [ "$(head -1 p/results.csv | cut -d, -f1-3)" = "point,platform.gpu.hbm_stacks,seed" ] || fail "$(head -1 p/results.csv)"
  [ "$(rows p/results.csv)" = 2 ] || fail "$(cat p/results.csv)"
  ;;
cim)
  # CIM keys per point (docs/serving.md "CIM tiles"): the softmax on 16 and 64 tiles; the
  # stats.cim columns are in the CSV, and 4x the tiles (4x the core groups) take less CIM time.
  "$P" sweep "$DATA/cim.json" --out c >/dev/null 2>c.err || fail "exit $?: $(cat c.err)"
  grep -q '"place": "softmax"' c/points/001_tiles-64.platform.json || fail "$(cat c/points/001_*.platform.json)"
  awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "cim.time_s") c = i } NR == 2 { a = $c } NR == 3 { b = $c }
           END { exit !(c > 0 && b > 0 && b < a) }' c/results.csv || fail "cim.time_s: $(cut -c1-200 c/results.csv)"
  ;;
platform_file)
  # Platform keys on top of a user's platform file (configs/systems/h100-pimba-fp8.json, copied
  # as mine.json, which the grid names): the file with the keys set over it is what the run read.
  cp "$DATA/../../../configs/systems/h100-pimba-fp8.json" mine.json || fail "no example platform file"
  cp "$DATA/user_platform.json" g.json
  "$P" sweep g.json --out u >/dev/null 2>u.err || fail "exit $?: $(cat u.err)"
  f=u/points/001_hbm_stacks-5.platform.json
  grep -q '"name": "h100-pimba-fp8"' $f && grep -q '"hbm_stacks": 5' $f && grep -q '"base": "h100"' $f &&
    grep -q '"weights": "fp8"' $f || fail "point 1's platform: $(cat $f)"
  grep -q '"host": "h100"' u/points/001_hbm_stacks-5.json || fail "the run's hardware is not the file's h100"
  # 5 stacks against 2: more HBM bandwidth for the host's memory-bound decode, so more tokens/s.
  awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "tokens_per_s") c = i } NR == 2 { a = $c } NR == 3 { b = $c }
           END { exit !(b > a) }' u/results.csv || fail "tokens/s does not grow with the stacks: $(cut -c1-200 u/results.csv)"
  # Resume: nothing runs again; after an edit of the user's file, every point runs again.
  "$P" sweep g.json --out u >/dev/null 2>u2.err || fail "resume exited $?"
  grep -q ': ok (' u2.err && fail "an unchanged study ran points again: $(cat u2.err)"
  sed -i 's/"description": "/"description": "edited: /' mine.json
  "$P" sweep g.json --out u >/dev/null 2>u3.err || fail "rerun exited $?"
  [ "$(grep -c ': ok (' u3.err)" = 2 ] || fail "an edited platform file did not rerun both points: $(cat u3.err)"
  grep -q '"description": "edited: ' $f || fail "the point's platform file was not rewritten"
  ;;
plot)
  if ! command -v gnuplot >/dev/null; then
    echo "gnuplot is not installed (tools/setup-deps.sh installs gnuplot-nox): skipped"
    exit 77
  fi
  "$P" sweep "$DATA/small12.json" --out s --jobs 2 >/dev/null 2>&1 || fail "sweep exited $?"
  "$P" plot s/results.csv --x batch --y tokens_per_s --group system --where model=opt-7b --out tps >plot.out ||
    fail "plot exited $?"
  [ "$(cat plot.out)" = "$(printf 'tps.svg\ntps.png')" ] || fail "stdout: $(cat plot.out)"
  # Valid files: the SVG is one XML document with an <svg> root; the PNG has the PNG signature.
  head -c 200 tps.svg | grep -q '<svg' || fail "tps.svg has no <svg> element"
  tail -c 20 tps.svg | grep -q '</svg>' || fail "tps.svg is not closed"
  if command -v xmllint >/dev/null; then xmllint --noout tps.svg || fail "tps.svg is not well-formed XML"; fi
  [ "$(head -c 8 tps.png | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || fail "tps.png has no PNG signature"
  # The data series against the CSV: for each system, the rows of opt-7b, (batch, tokens_per_s) numerically equal.
  for sys in gpu gpu+pim pimba; do
    awk -v s="# $sys" '$0 == s { on = 1; next } /^$/ { on = 0 } on { print $1, $2 }' tps.dat >got_$sys
    awk -F, -v s="$sys" 'NR > 1 && $2 == s && $4 == "opt-7b" { print $3, $8 }' s/results.csv | sort -n >want_$sys
    [ "$(wc -l <want_$sys)" = 2 ] || fail "CSV rows of $sys: $(cat want_$sys)"
    paste -d' ' got_$sys want_$sys | awk '{ if ($1 != $3 || $2 + 0 != $4 + 0) bad = 1 } END { exit bad }' ||
      fail "series $sys: plotted $(cat got_$sys), CSV $(cat want_$sys)"
  done
  # The default set: tokens/s, tokens/J and the speedup over gpu, per model.
  "$P" plot s/results.csv --defaults >def.out || fail "--defaults exited $?"
  for m in mamba2-2.7b opt-7b; do
    for f in tokens_per_s_vs_batch tokens_per_j_vs_batch speedup_over_gpu_vs_batch; do
      for e in svg png; do [ -s "s/plots/${f}_model-$m.$e" ] || fail "no s/plots/${f}_model-$m.$e"; done
    done
  done
  # Speedup of gpu over itself is 1 at every batch.
  awk '/^# gpu$/ { on = 1; next } /^$/ { on = 0 } on && $2 != 1 { bad = 1 } END { exit bad }' \
    s/plots/speedup_over_gpu_vs_batch_model-opt-7b.dat || fail "gpu speedup over gpu is not 1"
  # Breakdown bars: the bar of pimba equals its row's breakdown.*.time_s cells (numerically).
  "$P" plot s/results.csv --breakdown time --group system --where model=opt-7b,batch=8 --out bd >/dev/null || fail "--breakdown exited $?"
  [ "$(head -c 8 bd.png | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || fail "bd.png has no PNG signature"
  got=$(awk '$1 == "\"pimba\"" { $1 = ""; print }' bd.dat)
  want=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i ~ /^breakdown\..*\.time_s$/) c[++n] = i }
                  NR > 1 && $2 == "pimba" && $3 == 8 && $4 == "opt-7b" { for (i = 1; i <= n; i++) printf " %s", $c[i]; print "" }' s/results.csv)
  [ -n "$got" ] && [ "$(echo $got | wc -w)" = "$(echo $want | wc -w)" ] || fail "breakdown bar: $got, CSV: $want"
  paste <(echo $got | tr ' ' '\n') <(echo $want | tr ' ' '\n') | awk '$1 + 0 != $2 + 0 { bad = 1 } END { exit bad }' ||
    fail "breakdown bar: $got, CSV: $want"
  [ -s s/plots/breakdown_time_s_batch-8_model-opt-7b.svg ] || fail "--defaults wrote no breakdown bars"
  # Rooflines: the sweep wrote every point's host operators (all 12 run on a GPU host) to
  # operators.csv, and --defaults drew one roofline per point; point 7's rows are its JSON's
  # operators, and its plotted points are flops/bytes and flops/time_s of those rows.
  [ "$(ls s/plots/roofline_*.svg | wc -l)" = 12 ] || fail "$(ls s/plots/roofline_*.svg | wc -l) roofline SVGs, expected 12"
  pt=$(awk -F, 'NR == 9 { print $1 }' s/results.csv)
  [ "$(grep -c '"category": ' "s/points/$pt.json")" = "$(grep -c "^$pt," s/operators.csv)" ] ||
    fail "point $pt: operators.csv rows differ from its JSON's operators"
  awk -F, -v p="$pt" '$1 == p && $7 > 0 && $8 > 0 && $9 > 0 { printf "%.9g %.9g\n", $7 / $8, $7 / $9 }' s/operators.csv >want_roof
  awk '!/^#/ { printf "%.9g %.9g\n", $1, $2 }' "s/plots/roofline_$pt.dat" >got_roof
  [ -s want_roof ] && cmp -s want_roof got_roof || fail "roofline of $pt: plotted $(cat got_roof), CSV $(cat want_roof)"
  "$P" plot s/results.csv --x batch --y tokens_per_s --group system 2>e.err
  [ $? = 2 ] && grep -q "column 'model' varies" e.err || fail "varying model: $(cat e.err)"
  ;;
*)
  fail "unknown mode $mode"
  ;;
esac
echo "ok: $mode"
