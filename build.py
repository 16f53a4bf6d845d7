#!/usr/bin/env python3
"""DCC Bridge's build script: standard library only, so it runs on a fresh machine before any venv exists.

    python3 build.py demo        # set up .venv, run the main job on the Houdini and Maya stand-ins
    python3 build.py test        # set up .venv with the test dependencies, run the whole suite
    python3 build.py sim houdini # a simulated host session, for poking at by hand

Every subcommand is a function ``cmd_<name>`` with a docstring; ``python3 build.py --help`` lists them.
"""
import argparse
import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
REQUIREMENTS = ROOT / "requirements"
MIN_PYTHON = (3, 9)


class BuildError(Exception):
    """A failure to report as one line and exit non-zero."""


# --------------------------------------------------------------------------------------------- venv


def venv_python(venv_dir=VENV):
    """The interpreter inside ``venv_dir``."""
    if os.name == "nt":
        return venv_dir / "Scripts" / "python.exe"
    return venv_dir / "bin" / "python"


def _requirements_digest(req_file):
    """A digest of a requirements file and every file it includes with ``-r``."""
    digest = hashlib.sha256()
    pending = [req_file]
    while pending:
        path = pending.pop()
        text = path.read_bytes()
        digest.update(text)
        for line in text.decode().splitlines():
            if line.startswith("-r "):
                pending.append(path.parent / line[3:].strip())
    return digest.hexdigest()


def ensure_venv(req_file, venv_dir=VENV):
    """Create ``venv_dir`` if needed and install ``req_file`` into it, once per change of the pins."""
    python = venv_python(venv_dir)
    stamp = venv_dir / ".requirements-installed"
    wanted = _requirements_digest(req_file)
    if python.exists() and stamp.exists() and wanted in stamp.read_text().split():
        return python
    if not python.exists():
        print(f"build: creating {venv_dir.relative_to(ROOT)} ...", flush=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(venv_dir)
    print(f"build: installing {req_file.relative_to(ROOT)} ...", flush=True)
    result = subprocess.run(
        [str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q", "-r", str(req_file)],
        cwd=ROOT,
    )
    if result.returncode != 0:
        raise BuildError(f"pip could not install {req_file.name} into {venv_dir} (see pip's output above)")
    done = set(stamp.read_text().split()) if stamp.exists() else set()
    stamp.write_text("\n".join(sorted(done | {wanted})) + "\n")
    return python


# ------------------------------------------------------------------------------------------ commands


def cmd_test(args):
    """Set up .venv with the test dependencies and run the whole pytest suite (extra args go to pytest)."""
    python = ensure_venv(REQUIREMENTS / "test.txt")
    return subprocess.call([str(python), "-m", "pytest", *args.rest], cwd=ROOT)


def cmd_demo(args):
    """Run the main job: Maya (stand-in) drives Houdini (stand-in) through the bridge; prints a transcript."""
    python = ensure_venv(REQUIREMENTS / "runtime.txt")
    return subprocess.call([str(python), str(ROOT / "tests" / "demo.py"), *args.rest], cwd=ROOT)


COMMANDS = {
    "demo": cmd_demo,
    "test": cmd_test,
}


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="build.py",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n".join(f"  {name:10} {fn.__doc__.splitlines()[0]}" for name, fn in COMMANDS.items()),
    )
    parser.add_argument("command", help="one of: " + ", ".join(COMMANDS))
    parser.add_argument("rest", nargs=argparse.REMAINDER, help="arguments for the command")
    args = parser.parse_args(argv)
    if sys.version_info < MIN_PYTHON:
        print(f"build.py: needs Python {MIN_PYTHON[0]}.{MIN_PYTHON[1]}+, this is {sys.version.split()[0]}",
              file=sys.stderr)
        return 2
    command = COMMANDS.get(args.command)
    if command is None:
        print(f"build.py: unknown command {args.command!r}; choose one of: {', '.join(COMMANDS)}", file=sys.stderr)
        return 2
    try:
        return command(args)
    except BuildError as exc:
        print(f"build.py {args.command}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"build.py {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
