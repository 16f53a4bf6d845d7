"""The registry's bench (issue 13): 2,000 sessions on one registry, listed (goal: under a second).

A registry (``python -m bridge_core registry``) runs in its own process; 2,000 registrations (two apps, 1,000
each, as 2,000 servers would make them) are sent to it; then the listing is timed, several runs each:
``registry.sessions()`` (what the Maya and Houdini dialogs call: one ``list`` and a ``discover`` per app), and
``python -m bridge_core list --registry`` as a user runs it (a new Python process each time, start-up included).
Means are reported, with the spread.

    python bench/registry.py          # prints the figures as JSON
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SESSIONS = 2000
RUNS = 10
CLI_RUNS = 5


def _env(runtime):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DCC_BRIDGE_")}
    env.update(PYTHONPATH=str(ROOT), DCC_BRIDGE_RUNTIME_DIR=str(runtime))
    return env


def measure(scratch):
    from bridge_core import registry

    env = _env(Path(scratch) / "runtime")
    proc = subprocess.Popen([sys.executable, "-m", "bridge_core", "registry", "--host", "127.0.0.1", "--port", "0"],
                            stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    try:
        address = proc.stdout.readline().split(" on ")[1].split(";")[0]
        client = registry.RegistryClient(*registry.parse_address(address))
        start = time.perf_counter()
        for i in range(SESSIONS):
            if not client.register((registry.service_name(("houdini", "maya")[i % 2]),), 20000 + i):
                raise RuntimeError("the registry did not acknowledge a registration")
        register = time.perf_counter() - start
        api = []
        for _ in range(RUNS):
            start = time.perf_counter()
            found = registry.sessions(address)
            api.append(time.perf_counter() - start)
            assert len(found) == SESSIONS, len(found)
        cli = []
        for _ in range(CLI_RUNS):
            start = time.perf_counter()
            out = subprocess.run([sys.executable, "-m", "bridge_core", "list", "--registry", address],
                                 capture_output=True, text=True, env=env, cwd=ROOT, check=True).stdout
            cli.append(time.perf_counter() - start)
            assert f"{SESSIONS} session(s)" in out, out[-300:]
    finally:
        proc.terminate()
        proc.wait(15)
    return {"sessions": SESSIONS, "register_all_s": register, "api_s": api, "cli_s": cli}


def section(figures):
    api, cli = figures["api_s"], figures["cli_s"]
    worst = max(statistics.mean(api), statistics.mean(cli))
    return f"""
## Registry: {figures['sessions']:,} sessions listed

`python bench/registry.py` (also run by `python3 build.py bench`): a `python -m bridge_core registry` process
holding {figures['sessions']:,} registrations (two apps; registering all of them took
{figures['register_all_s']:.2f} s, one TCP request each). Means of {len(api)} and {len(cli)} runs (min-max).

| listing {figures['sessions']:,} sessions | mean | min - max |
|---|---|---|
| `registry.sessions(address)` (the Maya and Houdini dialogs) | {statistics.mean(api) * 1000:.1f} ms | {min(api) * 1000:.1f} - {max(api) * 1000:.1f} ms |
| `python -m bridge_core list --registry` (a new process, start-up included) | {statistics.mean(cli) * 1000:.0f} ms | {min(cli) * 1000:.0f} - {max(cli) * 1000:.0f} ms |

Goal: {figures['sessions']:,} sessions listed in under 1 s: {'met' if worst < 1 else '**not met**'}.
Stock rpyc's registry client cannot list them at all: it reads one `recv` of 1,500 bytes (rpyc issue #471).
"""


def main():
    with tempfile.TemporaryDirectory(prefix="dcc-bridge-registry-bench-") as scratch:
        figures = measure(scratch)
    print(json.dumps(figures, indent=1))
    print(section(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
