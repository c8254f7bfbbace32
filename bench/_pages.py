"""scratch: page latency client-side vs server-side (app log durations)."""
import sys, tempfile, multiprocessing, re, statistics, shutil
from pathlib import Path
from common import project, children, cpu_seconds
from stack import Stack, drive_pages, tail
fw = sys.argv[1]
path = project(fw, "database")
tmp = Path(tempfile.mkdtemp())
with Stack(path, tmp) as stack:
    port = stack.servers.free_port()
    stack.emulator([port])
    proc = stack.app(port, "database")
    ws = children(proc.pid); c0 = [cpu_seconds([w]) for w in ws]
    base = [f"http://127.0.0.1:{port}"]
    with multiprocessing.get_context("fork").Pool(4) as pool:
        times = drive_pages(pool, base, "/profile", 4, 10)
    print("client p50/p99", tail(times), len(times), "worker cpu", [round(cpu_seconds([w]) - c, 2) for w, c in zip(ws, c0)])
log = (tmp / f"app-{port}.log").read_text()
ds = sorted(float(m) / 1000 for m in re.findall(r'GET /profile 200 ([0-9.]+)ms', log))
print("server p50/p99", tail(ds), len(ds), "max", max(ds) * 1000)
