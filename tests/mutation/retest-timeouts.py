#!/usr/bin/env python3
"""Re-test the mutants a Stryker.NET run reported as Timeout, alone and with a longer timeout.

A timeout counts as detected, but on a loaded machine a surviving mutant's slow test run can time out too, so a
score with many timeouts can be high. This writes a Stryker config whose `mutate` list holds only the timed-out
mutants of one or more reports, as character spans (`**/Folder/File.cs{start..end}`, Stryker.NET's span syntax),
re-located in the current source by their line's text, with `additional-timeout` raised.

usage (from tests/mutation):
  python3 retest-timeouts.py [--status=Timeout,Survived,NoCoverage] OUT.json ADDITIONAL_TIMEOUT_MS REPORT.json:FOLDER [...]
  dotnet stryker --config-file OUT.json --concurrency 2

--status picks other statuses than Timeout: re-testing a run's undetected mutants after the kill criterion grew
measures what the additions killed without re-running the whole folder.
"""
import json, os, sys

def main(argv):
    statuses = {"Timeout"}
    if len(argv) > 1 and argv[1].startswith("--status="):
        statuses = set(argv[1].split("=", 1)[1].split(","))
        argv = argv[:1] + argv[2:]
    if len(argv) < 4:
        sys.exit("retest-timeouts: error: usage: retest-timeouts.py [--status=S,...] OUT.json ADDITIONAL_TIMEOUT_MS REPORT.json:FOLDER ...")
    out, timeout, model = argv[1], int(argv[2]), os.path.join(os.path.dirname(__file__), "../../src/ActorKvm.Model")
    spans, lost = [], []
    for arg in argv[3:]:
        report, folder = arg.rsplit(":", 1)
        for path, f in json.load(open(report))["files"].items():
            if f"/{folder}/" not in path:
                continue
            rel = folder + "/" + path.split(f"/{folder}/")[-1]
            new = open(os.path.join(model, rel), encoding="utf-8").read()
            old_lines, new_lines = f["source"].split("\n"), new.split("\n")
            starts = [0] + [i + 1 for i, ch in enumerate(new) if ch == "\n"]
            for m in f["mutants"]:
                if m["status"] not in statuses:
                    continue
                s, e = m["location"]["start"], m["location"]["end"]
                text = old_lines[s["line"] - 1]
                same = [i for i, line in enumerate(new_lines) if line == text]
                if not same:
                    lost.append(f"{rel}:{s['line']}")
                    continue
                i = min(same, key=lambda i: abs(i - (s["line"] - 1)))
                shift = i - (s["line"] - 1)
                spans.append(f"**/{rel}{{{starts[i] + s['column'] - 1}..{starts[e['line'] - 1 + shift] + e['column'] - 1}}}")
    config = json.load(open(os.path.join(os.path.dirname(__file__), "stryker-config.json")))
    config["stryker-config"]["mutate"] = spans
    config["stryker-config"]["additional-timeout"] = timeout
    json.dump(config, open(out, "w"), indent=1)
    print(f"{len(spans)} {'/'.join(sorted(statuses))} mutants -> {out}" + (f"; not found in the current source: {', '.join(lost)}" if lost else ""))

if __name__ == "__main__":
    main(sys.argv)
