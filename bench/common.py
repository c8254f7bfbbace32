"""Shared by the benchmarks: baking projects, the machine's description, processes, results."""

import hashlib
import importlib.util
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
TEMPLATE = json.loads((ROOT / "cookiecutter.json").read_text(encoding="utf-8"))
FRAMEWORKS: list[str] = TEMPLATE["framework"]
STORES: list[str] = TEMPLATE["session_store"]
PACKAGE = "sgid_app"  # the default package name of a baked project
# Where baked projects are kept between runs, by answers and template digest (run_all.py gives
# each run its own).
WORK = Path(
    os.environ.get("BENCH_WORK") or Path(tempfile.gettempdir()) / f"sgid-bench-{os.getuid()}"
)


def template_module(relative: str) -> ModuleType:
    """A module of the template's own tests (e.g. "tests/baking.py"), loaded from its file.

    Not `import tests...`: the benchmarks that start servers (stack.py) put a baked project's
    folder on sys.path and import its own tests.support, so in their processes the name `tests`
    is the baked project's package (and the template's tests/ is no package: no __init__.py).
    """
    path = ROOT / relative
    name = f"sgid_template_{path.stem}"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


# The tests' own bake(output_dir, accept_hooks=False, **answers) (validate=false unless given).
bake = template_module("tests/baking.py").bake


def template_digest() -> str:
    """A short digest of what a bake is made of (the template's files and its hooks), so a
    project kept from an earlier run is never measured after the template has changed."""
    digest = hashlib.sha256()
    for top in ("cookiecutter.json", "hooks", "{{cookiecutter.project_slug}}"):
        paths = [ROOT / top] if (ROOT / top).is_file() else sorted((ROOT / top).rglob("*"))
        for path in paths:
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def project(framework: str, store: str = "database", **answers) -> Path:
    """A baked project with its .venv synced, reused while the template is unchanged (keyed by
    its answers and the template's digest)."""
    key = "-".join([framework, store, *(f"{k}={v}" for k, v in sorted(answers.items()))])
    key = key.replace(" ", "+").replace("/", "_") + f"-{template_digest()}"
    out = WORK / "projects" / key
    path = out / "sgid-app"
    if not (path / ".venv" / "bin" / "python").exists():
        shutil.rmtree(out, ignore_errors=True)
        quiet(bake, out, accept_hooks=True, framework=framework, session_store=store, **answers)
        # Bytecode compiled up front, as the hook does, so no timing pays for it.
        subprocess.run(["uv", "sync", "-q", "--compile-bytecode"], cwd=path, check=True)
    return path


# The baseline relying party's environment (bench/baseline_rp.py): the official SDK, which the
# generated projects do not install, with its CVE pins lifted as the projects once lifted them.
BASELINE_REQUIREMENTS = ["flask", "gunicorn", "sgid-client==0.3.0"]
BASELINE_OVERRIDES = ["jwcrypto>=1.5.6", "pycryptodome>=3.19.1", "requests>=2.32.4"]


def baseline_python() -> Path:
    """The Python of a venv with what bench/baseline_rp.py needs, made once per run."""
    venv = WORK / "baseline-venv"
    python = venv / "bin" / "python"
    if not python.exists():
        shutil.rmtree(venv, ignore_errors=True)
        overrides = WORK / "baseline-overrides.txt"
        overrides.parent.mkdir(parents=True, exist_ok=True)
        overrides.write_text("\n".join(BASELINE_OVERRIDES) + "\n", encoding="utf-8")
        subprocess.run(["uv", "venv", "-q", "--python", sys.executable, str(venv)], check=True)
        subprocess.run(
            ["uv", "pip", "install", "-q", "--python", str(python), "--compile-bytecode"]
            + ["--override", str(overrides), *BASELINE_REQUIREMENTS],
            check=True,
        )
    return python


