#!/usr/bin/env bash
# machine-cpu.sh COMMAND...: runs COMMAND and prints its wall time and the
# CPU seconds the whole machine spent meanwhile (user + nice + system, from
# /proc/stat). Unlike time(1) it counts processes the command does not wait
# for, such as the test suite's AWS CLI runners; on a busy machine it counts
# the other work too. Linux only. The command's output goes to stdout as usual.
set -uo pipefail
[ $# -gt 0 ] || { echo "usage: $0 COMMAND [ARG...]" >&2; exit 2; }
read -r _ u n s _ < /proc/stat
t0=$(date +%s.%N)
"$@"
rc=$?
read -r _ u2 n2 s2 _ < /proc/stat
t1=$(date +%s.%N)
hz=$(getconf CLK_TCK)
awk -v rc="$rc" -v w="$(echo "$t1 - $t0" | bc)" -v c="$(( (u2 + n2 + s2) - (u + n + s) ))" -v hz="$hz" \
  'BEGIN { printf "rc=%d wall=%.1fs machine-cpu=%.1fs\n", rc, w, c / hz }' >&2
exit "$rc"
