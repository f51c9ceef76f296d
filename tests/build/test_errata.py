"""CPU errata: each machine's cores (as its device tree names them) have
their workarounds in Dom0's kernel and in Xen. allnoconfig, which Dom0's
kernel starts from, turns every one off; Xen's Debian config keeps them on,
and pixen patches in what Xen 4.17 lacks for the Pi 5's A76."""
import os
import re

from conftest import ROOT, fdtget, machines_built, sh

KERNEL = os.path.join(ROOT, "build/dom0-kernel")
XEN = os.path.join(ROOT, "build/xen")


def cores(dtb):
    """The core names (A76, ...) of the /cpus/cpu@N nodes of a host tree."""
    rc, out = sh("fdtget", "-l", dtb, "/cpus")
    assert rc == 0, out
    names = set()
    for node in out.split():
        if node.startswith("cpu@"):
            compatible = fdtget(dtb, f"/cpus/{node}", "compatible", "s")
            m = re.match(r"arm,cortex-(a\d+)\b", compatible.split()[0])
            assert m, f"{dtb}: /cpus/{node}: {compatible.strip()}: not a Cortex core"
            names.add(m.group(1).upper())
    return names


def errata(kconfig, core):
    """The kernel's erratum options that name `core`, each with the symbols
    its `depends on` lines name."""
    for block in re.split(r"^(?=config )", kconfig, flags=re.M):
        m = re.match(r"config (\w*ERRATUM\w*)\n", block)
        if m and re.search(rf"\b{core}\b", block):
            deps = re.findall(r"^\s+depends on (.*)$", block, re.M)
            yield m.group(1), set(re.findall(r"[A-Z][A-Z0-9_]+", " ".join(deps)))


def test_every_erratum_of_every_machines_cores_is_worked_around(mdir):
    # allnoconfig turns every erratum off; the kernel's own list (its help
    # texts name the cores) against what each machine's tree says it has.
    kconfig = open(os.path.join(KERNEL, "arm64.Kconfig")).read()
    config = open(os.path.join(KERNEL, "config")).read()
    on = set(re.findall(r"^CONFIG_(\w+)=y$", config, re.M))
    missing, checked = [], set()
    for machine in machines_built():
        for core in sorted(cores(os.path.join(ROOT, "build", machine, "host.dtb"))):
            for option, deps in errata(kconfig, core):
                checked.add(option)
                # One that needs what Dom0's kernel has not (AArch32 user
                # space, KVM) has nothing to work around there.
                if option not in on and deps <= on:
                    missing.append(f"{machine}: Cortex-{core}: CONFIG_{option}")
    assert not missing, missing
    assert {"ARM64_ERRATUM_3194386", "ARM64_ERRATUM_4118414", "ARM64_ERRATUM_1319367"} <= checked


def test_xen_repeats_tlb_invalidation_on_every_cortex_a76(mdir):
    # images/xen/patches/0007: erratum 4193800 (CVE-2025-10263) on every
    # revision, the Pi 5's r4p1 among them; the entry is compiled in only
    # where Xen's config has the repeat-TLBI workaround.
    assert "CONFIG_ARM64_WORKAROUND_REPEAT_TLBI=y" in open(os.path.join(XEN, "xen.config")).read()
    with open(os.path.join(XEN, "xen"), "rb") as f:
        xen = f.read()
    assert b"ARM erratum 4193800\0" in xen
    assert b"ARM erratum 1286807\0" in xen
