#!/usr/bin/env bash
# For every modelled bug switch (`actorkvm bugs`), or the ones named as arguments: `actorkvm run --bug NAME` with
# everything else at its default (free-running, recorded, --duration 10s), then the replay command it printed. Prints
# one row per switch: found (exit 1 with a violation), the run's wall-clock seconds, and whether the replay reproduced
# it (exit 1 again; a recorded schedule's replay checks it reaches the recorded violation itself, and a scenario's
# replay must print the run's trace hash). Exit 0 when every switch was found and reproduced.
#
#   stress/run-all-bugs.sh                     # all modelled switches, 10 s each (about 7 minutes on 2 cores)
#   DURATION=20s stress/run-all-bugs.sh NAME   # one switch, longer
#   ACTORKVM="actorkvm" stress/run-all-bugs.sh # an installed tool instead of the Release build
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dll="$root/stress/bin/Release/net10.0/actorkvm.dll"
if [[ -z "${ACTORKVM:-}" && ! -f "$dll" ]]; then
    echo "run-all-bugs: no $dll; build it first: dotnet build stress -c Release" >&2
    exit 2
fi
actorkvm=(${ACTORKVM:-dotnet "$dll"})
duration="${DURATION:-10s}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# One JSON string field of a file written by --json (the values printed here hold no escaped quotes).
field() { sed -n "s/^  \"$1\": \"\(.*\)\",\{0,1\}$/\1/p" "$2" | head -n 1; }

if (($# > 0)); then
    bugs=("$@")
else
    # Names of the entries of `bugs --json` whose "modelled" is true.
    mapfile -t bugs < <("${actorkvm[@]}" bugs --json 2>/dev/null | awk -F'"' '/"name":/ { name = $4 } /"modelled": true/ { print name }')
fi

printf '%-34s %-5s %7s  %s\n' "bug" "found" "seconds" "replay reproduced"
found=0 reproduced=0
for bug in "${bugs[@]}"; do
    start=$(date +%s%N)
    "${actorkvm[@]}" run --bug "$bug" --duration "$duration" --json --quiet --schedule-dir "$work" >"$work/run.json" 2>"$work/run.err"
    code=$?
    tenths=$((($(date +%s%N) - start) / 100000000))
    is_found=no is_reproduced=-
    if [[ $code == 1 ]]; then
        is_found=yes found=$((found + 1)) is_reproduced=no
        replay=$(field replay "$work/run.json")
        if [[ -n "$replay" ]]; then
            # The printed command starts with "actorkvm"; run it with the same binary.
            read -r -a words <<<"${replay#actorkvm }"
            "${actorkvm[@]}" "${words[@]}" --json >"$work/replay.json" 2>"$work/replay.err"
            replay_code=$?
            run_hash=$(field trace_sha256 "$work/run.json")
            replay_hash=$(field trace_sha256 "$work/replay.json")
            if [[ $replay_code == 1 && (-z "$run_hash" || "$run_hash" == "$replay_hash") ]]; then is_reproduced=yes reproduced=$((reproduced + 1)); fi
        fi
    elif [[ $code != 0 ]]; then
        is_found="error ($(head -n 1 "$work/run.err"))"
    fi
    printf '%-34s %-5s %5d.%d  %s\n' "$bug" "$is_found" $((tenths / 10)) $((tenths % 10)) "$is_reproduced"
done
echo "${found} of ${#bugs[@]} found, ${reproduced} of ${#bugs[@]} replays reproduced (run --bug NAME --duration ${duration})"
[[ $found == "${#bugs[@]}" && $reproduced == "${#bugs[@]}" ]]
