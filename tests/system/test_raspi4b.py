"""The Raspberry Pi boot chain under emulation: QEMU's raspi4b (a Pi 4B as
QEMU 10 emulates it, platform/raspi4b) boots a pixen card as a Pi does:
Debian's rpi_arm64 u-boot (the Pi 5 card's) reads uboot.env from the card,
its bootflow finds boot.scr, boot.scr moves the firmware's tree and loads
Xen and Dom0 from the card, Xen 4.17 starts Dom0 on a Broadcom tree with
its console on the mini UART, and Dom0 reads its configs from the card and
creates a small guest. No DomD: the raspi4b emulates nothing one could own.
`make test-build` builds the card (build/raspi4b)."""
import os
import re

import pytest

from console import ROOT, Machine

CARD = os.path.join(ROOT, "build", "raspi4b", "full.img")


class Pi(Machine):
    """u-boot-rpi writes its first lines (its banner among them) to the PL011
    and the rest, as Xen and Dom0 do, to the mini UART, the console: its
    stage starts at its first line there."""
    STAGES = [("uboot", r"Core: +\d+ devices")] + Machine.STAGES[1:]


@pytest.fixture(scope="module")
def pi(request):
    assert os.path.exists(CARD), "run `make MACHINE=raspi4b full.img` (make test-build does)"
    results = os.path.join(ROOT, "build", "raspi4b", "results")
    os.makedirs(results, exist_ok=True)
    m = Pi(CARD, os.path.join(results, "console-raspi4b.log"), machine="raspi4b")
    try:
        m.stages = m.boot(timeout=240)
        yield m
    finally:
        m.close()


def test_u_boot_runs_boot_scr_from_the_card_and_xen_starts_dom0(pi):
    t = pi.transcript
    # Debian's u-boot, its environment from the card (no delay, no USB scan),
    # boot.scr found by its bootflow on the SD card.
    assert "Loading Environment from FAT... OK" in t
    assert "usb start" not in t.lower() and "Hit any key" not in t
    assert re.search(r"Booting bootflow '\S+\.part_1' with script", t), t[-4000:]
    assert "pixen: loading Xen and Dom0 from mmc 0:1" in t
    assert "pixen: starting Xen" in t
    # Xen on the Broadcom tree, its console the mini UART, FLASK on.
    assert re.search(r"Xen version 4\.17\.5", t)
    assert "GICv2" in t
    assert "pixen: Dom0 ready in" in t


def test_dom0_reads_its_configs_from_the_card(pi):
    assert pi.check("xu config_list").split() == [
        "rpi_5_domu", "helloworld_xen-arm64", "linux_pv_domu", "isolation_probe", "jitter"]
    assert pi.check("cat /sys/hypervisor/type").strip() == "xen"
    rows = pi.check("xu list").splitlines()
    assert rows[1].startswith("Domain-0 ") and len(rows) == 2, rows


def test_dom0_creates_a_small_guest_that_runs(pi):
    out = pi.check("xu create rpi_5_domu")
    m = re.search(r"domain:(\d+) created", out)
    assert m, out
    domid = m.group(1)
    for _ in range(60):
        log = pi.check(f"cat /var/log/xen/console/guest-rpi_5_domu.log")
        if log.count("thread_a") >= 2 and log.count("thread_b") >= 2:
            break
        pi.check("sleep 1")
    assert log.count("thread_a") >= 2 and log.count("thread_b") >= 2, log
    assert f"domain:{domid} destroyed" in pi.check(f"xu destroy {domid}")
    assert len(pi.check("xu list").splitlines()) == 2
