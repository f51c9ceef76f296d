"""The Raspberry Pi 5 card's boot.scr, run by u-boot itself: u-boot's sandbox,
built from the source of the card's u-boot-rpi (images/u-boot), boots the
card as the Pi's u-boot would: its uboot.env, its bootflow finding boot.scr,
a firmware's tree (Debian's, with the RAM, reservations and MAC a Pi 5's
firmware fills in) for each supported board, C1 and D0. The script runs to
booti (the sandbox has none); the test then reads what it left in RAM: the
tree Xen would get, checked as Xen 4.17 checks it (xentree.py), and every
module against its file on the card.

What differs from a board, and is stated here: the SD card is the sandbox's
MMC emulation of a copy of full.img, and the variables the rpi board code
sets from the firmware at start (fdt_addr, board_revision, ethaddr) and the
environment it reads from uboot.env are set by the test. u-boot's RAM top is the smallest first bank a
supported Pi 5 has, and its reservations are the firmware tree's, as on a
board. booti's own fixups (RAM banks, MAC in Xen's tree) are not run."""
import os
import re
import subprocess

import pytest

import xentree
from conftest import ROOT, sh

RPI5 = os.path.join(ROOT, "build", "rpi5")
# The card with DomD's root on an NVMe drive (make MACHINE=rpi5 DOMD_ROOT=nvme).
RPI5_NVME = os.path.join(ROOT, "build", "rpi5-DOMD_ROOT_nvme")
PCIE1 = "/axi/pcie@1000110000"
# The card with the Wi-Fi DomD's (make MACHINE=rpi5 ENABLE_WIFI=yes).
RPI5_WIFI = os.path.join(ROOT, "build", "rpi5-ENABLE_WIFI_yes")
# The card with a CPU pool and a guest Xen starts in it (ENABLE_PARTITIONS=yes).
RPI5_PARTITIONS = os.path.join(ROOT, "build", "rpi5-ENABLE_PARTITIONS_yes")
SANDBOX = os.path.join(ROOT, "build", "u-boot-sandbox")
GIB = 1 << 30
MAC = "d8:3a:dd:0a:0b:0c"
# u-boot's region, and DomD's RAM: from platform/rpi5 (platform.cfg, domd.cfg).
UBOOT_REGION = (0x3a000000, 86 << 20)
DOMD_BANK = (0x40000000, 256 << 20)
BL31 = (0, 0x80000)


class Board:
    """A Pi 5 as its firmware hands it to u-boot. First bank ends and
    reservations as boards report them (8 GB C1, 16 GB D0); other sizes are
    assumed to keep their stepping's."""

    def __init__(self, gib, d0, fw_tree_at):
        self.gib, self.d0 = gib, d0
        # Revision codes: memory size in bits 20-22 (2 GB = 0xb, 16 GB = 0xe),
        # type 0x17 (Pi 5), revision 0 (1.0, C1) or 1 (1.1, D0).
        self.revision = ({2: 0xb, 4: 0xc, 8: 0xd, 16: 0xe}[gib] << 20) | 0x4170 | d0
        first_end = 0x3f600000 if d0 else 0x3fc00000
        self.memreserve = [(first_end, 0x40000000 - first_end)]
        self.banks = [(0, first_end), (0x40000000, min(gib, 4) * GIB - 0x40000000)]
        if gib > 4:
            self.banks.append((4 * GIB, (gib - 4) * GIB))
        self.fw_tree_at = fw_tree_at

    def __str__(self):
        return f"{self.gib}GB-{'D0' if self.d0 else 'C1'}"


# Where the firmware puts its tree: as seen on an 8 GB board, and over the
# place boot.scr loads Dom0's kernel (it must move it first).
BOARDS = [Board(2, False, 0x2efec900), Board(4, False, 0x2efec900), Board(8, False, 0x2efec900),
          Board(2, True, 0x00700000), Board(4, True, 0x2efec900), Board(8, True, 0x2efec900),
          Board(16, True, 0x2efec900)]


