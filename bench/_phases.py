"""scratch: CPU per request phase, ours vs the fair peer (1 client, sequential)."""
import sys, tempfile
from pathlib import Path
from common import baseline_python, children, cpu_seconds, project
from stack import Stack, LoadClient, login

def pids(procs): return [p for pr in procs for p in (pr.pid, *children(pr.pid))]
def phase(fn, n, ps):
    c0 = cpu_seconds(ps)
    for _ in range(n): fn()
    return (cpu_seconds(ps) - c0) / n * 1000

fw = sys.argv[1]; n = int(sys.argv[2]) if len(sys.argv) > 2 else 300
path = project(fw, "database")
with tempfile.TemporaryDirectory() as tmp, Stack(path, Path(tmp)) as stack:
    ap, fp = stack.servers.free_port(), stack.servers.free_port()
    stack.emulator([ap, fp])
    sides = {"app": ([stack.app(ap, "database")], ap), "fair": ([stack.baseline(fp, str(baseline_python()), key_once=True)], fp)}
    for name, (procs, port) in sides.items():
        base = f"http://127.0.0.1:{port}"
        ps = pids(procs)
        for _ in range(50): login(base)
        def anon():
            c = LoadClient(); c.get(f"{base}/login"); c.close()
        def hz():
            c = LoadClient(); c.get(f"{base}/healthz"); c.close()
        hzc = LoadClient()
        print(name, "healthz new conn", round(phase(hz, n, ps), 2), "kept-alive", round(phase(lambda: hzc.get(f"{base}/healthz"), n, ps), 2))
        full = phase(lambda: login(base), n, ps)
        a = phase(anon, n, ps)
        c = LoadClient(); login_c = c
        s, loc, _ = c.get(f"{base}/login"); s, cb, _ = c.get(loc); c.get(cb)
        page = "/profile" if name == "app" else "/"
        home = phase(lambda: c.get(f"{base}/"), n, ps)
        prof = phase(lambda: c.get(f"{base}{page}"), n, ps)
        print(f"{name}: full login {full:.2f} ms; /login(new conn) {a:.2f}; / kept-alive {home:.2f}; {page} kept-alive {prof:.2f}; callback~ {full - a - home:.2f}")