def quiet(function, *args, **kwargs):
    """Run function with the hooks' chatter sent to /dev/null (they print to our stdout)."""
    sys.stdout.flush()
    saved = os.dup(1)
    with open(os.devnull, "w") as null:
        os.dup2(null.fileno(), 1)
        try:
            return function(*args, **kwargs)
        finally:
            sys.stdout.flush()
            os.dup2(saved, 1)
            os.close(saved)


def children(pid: int) -> list[int]:
    """Direct child processes of pid (from /proc; no psutil needed for this one question)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        # uvicorn's multiprocessing also starts a resource tracker; it serves no requests.
        if ppid == pid and b"resource_tracker" not in cmdline:
            found.append(int(entry.name))
    return sorted(found)


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time these processes have used so far (/proc/<pid>/stat)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / ticks


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def private_mb(pid: int) -> float:
    """Memory only this process holds (Private_Clean + Private_Dirty: its USS), in MB."""
    total = 0
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith(("Private_Clean:", "Private_Dirty:")):
            total += int(line.split()[1])
    return total / 1024


def versions(python: Path, names: list[str]) -> dict[str, str]:
    """Installed versions of these distributions in another environment."""
    code = (
        "import json, sys\nfrom importlib.metadata import version, PackageNotFoundError\n"
        "out = {}\nfor n in sys.argv[1:]:\n    try: out[n] = version(n)\n"
        "    except PackageNotFoundError: pass\nprint(json.dumps(out))"
    )
    result = subprocess.run(
        [str(python), "-c", code, *names], capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout)


def tool_version(command: list[str]) -> str:
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=30, check=False)
    except OSError:
        return "not installed"
    return (result.stdout or result.stderr).strip().splitlines()[0]


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    from importlib.metadata import version

    return {
        "cores": os.cpu_count(),
        "cpu": cpu,
        "memory_gb": round(mem_gb, 1),
        "os": f"{platform.system()} {platform.release()} {platform.machine()}",
        "python": platform.python_version(),
        "cookiecutter": version("cookiecutter"),
        "uv": tool_version(["uv", "--version"]),
        "redis-server": tool_version(["redis-server", "--version"]),
        "chromium": tool_version(["chromium", "--version"]),
    }


def load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def save(name: str, data: dict) -> Path:
    """Write one benchmark's results (with the time and load around it) to bench/results/."""
    RESULTS.mkdir(exist_ok=True)
    data = {
        "recorded": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "mode": os.environ.get("BENCH_MODE", "single script"),
        **data,
    }
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def merged(name: str, rows: list[dict], keys: tuple[str, ...]) -> list[dict]:
    """rows, plus the rows of the last saved results that this run did not measure again
    (so running a subset, e.g. one framework, keeps the other figures)."""
    path = RESULTS / f"{name}.json"
    if not path.exists():
        return rows
    fresh = {tuple(r.get(k) for k in keys) for r in rows}
    old = json.loads(path.read_text(encoding="utf-8")).get("rows", [])
    return [r for r in old if tuple(r.get(k) for k in keys) not in fresh] + rows


def measure_each(name: str, frameworks: list[str], measure: Callable[[str], dict], **figures):
    """measure(framework) for each framework, then save() its rows (merged with the last saved
    ones) as `name`, with the load before and after, these figures and the failures."""
    before = load()
    rows, failures = [], {}
    for framework in frameworks:
        try:
            rows.append(measure(framework))
        except Exception as exc:  # one broken framework must not hide the others' figures
            traceback.print_exc()
            failures[framework] = f"{type(exc).__name__}: {exc}"[:300]
    save(
        name,
        {
            "load_before": before,
            "load_after": load(),
            **figures,
            "rows": merged(name, rows, ("framework", "store")),
            "failures": failures,
        },
    )


def timed(command: list[str], **kwargs) -> tuple[float, subprocess.CompletedProcess]:
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, check=False, **kwargs)
    return time.perf_counter() - started, result
