"""Guests that start themselves: a config on the card that says autostart = 1
is started by Dom0 once DomD's backends serve, with no command typed; one
whose device DomD cannot serve is reported with its reason, and the others
start all the same. The card is full.img with two such configs added to its
dom0 partition."""
import os
import re
import shutil
import subprocess
import time

import pytest

from conftest import boot
from console import ROOT

BROKEN_BRIDGE = "xenbr9"


@pytest.fixture(scope="module")
def auto_machine(request, tmp_path_factory, results_dir):
    mdir = os.path.dirname(os.path.abspath(request.config.getoption("--image")))
    tmp = tmp_path_factory.mktemp("autostart")
    part = tmp / "dom0part"
    shutil.copytree(os.path.join(mdir, "dom0part"), part, symlinks=True)
    base = (part / "dom0" / "linux_pv_domu.cfg").read_text()
    # The one whose bridge DomD lacks first: its failure must not stop the other.
    broken = re.sub(r'^name = .*$', f'name = "no_bridge"\nautostart = 1', base, flags=re.M)
    broken = re.sub(r"^disk = .*\n", "", broken, flags=re.M)
    broken = broken.replace("bridge=xenbr0", f"bridge={BROKEN_BRIDGE}")
    (part / "dom0" / "no_bridge.cfg").write_text(broken)
    good = re.sub(r'^name = .*$', 'name = "auto_guest"\nautostart = 1', base, flags=re.M)
    (part / "dom0" / "auto_guest.cfg").write_text(good)
    image = tmp / "full.img"
    subprocess.run([os.path.join(ROOT, "images/mkdisk.sh"), str(image), f"boot:512:{mdir}/boot",
                    f"dom0:512:{part}"], check=True, capture_output=True)
    m, _ = boot(request, str(image), results_dir, "autostart")
    yield m
    m.close()


def log_when_done(m, timeout_s=180):
    for _ in range(timeout_s * 2):
        status, out = m.run("cat /var/log/xu-autostart.log")
        if "xu autostart: done:" in out:
            return out
        time.sleep(0.5)
    raise AssertionError(f"xu autostart did not finish:\n{out}")


def test_an_autostart_guest_runs_with_its_devices_and_a_broken_one_is_reported(auto_machine):
    m = auto_machine
    log = log_when_done(m)
    assert "xu autostart: 2 domains to start" in log, log
    created = re.search(r"xu autostart: auto_guest: domain:(\d+) created", log)
    assert created, log
    assert f"xu autostart: no_bridge: not started: /dom0/no_bridge.cfg:" in log and \
        f"bridge {BROKEN_BRIDGE} does not exist" in log, log
    assert "xu autostart: done: 1 started, 1 not" in log, log
    domid = created.group(1)
    rows = {r.split()[0]: r.split() for r in m.check("xu list").splitlines()[1:]}
    assert "auto_guest" in rows and "no_bridge" not in rows, rows
    # Its network and disk connect (xenbus state 4) once its Linux reaches its
    # frontends, which may be after autostart is done ...
    for device in ("vif/0", "vbd/51712"):
        node = f"/local/domain/{domid}/device/{device}/state"
        for _ in range(240):
            state = m.check(f"xenstore-read {node}").strip()
            if state == "4":
                break
            time.sleep(0.5)
        assert state == "4", f"{node}: {state}"
    # ... and its Linux found them at once: no frontend waited for a backend
    # ("xenbus_probe_frontend: Waiting for devices to initialise: 25s...").
    # ("Device with no driver" is only Linux probing before its modules load.)
    for _ in range(240):
        status, _ = m.run("grep -q 'ready in' /var/log/xen/console/guest-auto_guest.log")
        if status == 0:
            break
        time.sleep(0.5)
    console = m.check("cat /var/log/xen/console/guest-auto_guest.log")
    assert "ready in" in console, console[-2000:]
    assert not re.search(r"Waiting for devices|timed out|timeout", console), console[-2000:]
    # Nothing of the broken one is left behind.
    assert "no_bridge" not in m.check("xenstore-ls /local/domain | grep -c no_bridge || true")
