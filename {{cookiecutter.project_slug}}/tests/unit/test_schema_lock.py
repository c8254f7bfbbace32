"""Instances starting together take turns creating the session table (stores/schema_lock.py).

On the test database: SQLite, or PostgreSQL with TEST_DATABASE=postgresql.
"""

import subprocess
import sys
import time

from {{ cookiecutter.package_name }}.stores.schema_lock import schema_lock

from tests.support.servers import PACKAGE

OTHER_INSTANCE = f"""
import sys
from {PACKAGE}.stores.schema_lock import schema_lock
print("ready", flush=True)
with schema_lock(sys.argv[1]):
    print("inside", flush=True)
"""


def test_a_second_instance_waits_for_the_first(store_env):
    url = store_env["DATABASE_URL"]
    with schema_lock(url):
        other = subprocess.Popen(
            [sys.executable, "-c", OTHER_INSTANCE, url], stdout=subprocess.PIPE, text=True
        )
        assert other.stdout.readline() == "ready\n"
        time.sleep(0.5)
        assert other.poll() is None, "the other instance went in while the lock was held"
    output, _ = other.communicate(timeout=10)
    assert output == "inside\n"
    assert other.returncode == 0


def test_an_in_memory_database_needs_no_lock():
    with schema_lock("sqlite://"), schema_lock("sqlite://"):  # would deadlock if it locked
        pass
