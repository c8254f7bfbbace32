"""Where a login's CPU goes in the generated app: py-spy samples each worker of the production
server while clients drive complete logins (as bench/logins.py does), then prints the share of
samples (GIL held, so CPU in Python) spent in each part of the code, inclusive.

    uv run python bench/profile_logins.py [--framework flask] [--store database]
                                          [--clients 4] [--seconds 20] [--top 25]
"""

import argparse
import collections
import multiprocessing
import subprocess
import tempfile
from pathlib import Path

from common import children, project
from stack import Stack, drive

# What a frame belongs to, by the file it is in (the first match wins), most specific first.
PARTS = [
    ("sgid adapter: HTTP to sgID", ("urllib3/", "http/client.py", "socket.py", "ssl.py")),
    ("JOSE / crypto", ("jwcrypto/", "cryptography/")),
    ("user records", ("/accounts/records.py",)),
    (
        "session store (SQLAlchemy or Django's ORM, SQLite)",
        ("sqlalchemy/", "sqlite3/", "/stores/sql.py", "django/db/", "sessions/backends/"),
    ),
    ("sealed cookies (login cookie)", ("/security/sealed_cookies.py",)),
    ("templates (Jinja)", ("jinja2/",)),
    ("logging", ("logging/", "/serving/logs.py")),
    ("web framework", ("flask/", "werkzeug/", "starlette/", "fastapi/", "django/", "uvicorn/")),
    ("server (gunicorn)", ("gunicorn/",)),
]


def part_of(stack: list[str]) -> str:
    for name, markers in PARTS:
        if any(marker in frame for frame in stack for marker in markers):
            return name
    return "other"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--framework", default="flask")
    parser.add_argument("--store", default="database")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--top", type=int, default=0, help="also list the N costliest functions")
    args = parser.parse_args()
    path = project(args.framework, args.store)
    with tempfile.TemporaryDirectory() as tmp, Stack(path, Path(tmp)) as stack:
        port = stack.servers.free_port()
        stack.emulator([port])
        app = stack.app(port, args.store)
        base = [f"http://127.0.0.1:{port}"]
        with multiprocessing.get_context("fork").Pool(args.clients) as pool:
            drive(pool, base, args.clients, args.clients * 10, 30)  # warm-up
            spies = [
                subprocess.Popen(
                    ["py-spy", "record", "--pid", str(pid), "--format", "raw", "--gil"]
                    + ["--duration", str(int(args.seconds)), "--output", f"{tmp}/{pid}.txt"]
                    + ["--nonblocking"],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                for pid in children(app.pid)
            ]
            result = drive(pool, base, args.clients, 1_000_000, args.seconds)
            for spy in spies:
                spy.wait(timeout=60)
        shares, leaves, total = collections.Counter(), collections.Counter(), 0
        for output in Path(tmp).glob("*.txt"):
            for line in output.read_text().splitlines():
                stack_text, _, count = line.rpartition(" ")
                if not count.isdigit():
                    continue  # py-spy's blank or partial last line
                frames = stack_text.split(";")
                shares[part_of(frames)] += int(count)
                # Own time: the innermost frame, without its line number.
                leaves[frames[-1].rsplit(":", 1)[0].split("site-packages/")[-1]] += int(count)
                total += int(count)
    print(f"{args.framework}/{args.store}: {result['logins']} logins, {total} samples (GIL held)")
    for name, count in shares.most_common():
        print(f"  {count / total:6.1%}  {name}")
    if args.top:
        print("costliest functions, own time:")
        for name, count in leaves.most_common(args.top):
            print(f"  {count / total:6.1%}  {name}")


if __name__ == "__main__":
    main()
