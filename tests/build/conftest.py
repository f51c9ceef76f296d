"""Build tests: the Makefile, the image tools and their refusals, on the build host."""
import os
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def pytest_addoption(parser):
    parser.addoption("--machine-dir", default="build/qemu", help="where make put MACHINE's images")


@pytest.fixture(scope="session")
def mdir(request):
    path = os.path.join(ROOT, request.config.getoption("--machine-dir"))
    assert os.path.exists(os.path.join(path, "full.img")), "run `make full.img` first"
    return path


def sh(*cmd, env=None, cwd=ROOT):
    """Runs a command; returns (exit status, stdout + stderr)."""
    r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, errors="replace",
                       env=dict(os.environ, **(env or {})))
    return r.returncode, r.stdout + r.stderr


def fdtget(dtb, path, prop, kind="x"):
    """`fdtget -t KIND`: a property's value, as text."""
    rc, out = sh("fdtget", "-t", kind, dtb, path, prop)
    assert rc == 0, out
    return out.strip()


def machines_built():
    """The machines `make test` builds: the Makefile's MACHINES_BUILT."""
    rc, out = sh("make", "--no-print-directory", "-s", "--eval",
                 "pixen-print-machines: ; @echo $(MACHINES_BUILT)", "pixen-print-machines")
    assert rc == 0, out
    return out.split()
