#!/usr/bin/env python3
"""Measures `actorkvm hunt --cluster` on loopback (README, "Hunting on several machines").

  measure-cluster.py rate N       schedules/s and schedules per CPU-second: single hunt, 1x1, 1x2 lanes, 2 and 3 processes
  measure-cluster.py overhead N   the same budget as few large ranges and as one-schedule ranges
  measure-cluster.py kill K       SIGKILL a worker holding a range, K times: seconds until its range is re-issued
  measure-cluster.py allbugs B    hunt --all-bugs vs hunt --cluster --all-bugs with two local workers
"""
import subprocess, time, json, threading, os, sys, tempfile, resource
def cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN); return r.ru_utime + r.ru_stime
# The Release build of this repository (dotnet build stress -c Release), or ACTORKVM_DLL.
DLL = os.environ.get('ACTORKVM_DLL', os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'stress', 'bin', 'Release', 'net10.0', 'actorkvm.dll'))
D = tempfile.mkdtemp(prefix='clmeas-')
def cfg(name, text):
    p = os.path.join(D, name); open(p, 'w').write(text); return p

class Node:
    def __init__(self, args):
        self.p = subprocess.Popen(['dotnet', DLL] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=D)
        self.lines = []; self.out = []; self.cv = threading.Condition()
        threading.Thread(target=self.read, args=(self.p.stderr, self.lines), daemon=True).start()
        threading.Thread(target=self.read, args=(self.p.stdout, self.out), daemon=True).start()
    def read(self, f, to):
        for l in f:
            with self.cv:
                to.append((time.monotonic(), l.rstrip('\n'))); self.cv.notify_all()
    def wait_line(self, pred, n=1, timeout=300):
        end = time.monotonic() + timeout
        with self.cv:
            while True:
                hits = [x for x in self.lines + self.out if pred(x[1])]
                if len(hits) >= n: return hits[n-1]
                if time.monotonic() > end or self.p.poll() is not None and len(hits) < n:
                    raise Exception('timeout; ' + '\n'.join(l for _, l in self.lines[-20:] + self.out[-20:]))
                self.cv.wait(1)
    def join_addr(self):
        t, l = self.wait_line(lambda l: 'join with: actorkvm worker --seed-node' in l)
        return l.split()[-1]
    def json(self):
        self.p.wait(600); time.sleep(0.3)
        return json.loads('\n'.join(l for _, l in self.out))

def cluster_run(procs, budget, extra, range_seconds=1.0, lanes=1, bug=[]):
    c = cfg(f'c{procs}-{range_seconds}-{lanes}.hocon', f'actorkvm.cluster {{ lanes = {lanes}, wait-for-nodes = {procs}, range-seconds = {range_seconds} }}')
    h = Node(['hunt', '--cluster', '--port', '0', '--budget', str(budget), '--seed', '1', '--json', '--config', c, '--schedule-dir', D] + bug + extra)
    a = h.join_addr()
    ws = [Node(['worker', '--seed-node', a, '--config', c, '--quiet']) for _ in range(procs - 1)]
    j = h.json()
    for w in ws: w.p.wait(120)
    return j, h

res = {}
mode = sys.argv[1]
if mode == 'rate':
    B = int(sys.argv[2]) if len(sys.argv) > 2 else 400
    c0 = cpu()
    s = Node(['hunt', '--budget', str(B), '--seed', '1', '--json', '--quiet', '--schedule-dir', D])
    j = s.json(); h = j['hunts'][0]; c = cpu() - c0
    print(f"single-process hunt (1 thread): {h['schedules']} schedules in {h['seconds']:.2f}s = {h['schedules']/h['seconds']:.1f}/s; cpu {c:.1f}s = {h['schedules']/c:.1f} schedules per cpu-second", flush=True)
    for procs, lanes in [(1, 1), (1, 2), (2, 1), (3, 1)]:
        c0 = cpu()
        j, _ = cluster_run(procs, B, [], lanes=lanes); h = j['hunts'][0]
        r = j['ranges'][0]; c = cpu() - c0
        print(f"cluster {procs} process(es) x {lanes} lane(s): {h['schedules']} schedules in {h['seconds']:.2f}s = {h['schedules']/h['seconds']:.1f}/s; cpu {c:.1f}s = {h['schedules']/c:.1f} schedules per cpu-second; ranges issued {r['issued']}, explored {r['explored']}", flush=True)
elif mode == 'overhead':
    B = int(sys.argv[2]) if len(sys.argv) > 2 else 400
    out = {}
    for rs in [1.0, 0.001]:
        j, _ = cluster_run(1, B, [], range_seconds=rs); h = j['hunts'][0]; r = j['ranges'][0]
        out[rs] = (h['seconds'], r['issued'])
        print(f"range-seconds {rs}: {h['schedules']} schedules in {h['seconds']:.2f}s, {r['issued']} ranges", flush=True)
    (t1, n1), (t2, n2) = out[1.0], out[0.001]
    print(f"overhead per range: {(t2 - t1) / (n2 - n1) * 1000:.2f} ms ({n2 - n1} more ranges cost {t2 - t1:.2f}s)", flush=True)
elif mode == 'kill':
    for i in range(int(sys.argv[2]) if len(sys.argv) > 2 else 3):
        c = cfg('k.hocon', 'actorkvm.cluster { lanes = 1, wait-for-nodes = 2 }')
        v = cfg('v.hocon', 'actorkvm.cluster { lanes = 1, range-seconds = 600 }')
        h = Node(['hunt', '--cluster', '--port', '0', '--budget', '100000', '--seed', '1', '--json', '--config', c, '--schedule-dir', D])
        a = h.join_addr()
        w = Node(['worker', '--seed-node', a, '--config', v])
        w.wait_line(lambda l: 'lane 0: schedules [' in l, n=2)
        t0 = time.monotonic(); w.p.kill()
        t1, l = h.wait_line(lambda l: 're-issuing' in l)
        print(f"SIGKILL -> re-issued: {t1 - t0:.2f}s ({l.strip()})", flush=True)
        h.p.kill(); h.p.wait()
elif mode == 'allbugs':
    B = sys.argv[2] if len(sys.argv) > 2 else '300'
    s = Node(['hunt', '--all-bugs', '--budget', B, '--seed', '1', '--json', '--quiet', '--schedule-dir', D])
    js = s.json()
    jc, h = cluster_run(3, B, ['--all-bugs'])
    single = {x['bug']: (x['found'], x.get('seed'), x.get('violation')) for x in js['hunts']}
    clus = {x['bug']: (x['found'], x.get('seed'), x.get('violation')) for x in jc['hunts']}
    same = all(single[b] == clus[b] for b in single)
    for b in single: print(f"{b}: single {single[b]} cluster {clus.get(b)}{'' if single[b] == clus.get(b) else '  DIFFERENT'}")
    ts = sum(x['seconds'] for x in js['hunts']); tc = sum(x['seconds'] for x in jc['hunts'])
    print(f"found: single {sum(1 for v in single.values() if v[0])} of {len(single)}, cluster {sum(1 for v in clus.values() if v[0])} of {len(clus)}; identical (found, seed, violation) for every bug: {same}; time single {ts:.1f}s, cluster {tc:.1f}s")
    print('nodes:', json.dumps(jc['nodes']))