def copy_card(build, tmp_path_factory):
    """A copy of build's full.img (the sandbox's MMC maps its file read-write)."""
    for path in (os.path.join(build, "full.img"), os.path.join(SANDBOX, "u-boot")):
        assert os.path.exists(path), f"{path}: run `make test-build` first"
    copy = str(tmp_path_factory.mktemp("card") / "full.img")
    assert sh("cp", "--sparse=always", os.path.join(build, "full.img"), copy)[0] == 0
    return copy


@pytest.fixture(scope="module")
def card(tmp_path_factory):
    return copy_card(RPI5, tmp_path_factory)


@pytest.fixture(scope="module")
def nvme_card(tmp_path_factory):
    return copy_card(RPI5_NVME, tmp_path_factory)


@pytest.fixture(scope="module")
def wifi_card(tmp_path_factory):
    return copy_card(RPI5_WIFI, tmp_path_factory)


@pytest.fixture(scope="module")
def partitions_card(tmp_path_factory):
    return copy_card(RPI5_PARTITIONS, tmp_path_factory)


def dts_of(dtb):
    r = subprocess.run(["dtc", "-q", "-I", "dtb", "-O", "dts", dtb], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return r.stdout


def firmware_tree(board, tmp):
    """Debian's C1 tree (the firmware loads it on every board) as the firmware
    hands it over: the board's RAM, its reservation, its MAC."""
    dts = dts_of(os.path.join(RPI5, "boot/bcm2712-rpi-5-b.dtb"))
    rsv = "".join(f"/memreserve/ {a:#x} {s:#x};\n" for a, s in board.memreserve)
    dts = dts.replace("/dts-v1/;\n", "/dts-v1/;\n" + rsv, 1)
    src, out = os.path.join(tmp, "fw.dts"), os.path.join(tmp, "fw.dtb")
    open(src, "w").write(dts)
    rc, msg = sh("dtc", "-q", "-I", "dts", "-O", "dtb", "-p", "4096", "-o", out, src)
    assert rc == 0, msg
    cells = [f"{c:#x}" for a, s in board.banks for c in (a >> 32, a & 0xffffffff, s >> 32,
                                                         s & 0xffffffff)]
    assert sh("fdtput", "-t", "x", out, "/memory@0", "reg", *cells)[0] == 0
    eth = "/axi/pcie@1000120000/pci@0,0/dev@0,0/pci-ep-bus@1/ethernet@40100000"
    assert sh("fdtput", "-t", "bx", out, eth, "local-mac-address", *MAC.split(":"))[0] == 0
    return out


def control_tree(board, card, tmp):
    """The sandbox's own tree with the Pi's reservations in place of its test
    ones (on a Pi, u-boot's tree is the firmware's, whose /memreserve/ and
    /reserved-memory, BL31, it will not load over), and the card as its SD
    card, mmc 0."""
    dts = dts_of(os.path.join(SANDBOX, "u-boot.dtb"))
    dts = re.sub(r"\n\treserved-memory \{.*?\n\t\};\n", "\n", dts, count=1, flags=re.S)
    rsv = "".join(f"/memreserve/ {a:#x} {s:#x};\n" for a, s in board.memreserve)
    dts = dts.replace("/dts-v1/;\n", "/dts-v1/;\n" + rsv, 1)
    dts += ("\n/ {\n\treserved-memory {\n\t\t#address-cells = <1>;\n\t\t#size-cells = <1>;\n"
            "\t\tranges;\n\t\tatf@0 {\n\t\t\treg = <0x0 0x80000>;\n\t\t\tno-map;\n\t\t};\n"
            "\t};\n\tpixen-sd-card {\n\t\tcompatible = \"sandbox,mmc\";\n"
            f"\t\tfilename = \"{card}\";\n\t\tnon-removable;\n\t\tbus-width = <4>;\n"
            "\t};\n};\n")
    src, out = os.path.join(tmp, "control.dts"), os.path.join(tmp, "control.dtb")
    open(src, "w").write(dts)
    rc, msg = sh("dtc", "-q", "-I", "dts", "-O", "dtb", "-o", out, src)
    assert rc == 0, msg
    return out


def run_uboot(card, board, tmp, ram_bytes):
    """Boots the card in the sandbox; returns (console text, RAM from 0, env)."""
    fw, control = firmware_tree(board, tmp), control_tree(board, card, tmp)
    ram = os.path.join(tmp, "ram.bin")
    commands = [
        # u-boot-rpi reads its environment from uboot.env on mmc 0:1, in place of its own.
        "load mmc 0:1 0x3000000 uboot.env",
        "env import -d -c 0x3000000 0x4000",
        # What the board code sets from the firmware.
        f"load hostfs - {board.fw_tree_at:#x} {fw}",
        f"setenv fdt_addr {board.fw_tree_at:x}",
        f"setenv board_revision {board.revision:#X}".replace("0X", "0x"),
        "setenv board_rev 0x17",
        f"setenv ethaddr {MAC}",
        "run bootcmd",
        f"save hostfs - 0 {ram} {ram_bytes:#x}",
        "printenv",
    ]
    r = subprocess.run([os.path.join(SANDBOX, "u-boot"), "-d", control, "-c", "; ".join(commands)],
                       capture_output=True, text=True, errors="replace", timeout=120)
    out = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", r.stdout + r.stderr)
    env = dict(l.split("=", 1) for l in out.splitlines() if re.match(r"^[A-Za-z_#][\w#]*=", l))
    data = open(ram, "rb").read() if os.path.exists(ram) else b""
    return out, data, env


def card_file(card, name, tmp):
    out = os.path.join(tmp, "card-" + name.replace("/", "_"))
    if not os.path.exists(out):
        rc, msg = sh("mcopy", "-n", "-i", f"{card}@@1M", f"::{name}", out)
        assert rc == 0, msg
    return open(out, "rb").read()


def overlaps(a, b):
    return a[0] < b[0] + b[1] and b[0] < a[0] + a[1]


def blob_at(data, addr):
    size = int.from_bytes(data[addr + 4:addr + 8], "big")
    return data[addr:addr + size]


def script(build=RPI5):
    return open(os.path.join(build, "boot.cmd")).read()


def booti_addresses(build=RPI5):
    m = re.search(r"^    booti (0x[0-9a-f]+) - (0x[0-9a-f]+)$", script(build), re.M)
    return int(m.group(1), 16), int(m.group(2), 16)


def ram_needed(build=RPI5):
    ends = [int(a, 16) + int(s) * 1024 for a, s in
            re.findall(r"^#   (0x[0-9a-f]+)\s+(\d+) KiB  (?!u-boot|BL31)", script(build), re.M)]
    return max(ends)


@pytest.mark.parametrize("board", BOARDS, ids=str)
def test_boot_scr_runs_in_u_boot_and_leaves_xen_a_tree_it_accepts(card, board, tmp_path):
    tree, _ = boot_and_check(card, RPI5, board, str(tmp_path))
    xu_create_would_give_the_blinky_its_gpio_and_nothing_else(tree, board, str(tmp_path))
    # The NVMe port is nobody's: Dom0 would otherwise drive the reset
    # controller in its registers' last page, which is DomD's.
    node = tree.node(PCIE1)
    assert tree.strings(node, "status") == ["disabled"]
    assert tree.prop(node, "xen,passthrough") is None


def probe_guest(tmp, keys):
    """xu create's host-device check (hostdevs-probe) of a guest with these keys, on the
    tree boot.scr left Xen in tmp, as Dom0 would see it on the board."""
    probe = os.path.join(ROOT, "build", "host", "hostdevs-probe")
    assert os.path.exists(probe), f"{probe}: run `make test-build`"
    cfg = os.path.join(tmp, "probe.cfg")
    open(os.path.join(tmp, "Image"), "wb").close()
    with open(cfg, "w") as f:
        f.write(f"name = 'probe'\nkernel = 'Image'\nmemory = 16\n{keys}\n")
    tree = xentree.Tree(open(os.path.join(tmp, "xen-tree.dtb"), "rb").read())
    bootargs = " ".join(tree.strings(tree.node("/chosen"), "xen,xen-bootargs"))
    rc, out = sh(probe, os.path.join(tmp, "xen-tree.dtb"), bootargs, cfg)
    assert rc == 0, out
    return out.strip()


def xu_create_would_give_the_blinky_its_gpio_and_nothing_else(tree, board, tmp):
    """What `xu create` would accept on the board, checked on the tree boot.scr leaves Xen
    there: the blinky's GPIO page; not Xen's UART, not DomD's RP1, not Dom0's SD host."""
    gpio = tree.node("/soc@107c000000/gpio@7d517c00")
    assert tree.prop(gpio, "pixen,for-guests") == b""
    assert tree.strings(tree.node("/axi/pcie@1000120000"), "pixen,domain") == ["DomD"]
    blinky = re.search(r'^iomem = .*$', open(os.path.join(ROOT, "platform/rpi5/guests/rpi_5_domd.cfg"))
                       .read(), re.M).group(0)
    assert probe_guest(tmp, blinky) == "accepted"
    console_irq = (120 if board.d0 else 121) + 32
    sd_irq = xentree.gic_spis(tree, tree.node("/soc@107c000000/mmc@1100000"))[0][0]
    for keys, refusal in (
            (f"irqs = [ {sd_irq} ]", f"irqs: {sd_irq} is the interrupt of "
             "/soc@107c000000/mmc@1100000, which Dom0 keeps"),
            ("iomem = [ '0x107d001,1' ]",
             "holds Xen's UART (/soc@107c000000/serial@7d001000, its console), which Xen keeps"),
            ("iomem = [ '0x1000120,1' ]",
             "is /axi/pcie@1000120000, which the boot-time domain DomD has (its dtdev)"),
            (f"irqs = [ {console_irq} ]", f"irqs: {console_irq}: no device platform.cfg's "
             "guest_devices frees (/soc@107c000000/gpio@7d517c00) raises it")):
        out = probe_guest(tmp, keys)
        assert refusal in out and "probe.cfg:4: " in out, (keys, out)


# A C1 and a D0 board, each with the other's RAM size extreme.
NVME_BOARDS = [BOARDS[0], BOARDS[6]]


@pytest.mark.parametrize("board", NVME_BOARDS, ids=str)
def test_domd_root_nvme_gives_domd_the_pcie_x1_port_with_its_own_msis(nvme_card, board,
                                                                    tmp_path):
    tree, partial = boot_and_check(nvme_card, RPI5_NVME, board, str(tmp_path))
    host = tree.node(PCIE1)
    assert tree.prop(host, "xen,passthrough") is not None
    assert (tree.strings(host, "status") or ["okay"]) == ["okay"]
    # Xen routes the bridge's own interrupts (223 and its MSIs' 224) and its
    # INTx (219-222), all level, to DomD.
    spis = tree.cells(host, "interrupts")
    assert sorted(spis[i + 1] for i in range(0, len(spis), 3)) == [219, 220, 221, 222, 223, 224]
    assert {spis[i + 2] for i in range(0, len(spis), 3)} == {4}
    # MIP1 stays off (its SPIs are the always-on controller's and the GPU's too).
    assert tree.strings(tree.node("/axi/msi-controller@1000131000"), "status") == ["disabled"]
    # In DomD's tree the bridge is its own MSI controller.
    bridge = partial.node("/passthrough/pcie@1000110000")
    assert partial.prop(bridge, "msi-controller") is not None
    assert partial.cells(bridge, "msi-parent") == partial.cells(bridge, "phandle")


@pytest.mark.parametrize("board", NVME_BOARDS, ids=str)
def test_enable_wifi_gives_domd_the_wifi_and_dom0_sets_its_pins(wifi_card, board, tmp_path):
    tree, partial = boot_and_check(wifi_card, RPI5_WIFI, board, str(tmp_path))
    for path in ("/soc@107c000000/mmc@1100000", "/soc@107c000000/gpio@7d508500",
                 "/soc@107c000000/interrupt-controller@7d508400", "/wl-on-reg"):
        assert tree.prop(tree.node(path), "xen,passthrough") is not None, path
    # Xen routes the SDIO host's SPI (274) and the GPIO's controller's (244).
    for path, spi in (("/soc@107c000000/mmc@1100000", 274),
                      ("/soc@107c000000/interrupt-controller@7d508400", 244)):
        assert tree.cells(tree.node(path), "interrupts") == [0, spi, 4], path
    # Dom0's pin controller sets the SDIO pins and WL_ON's at its start: the
    # phandles boot.scr read from this board's tree (C1 and D0 trees differ).
    pinctrl = tree.node("/soc@107c000000/pinctrl@7d504100")
    states = [tree.cells(tree.node("/soc@107c000000/pinctrl@7d504100/" + name), "phandle")[0]
              for name in ("sdio2-30-default-state", "wl-on-default-state")]
    assert tree.cells(pinctrl, "pinctrl-0") == states
    assert tree.strings(pinctrl, "pinctrl-names") == ["default"]
    # What shares the GPIO's page is off; DomD's nodes name no pin state.
    for path in ("/soc@107c000000/i2c@7d508200", "/soc@107c000000/i2c@7d508280",
                 "/soc@107c000000/interrupt-controller@7d508380", "/gpio-keys"):
        assert tree.strings(tree.node(path), "status") == ["disabled"], path
    sdio = partial.node("/passthrough/mmc@1100000")
    assert partial.prop(sdio, "pinctrl-0") is None
    assert partial.strings(partial.node("/passthrough/mmc@1100000/wifi@1"),
                           "brcm,board-type") == ["raspberrypi,5-model-b"]


@pytest.mark.parametrize("board", NVME_BOARDS, ids=str)
def test_enable_partitions_makes_the_rt_pool_and_starts_its_guest_in_it(partitions_card, board,
                                                                         tmp_path):
    tree, _ = boot_and_check(partitions_card, RPI5_PARTITIONS, board, str(tmp_path))
    pool = tree.node("/chosen/cpupool-rt")
    # The fourth core, named by the phandle this board's tree gives it.
    assert tree.cells(pool, "cpupool-cpus") == tree.cells(tree.node("/cpus/cpu@3"), "phandle")
    assert tree.strings(pool, "cpupool-sched") == ["null"]
    assert tree.strings(pool, "pixen,pool-name") == ["rt"] and tree.cells(pool, "pixen,cpus") == [3]
    guest = tree.node("/chosen/rt_jitter")
    assert tree.cells(guest, "domain-cpupool") == tree.cells(pool, "phandle")
    assert tree.prop(guest, "vpl011") is not None
    # Xen numbers the domains in /chosen's order: DomD is still domain 1.
    domains = [tree.path[n] for n in tree.children[tree.node("/chosen")]
               if "xen,domain" in tree.strings(n, "compatible")]
    assert domains == ["/chosen/DomD", "/chosen/rt_jitter", "/chosen/shm_ping", "/chosen/shm_pong"]
    # The pair's static links: one region, owned by shm_ping; each channel end names the other's.
    ping, pong = (tree.node(f"/chosen/{n}/shm-pingpong") for n in ("shm_ping", "shm_pong"))
    assert tree.cells(ping, "xen,shared-mem") == tree.cells(pong, "xen,shared-mem") == \
        [0, 0x7fe00000, 0, 0x7fe00000, 0, 0x10000]
    assert (tree.strings(ping, "role"), tree.strings(pong, "role")) == (["owner"], ["borrower"])
    ping, pong = (tree.node(f"/chosen/{n}/evtchn-10") for n in ("shm_ping", "shm_pong"))
    assert tree.cells(ping, "xen,evtchn") == [10] + tree.cells(pong, "phandle")
    assert tree.cells(pong, "xen,evtchn") == [10] + tree.cells(ping, "phandle")
    assert tree.cells(tree.node("/chosen/DomD"), "domain-cpupool") is None


def boot_and_check(card, build, board, tmp):
    """Boots build's card (a copy) on board in the sandbox and checks what
    boot.scr leaves for Xen; returns Xen's tree and DomD's partial tree."""
    out, ram, env = run_uboot(card, board, tmp, ram_needed(build))
    # The bootflow found boot.scr on the card and ran it to the end.
    assert "pixen: starting Xen" in out, out[-3000:]
    assert "not starting Xen" not in out and not env.get("pixen_stop"), out[-3000:]
    assert "Unknown command 'booti'" in out, out[-3000:]
    # A D0 board gets the D0 tree from the card; a C1 board the firmware's.
    assert ("Xen gets bcm2712-d-rpi-5-b.dtb" in out) == board.d0, out[-3000:]

    xen_addr, fdt_addr = booti_addresses(build)
    blob = blob_at(ram, fdt_addr)
    with open(os.path.join(tmp, "xen-tree.dtb"), "wb") as f:
        f.write(blob)
    tree = xentree.Tree(blob)
    assert xentree.check(blob) == []
    console = tree.node("/soc@107c000000/serial@7d001000")
    assert tree.cells(console, "interrupts") == [0, 120 if board.d0 else 121, 4]
    if not board.d0:
        # The firmware's tree, moved: its reservation and RAM are still there.
        assert tree.reserved == board.memreserve
    assert tree.node("/axi/pcie@1000120000/pci@0,0") is None

    # Every module: in the board's first bank, clear of what is not boot.scr's,
    # of the others and of DomD's RAM, the size of its file and holding it.
    mods = xentree.modules(blob)
    # Dom0: kernel, ramdisk, policy; DomD: kernel, ramdisk, tree; each boot-time guest its kernel.
    assert len(mods) == 6 + len(re.findall(r"^fdt mknode /chosen/(?!DomD )\S+ module@", script(build),
                                           re.M)), mods
    taken = [("BL31", BL31), ("u-boot", UBOOT_REGION), ("DomD's RAM", DOMD_BANK)] + \
        [("firmware reservation", r) for r in board.memreserve]
    loads = dict((int(a, 16), f) for a, f in
                 re.findall(r"^if load \S+ \S+ (0x[0-9a-f]+) (\S+); then", script(build), re.M))
    copies = dict((int(dst, 16), loads[int(src, 16)]) for src, dst in
                  re.findall(r"^if cp\.b (0x[0-9a-f]+) (0x[0-9a-f]+) ", script(build), re.M))
    files = {**loads, **copies}
    for path, addr, size in mods:
        region = (addr, size)
        assert board.banks[0][0] <= addr and addr + size <= sum(board.banks[0]), path
        for what, other in taken:
            assert not overlaps(region, other), (path, what)
        # Two domains that boot one file share its one load (mkboot reads each file once).
        for other_path, a, s in mods:
            assert other_path == path or (a, s) == region or not overlaps(region, (a, s)), \
                (path, other_path)
        data = card_file(card, files[addr], tmp)
        assert size == len(data), path
        held = ram[addr:addr + size]
        if files[addr] == "domd-passthrough.dtb":
            # boot.scr wrote the board's MAC into it, and nothing else.
            diff = [i for i in range(size) if held[i] != data[i]]
            assert diff and diff[-1] - diff[0] < 6, diff
            at = held.find(bytes.fromhex(MAC.replace(":", "")))
            assert at >= 0 and at <= diff[0] and diff[-1] < at + 6
            held = held[:at] + data[at:at + 6] + held[at + 6:]
        assert held == data, f"{path}: RAM does not hold {files[addr]}"
    assert ram[xen_addr:xen_addr + 64] == card_file(card, "xen", tmp)[:64]

    # DomD's partial tree: the board's MAC, and nothing Xen's tree lacks.
    partial_addr = next(a for p, a, s in mods if p.startswith("/chosen/DomD/")
                        and files[a] == "domd-passthrough.dtb")
    partial = xentree.Tree(blob_at(ram, partial_addr))
    eth = partial.node("/passthrough/pcie@1000120000/pci@0,0/dev@0,0/pci-ep-bus@1/"
                       "ethernet@40100000")
    assert partial.prop(eth, "local-mac-address") == bytes.fromhex(MAC.replace(":", ""))
    assert partial_references_only_what_was_passed_through(partial, tree) == []
    return tree, partial


def partial_references_only_what_was_passed_through(partial, host):
    """Each /passthrough node names (xen,path) a host node marked
    xen,passthrough; its xen,reg lies in that node's registers or bus
    windows; the SPIs it gives the domain are ones the host node lists."""
    problems = []
    for node in partial.children.get(partial.node("/passthrough"), []):
        path = partial.path[node]
        xen_path = (partial.strings(node, "xen,path") or [None])[0]
        if xen_path is None:
            continue  # a copied fixed clock
        h = host.node(xen_path)
        if h is None or host.prop(h, "xen,passthrough") is None:
            problems.append(f"{path}: xen,path {xen_path} is not passed through in Xen's tree")
            continue
        windows = []
        for addr, size in xentree.addresses(host, h):
            windows.append((xentree.translate(host, h, addr), size))
        ranges = host.cells(h, "ranges") or []
        na = (host.cells(h, "#address-cells") or [2])[0]
        ns = (host.cells(h, "#size-cells") or [1])[0]
        pna = xentree.n_cells(host, h, "#address-cells", 2)
        for i in range(0, len(ranges) - (na + pna + ns) + 1, na + pna + ns):
            parent_addr = ranges[i + na:i + na + pna]
            size = xentree.number(ranges[i + na + pna:i + na + pna + ns])
            windows.append((xentree.translate(host, h, parent_addr), size))
        reg = partial.cells(node, "xen,reg") or []
        for i in range(0, len(reg), 6):
            addr, size = xentree.number(reg[i:i + 2]), xentree.number(reg[i + 2:i + 4])
            if not any(w[0] is not None and w[0] & ~0xfff <= addr and
                       addr + size <= ((w[0] + w[1] + 0xfff) & ~0xfff) for w in windows):
                problems.append(f"{path}: xen,reg {addr:#x}+{size:#x} is none of {xen_path}'s")
        listed = set(xentree.gic_spis(host, h)[0])
        given = set()
        spec = partial.cells(node, "interrupts") or []
        if (partial.cells(node, "interrupt-parent") or [0])[0] == 65000:
            given |= {spec[i + 1] + 32 for i in range(0, len(spec) - 2, 3) if spec[i] == 0}
        msi = partial.cells(node, "msi-ranges") or []
        for i in range(0, len(msi) - 4, 5):
            given |= {msi[i + 2] + k + 32 for k in range(msi[i + 4])}
        if given - listed:
            problems.append(f"{path}: gives IRQs {sorted(given - listed)} Xen will not route")
    return problems


def test_u_boot_will_not_load_over_the_firmwares_reservation(card, tmp_path):
    """A board whose firmware reserves memory where boot.scr loads Dom0's
    kernel: u-boot refuses the load, and boot.scr stops before Xen."""
    board = Board(8, False, 0x2efec900)
    board.memreserve = [(0x800000, 0x100000)]
    out, _, env = run_uboot(card, board, str(tmp_path), 0x1000)
    assert "Reading file would overwrite reserved memory" in out, out[-3000:]
    assert "pixen: cannot load dom0-Image.gz" in out, out[-3000:]
    # The script ends there (u-boot 2025.01's exit does; pixen_stop would keep
    # booti from starting Xen on an older one).
    assert "pixen: starting Xen" not in out and env.get("pixen_stop") == "1", out[-3000:]


def test_the_checks_fail_on_a_tree_without_the_edits(card, tmp_path):
    """Each check is shown to fail: the tree of a 8 GB C1 board as boot.scr
    leaves it, then with a wrong dtuart, without the /axi window, with the
    console's reg as Debian has it, and with RP1's nodes left in."""
    tmp = str(tmp_path)
    out, ram, _ = run_uboot(card, BOARDS[2], tmp, ram_needed())
    _, fdt_addr = booti_addresses()
    good = os.path.join(tmp, "xen.dtb")
    open(good, "wb").write(blob_at(ram, fdt_addr))
    assert xentree.check(open(good, "rb").read()) == []

    def variant(name, options, *args):
        """xentree's problems with the tree after `fdtput OPTIONS FILE ARGS...`."""
        path = os.path.join(tmp, name + ".dtb")
        rc, msg = sh("dtc", "-q", "-I", "dtb", "-O", "dtb", "-p", "65536", "-o", path, good)
        assert rc == 0, msg
        rc, msg = sh("fdtput", *options, path, *args)
        assert rc == 0, msg
        return xentree.check(open(path, "rb").read())

    bootargs = xentree.Tree(open(good, "rb").read())
    chosen = bootargs.strings(bootargs.node("/chosen"), "xen,xen-bootargs")[0]
    assert variant("dtuart", ["-t", "s"], "/chosen", "xen,xen-bootargs",
                   chosen.replace("serial@7d001000", "serial@7d001001")) == \
        ["dtuart=/soc@107c000000/serial@7d001001: no such node"]
    debian_ranges = ["0x0", "0x0", "0x0", "0x0", "0x10", "0x0", "0x10", "0x0", "0x10", "0x0",
                     "0x1", "0x0", "0x14", "0x0", "0x14", "0x0", "0x4", "0x0", "0x18", "0x0",
                     "0x18", "0x0", "0x4", "0x0", "0x1c", "0x0", "0x1c", "0x0", "0x4", "0x0"]
    assert "Unable to retrieve address 1 for /axi/msi-controller@1000130000" in \
        variant("ranges", ["-t", "x"], "/axi", "ranges", *debian_ranges)
    assert variant("uart", ["-t", "x"], "/soc@107c000000/serial@7d001000", "reg", "0x7d001000",
                   "0x200") == \
        ["dtuart=/soc@107c000000/serial@7d001000: its reg is under a page; a 1:1 domain's "
         "vpl011 cannot reuse it"]
    assert "/axi/msi-controller@1000130000: xen,passthrough, but its interrupts lack IRQs" in \
        " ".join(variant("msi", ["-d"], "/axi/msi-controller@1000130000", "interrupts"))
    # The console's interrupt on a node Dom0 is given.
    assert "IRQ 153 is already used by Xen" in " ".join(
        variant("irq", ["-t", "x"], "/soc@107c000000/timer@7c003000", "interrupts", "0", "0x79",
                "4"))


def test_the_cpupool_checks_fail_where_xen_would_stop(tmp_path):
    """Xen 4.17 panics at a pool naming a node that is no CPU, a CPU in two pools, a
    scheduler it lacks, and a domain naming what is no pool: so does the check."""
    dts = tmp_path / "t.dts"
    dts.write_text("""/dts-v1/;
/ { cpus { #address-cells = <1>; #size-cells = <0>;
      c0: cpu@0 { device_type = "cpu"; reg = <0>; };
      c1: cpu@1 { device_type = "cpu"; reg = <1>; }; };
    other: other { };
    chosen { xen,xen-bootargs = "console=dtuart dtuart=/other";
      a: pool-a { compatible = "xen,cpupool"; cpupool-cpus = <&c1 &other>; cpupool-sched = "fifo"; };
      pool-b { compatible = "xen,cpupool"; cpupool-cpus = <&c1>; };
      dom { compatible = "xen,domain"; domain-cpupool = <&c0>; };
      good { compatible = "xen,domain"; domain-cpupool = <&a>; }; }; };
""")
    dtb = tmp_path / "t.dtb"
    assert sh("dtc", "-q", "-I", "dts", "-O", "dtb", "-o", str(dtb), str(dts))[0] == 0
    problems = xentree.cpupool_problems(xentree.Tree(dtb.read_bytes()))
    assert problems == [
        "/chosen/pool-a: Scheduler fifo does not exists!",
        "/chosen/pool-a: cpupool-cpus: phandle 0x2 is no cpu node",
        "/chosen/pool-b: /cpus/cpu@1 is already in /chosen/pool-a",
        "/chosen/dom: domain-cpupool names no xen,cpupool node"], problems
