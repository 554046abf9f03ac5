#!/usr/bin/env bash
# check-mutant.sh FILE LINE OLD NEW: applies one mutation by hand (the first OLD on line LINE of FILE becomes NEW), runs
# the oracle-only kill criterion (Category=OracleKill), prints the test summary, restores FILE with git and rebuilds.
# "Passed!" means the mutant survives. Run from the repository root, e.g.
#   tests/mutation/check-mutant.sh src/ActorKvm.Model/Fault/PreFaultMemory.cs 77 "srcu: false" "srcu: true"
set -euo pipefail
f=$1; line=$2; old=$3; new=$4
python3 - "$f" "$line" "$old" "$new" <<'PY'
import sys
f, line, old, new = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
lines = open(f).read().split('\n')
if old not in lines[line - 1]:
    sys.exit(f"check-mutant.sh: '{old}' is not on line {line} of {f}: {lines[line - 1].strip()}")
lines[line - 1] = lines[line - 1].replace(old, new, 1)
open(f, 'w').write('\n'.join(lines))
PY
# Restore the file and rebuild, so no binary keeps the mutant.
trap 'git checkout -q -- "$f"; dotnet build tests/ActorKvm.Tests -c Release -v q -nologo >/dev/null' EXIT
dotnet build tests/ActorKvm.Tests -c Release -v q -nologo | grep -E " error" || true
dotnet test tests/ActorKvm.Tests -c Release --no-build --filter "Category=OracleKill" 2>&1 | grep -E "Passed!|Failed!"
