"""The Raspberry Pi 5's card (MACHINE=rpi5), checked as far as a build host can:
what each partition holds, the firmware's files, u-boot's environment, what
u-boot reads, DomD's partial tree, and a driver in the kernel for every device
Dom0 and DomD are given. `make test-build` builds it."""
import glob
import gzip
import lzma
import os
import re
import struct
import zlib

import pytest

from conftest import ROOT, fdtget, sh
from test_machine import cpio_files, release

RPI5 = os.path.join(ROOT, "build", "rpi5")
# DomD's root on an NVMe drive: make MACHINE=rpi5 DOMD_ROOT=nvme (platform/rpi5/option/).
RPI5_NVME = os.path.join(ROOT, "build", "rpi5-DOMD_ROOT_nvme")
# DomD with the Wi-Fi: make MACHINE=rpi5 ENABLE_WIFI=yes.
RPI5_WIFI = os.path.join(ROOT, "build", "rpi5-ENABLE_WIFI_yes")
MIB = 1 << 20


@pytest.fixture(scope="module")
def rpi5():
    assert os.path.exists(os.path.join(RPI5, "full.img")), \
        "run `make MACHINE=rpi5 full.img rootfs.img` first (make test-build does)"
    return RPI5


@pytest.fixture(scope="module")
def rpi5_nvme():
    assert os.path.exists(os.path.join(RPI5_NVME, "full.img")), \
        "run `make MACHINE=rpi5 DOMD_ROOT=nvme full.img` first (make test-build does)"
    return RPI5_NVME


def mdir_files(img, offset, path="::"):
    rc, out = sh("mdir", "-b", "-i", f"{img}@@{offset}", path)
    assert rc == 0, out
    return sorted(os.path.basename(l) for l in out.split())


def fdt_props(dtb, path):
    """`fdtget -p`: the node's property names."""
    rc, out = sh("fdtget", "-p", dtb, path)
    assert rc == 0, out
    return out.split()


def test_boot_partition_holds_what_the_firmware_u_boot_and_xen_read(rpi5):
    img = os.path.join(rpi5, "full.img")
    assert mdir_files(img, "1M") == sorted([
        "config.txt", "u-boot.bin", "uboot.env", "bcm2712-rpi-5-b.dtb", "bcm2712-d-rpi-5-b.dtb",
        "boot.scr", "xen", "xenpolicy", "dom0-Image.gz", "Image.gz", "dom0-initramfs.cpio.gz",
        "domd.cfg",
        "domd-initramfs.cpio.gz", "domd-passthrough.dtb"])
    rc, out = sh("sgdisk", "-p", img)
    assert rc == 0 and re.search(r"^\s+1\s.*512\.0 MiB\s+0700\s+boot$", out, re.M), out
    assert re.search(r"^\s+2\s.*512\.0 MiB\s+0700\s+dom0$", out, re.M), out


def test_config_txt_starts_u_boot_with_the_uart_on(rpi5):
    lines = [l.strip() for l in open(os.path.join(rpi5, "boot/config.txt"))
             if l.strip() and not l.startswith("#")]
    assert lines == ["kernel=u-boot.bin", "arm_64bit=1", "enable_uart=1"]


def test_u_boot_is_debians_rpi_arm64_build_that_knows_the_pi_5(rpi5):
    data = open(os.path.join(rpi5, "boot/u-boot.bin"), "rb").read()
    assert re.search(rb"U-Boot 2025\.01", data)
    assert b"brcm,bcm2712-sdhci" in data and b"5 Model B" in data
    ref = glob.glob(os.path.join(ROOT, "build/sysroot/usr/lib/u-boot/rpi_arm64/u-boot.bin"))
    assert len(ref) == 1 and open(ref[0], "rb").read() == data


def test_both_device_trees_are_the_kernel_packages(rpi5):
    for name in ("bcm2712-rpi-5-b.dtb", "bcm2712-d-rpi-5-b.dtb"):
        ref = glob.glob(os.path.join(ROOT, "build/sysroot/usr/lib/modules/*/dtb/broadcom", name))
        assert len(ref) == 1, name
        assert open(ref[0], "rb").read() == open(os.path.join(rpi5, "boot", name), "rb").read()


def test_uboot_env_is_16_kib_with_its_crc_and_without_fdt_addr(rpi5):
    data = open(os.path.join(rpi5, "boot/uboot.env"), "rb").read()
    assert len(data) == 16384  # u-boot-rpi's CONFIG_ENV_SIZE
    crc, body = struct.unpack("<I", data[:4])[0], data[4:]
    assert crc == zlib.crc32(body)
    env = dict(v.split("=", 1) for v in body.split(b"\0\0")[0].decode().split("\0"))
    # u-boot sets fdt_addr to the firmware's tree only if the environment has none.
    assert "fdt_addr" not in env
    assert env["bootdelay"] == "-2" and env["preboot"] == ""
    assert env["bootmeths"] == "script" and env["bootcmd"].startswith("bootflow scan")
    assert env["fdt_high"] == "0xffffffffffffffff"


def test_u_boot_reads_at_most_26_mib_each_file_once(rpi5):
    script = open(os.path.join(rpi5, "boot.cmd")).read()
    m = re.search(r"^# u-boot reads (\d+) bytes .* each once$", script, re.M)
    # Dom0's own kernel is 2.6 MiB of it (about 0.12 s at the card's 22 MiB/s).
    assert m and int(m.group(1)) <= 26 * MIB, m and m.group(0)
    loads = re.findall(r"^if load \S+ \S+ (0x[0-9a-f]+) (\S+);", script, re.M)
    names = [n for _, n in loads]
    assert len(names) == len(set(names)), names
    # Each kernel is read once, compressed: Dom0's own, and DomD's.
    assert names.count("dom0-Image.gz") == 1 and names.count("Image.gz") == 1


def test_boot_script_makes_the_edits_xen_needs_on_debians_tree(rpi5):
    script = open(os.path.join(rpi5, "boot.cmd")).read()
    # Xen's console by path; FLASK as on QEMU.
    assert "dtuart=/soc@107c000000/serial@7d001000" in script
    assert "xsm=flask" in script
    # The MSI page through /axi's ranges, the UART's reg a whole page.
    assert re.search(r"^if fdt set /axi ranges <[^>]* 0xff 0xfffff000 0xff 0xfffff000 0x0 0x1000>;",
                     script, re.M)
    assert "fdt set /soc@107c000000/serial@7d001000 reg <0x7d001000 0x1000>" in script
    # MIP0's 64 SPIs, edge, and the bridge's own and INTx, listed for Xen to route.
    mip = re.search(r"^fdt set /axi/msi-controller@1000130000 interrupts <([^>]*)>", script, re.M)
    cells = [int(c, 16) for c in mip.group(1).split()]
    assert [cells[i + 1] for i in range(0, len(cells), 3)] == list(range(128, 192))
    assert {cells[i + 2] for i in range(0, len(cells), 3)} == {1}
    bridge = re.search(r"^fdt set /axi/pcie@1000120000 interrupts <([^>]*)>", script, re.M)
    spis = sorted(int(c, 16) for c in bridge.group(1).split()[1::3])
    assert spis == [229, 230, 231, 232, 233, 234]
    for node in ("/axi/pcie@1000120000", "/axi/msi-controller@1000130000",
                 "/soc@107c000000/reset-controller@119500",
                 "/soc@107c000000/reset-controller@1504318",
                 "/soc@107c000000/gpio@7d517c00"):
        assert f"if fdt set {node} xen,passthrough; then" in script, node
    # The tree is moved (or the D0 one loaded) before anything is loaded.
    assert script.index("fdt move ${fdt_addr}") < script.index("if load ${devtype}") or \
        script.index("${pixen_tree}") < script.index(" xen; then")
    # Every edit stops the boot when it fails.
    for line in script.splitlines():
        if line.startswith(("fdt set", "fdt rm", "fdt mknode")):
            assert line.endswith("|| setenv pixen_stop 1"), line


def test_a_d0_board_gets_the_d0_tree_and_a_c1_board_the_firmwares(rpi5):
    """boot.scr picks the tree by u-boot's board_revision: the low digit is 1
    on D0 boards (revision 1.1). The u-boot sandbox test runs both branches;
    here, that the script has them."""
    script = open(os.path.join(rpi5, "boot.cmd")).read()
    assert 'if setexpr pixen_rev ${board_revision} "&" 0xf; then' in script
    assert "if itest 0x${pixen_rev} == 0x1; then setenv pixen_tree bcm2712-d-rpi-5-b.dtb; fi" \
        in script
    assert re.search(r"^    if load \$\{devtype\} \$\{devnum\}:\$\{distro_bootpart\} 0x[0-9a-f]+ "
                     r"\$\{pixen_tree\}; then", script, re.M)


def test_domd_partial_tree_gives_it_rp1_and_routes_its_msis(rpi5):
    dtb = os.path.join(rpi5, "boot/domd-passthrough.dtb")
    bridge = "/passthrough/pcie@1000120000"
    mip = "/passthrough/msi-controller@1000130000"
    eth = bridge + "/pci@0,0/dev@0,0/pci-ep-bus@1/ethernet@40100000"
    assert fdtget(dtb, bridge, "xen,path", "s") == "/axi/pcie@1000120000"
    # 1:1, whole pages: the controller's registers and its two windows onto PCIe
    # (RP1's BAR is in the 32-bit one), at the host's addresses.
    xen_reg = [int(c, 16) for c in fdtget(dtb, bridge, "xen,reg").split()]
    windows = {(xen_reg[i] << 32 | xen_reg[i + 1], xen_reg[i + 2] << 32 | xen_reg[i + 3])
               for i in range(0, len(xen_reg), 6)}
    assert windows == {(0x1000120000, 0xa000), (0x1f00000000, 0x100000000),
                       (0x1c00000000, 0x300000000)}, windows
    assert [int(c, 16) for c in fdtget(dtb, mip, "msi-ranges").split()] == [65000, 0, 128, 1, 64]
    # The bridge's MSIs go to the MIP given with it, by phandle.
    assert fdtget(dtb, bridge, "msi-parent") == fdtget(dtb, mip, "phandle")
    # RP1's Ethernet keeps a MAC property for boot.scr to write the board's into.
    assert len(fdtget(dtb, eth, "local-mac-address", "bx").split()) == 6
    script = open(os.path.join(rpi5, "boot.cmd")).read()
    assert f'fdt set {eth} local-mac-address "[${{pixen_mac}}]"' in script
    # What DomD cannot use is left out: RP1's disabled I2C and camera ports.
    rc, out = sh("fdtget", "-l", dtb, bridge + "/pci@0,0/dev@0,0/pci-ep-bus@1")
    assert rc == 0 and not re.search(r"^(i2c|csi)@", out, re.M), out
    assert os.path.getsize(dtb) < 16384


def compatibles_of_modules(files):
    """compatible -> module, from the `alias=of:N*T*C...` of each module in an image."""
    found = {}
    for name, data in files.items():
        if not name.endswith(".ko"):
            continue
        for m in re.finditer(rb"alias=of:N\*T\*C([^\0*]+)\0", data):
            found.setdefault(m.group(1).decode(), os.path.basename(name)[:-3])
    return found


def builtin_compatibles(files):
    rel = release(files)
    info = files["lib/modules/" + rel + "/modules.builtin.modinfo"]
    return {m.group(1).decode() for m in re.finditer(rb"alias=of:N\*T\*C([^\0*]+)\0", info)}


def node_compatibles(dtb, path):
    """The compatibles of the enabled nodes at and under path."""
    rc, out = sh("dtc", "-I", "dtb", "-O", "dts", dtb)
    assert rc == 0, out
    return set(re.findall(r'compatible = "([^"]+)"', out)) | {
        c for group in re.findall(r'compatible = ((?:"[^"]+"(?:, )?)+);', out)
        for c in re.findall(r'"([^"]+)"', group)}


def test_domd_root_nvme_adds_the_pcie_x1_port_with_its_own_msis(rpi5, rpi5_nvme):
    dtb = os.path.join(rpi5_nvme, "boot/domd-passthrough.dtb")
    bridge = "/passthrough/pcie@1000110000"
    assert fdtget(dtb, bridge, "xen,path", "s") == "/axi/pcie@1000110000"
    # Its registers (whose last page is the rescal reset controller, DomD's
    # for RP1's bridge already) and its two windows, 1:1.
    xen_reg = [int(c, 16) for c in fdtget(dtb, bridge, "xen,reg").split()]
    windows = {(xen_reg[i] << 32 | xen_reg[i + 1], xen_reg[i + 2] << 32 | xen_reg[i + 3])
               for i in range(0, len(xen_reg), 6)}
    assert windows == {(0x1000110000, 0xa000), (0x1b00000000, 0x100000000),
                       (0x1800000000, 0x300000000)}, windows
    # MIP1 is not DomD's: the bridge takes its own MSIs (SPI 224, which it lists).
    assert "msi-controller" in fdt_props(dtb, bridge)
    assert fdtget(dtb, bridge, "msi-parent") == fdtget(dtb, bridge, "phandle")
    assert [int(c, 16) for c in fdtget(dtb, bridge, "interrupts").split()] == \
        [0, 223, 4, 0, 224, 4]
    # RP1 (the uplink) is still DomD's, and the card's domd.cfg says what it takes.
    assert fdtget(dtb, "/passthrough/pcie@1000120000", "xen,path", "s") == "/axi/pcie@1000120000"
    cfg = open(os.path.join(rpi5_nvme, "boot/domd.cfg")).read()
    assert 'dtdev += [ "/axi/pcie@1000110000" ]' in cfg
    script = open(os.path.join(rpi5_nvme, "boot.cmd")).read()
    assert "fdt set /axi/pcie@1000110000 xen,passthrough" in script
    assert "/axi/pcie@1000110000 status disabled" not in script
    # DomD's first stage loads the NVMe driver (every DomD's image has it).
    files = cpio_files(os.path.join(rpi5_nvme, "boot/domd-initramfs.cpio.gz"))
    assert "nvme" in files["etc/modules"].decode().split()
    assert any(os.path.basename(n) == "nvme.ko" for n in files)

    # With DOMD_ROOT=usb the port is nobody's: off in Xen's tree, not in DomD's.
    rc, out = sh("fdtget", "-l", os.path.join(rpi5, "boot/domd-passthrough.dtb"), "/passthrough")
    assert rc == 0 and "pcie@1000110000" not in out.split(), out
    assert "fdt set /axi/pcie@1000110000 status disabled" in \
        open(os.path.join(rpi5, "boot.cmd")).read()


def test_a_page_domd_is_given_holds_nothing_dom0_drives(rpi5, tmp_path):
    """The rescal reset controller DomD has for RP1 sits in the last page of
    the x1 port's registers: with the port left on for Dom0 (the platform file
    without option/DOMD_ROOT_usb/), mkboot refuses DomD."""
    boot = tmp_path / "boot"
    assert sh("cp", "-r", os.path.join(rpi5, "boot"), str(boot))[0] == 0
    rc, out = sh(os.path.join(ROOT, "build/host/mkboot"), "--platform",
                 os.path.join(ROOT, "platform/rpi5/platform.cfg"), "--dom0",
                 os.path.join(rpi5, "machine/dom0.cfg"), "--xen", "xen", "--xsm-policy",
                 "xenpolicy", "--host-dtb", os.path.join(rpi5, "host.dtb"), "--boot-dir", str(boot),
                 "--domain", str(boot / "domd.cfg"), "-o", str(tmp_path / "boot.cmd"))
    assert rc != 0
    assert "dtdev: /soc@107c000000/reset-controller@119500: its pages 0x1000119000-0x1000119fff " \
        "also hold the registers of /axi/pcie@1000110000 (0x1000110000), which the domain is " \
        "not given" in out, out
    assert not os.path.exists(tmp_path / "boot.cmd")


def test_enable_wifi_gives_domd_the_sdio_host_and_what_powers_the_chip():
    assert os.path.exists(os.path.join(RPI5_WIFI, "full.img")), "make test-build builds it"
    dtb = os.path.join(RPI5_WIFI, "boot/domd-passthrough.dtb")
    sdio, gpio = "/passthrough/mmc@1100000", "/passthrough/gpio@7d508500"
    intc, reg = "/passthrough/interrupt-controller@7d508400", "/passthrough/wl-on-reg"
    assert fdtget(dtb, sdio, "xen,path", "s") == "/soc@107c000000/mmc@1100000"
    # Its power comes from DomD's own regulator, on DomD's own GPIO line 28.
    assert fdtget(dtb, sdio, "vmmc-supply") == fdtget(dtb, reg, "phandle")
    assert fdtget(dtb, reg, "gpio").split()[:2] == [fdtget(dtb, gpio, "phandle"), "1c"]
    # The regulator has no registers: copied, not mapped.
    assert "xen,reg" not in fdt_props(dtb, reg) and "xen,path" not in fdt_props(dtb, reg)
    # The GPIO's interrupts stay on its own controller, whose SPI (244) Xen routes.
    assert fdtget(dtb, gpio, "interrupt-parent") == fdtget(dtb, intc, "phandle")
    assert [int(c, 16) for c in fdtget(dtb, intc, "interrupts").split()] == [0, 244, 4]
    # No pin states of Dom0's pin controller; the board file the chip needs.
    for node in (sdio, reg):
        assert "pinctrl-0" not in fdt_props(dtb, node)
    assert fdtget(dtb, sdio + "/wifi@1", "brcm,board-type", "s") == "raspberrypi,5-model-b"
    script = open(os.path.join(RPI5_WIFI, "boot.cmd")).read()
    pinctrl = "/soc@107c000000/pinctrl@7d504100"
    assert f"fdt set {pinctrl} pinctrl-0 <${{pixen_ph0}} ${{pixen_ph1}}>" in script
    assert f"fdt get value pixen_ph0 {pinctrl}/sdio2-30-default-state phandle" in script
    for off in ("i2c@7d508200", "i2c@7d508280", "interrupt-controller@7d508380"):
        assert f"fdt set /soc@107c000000/{off} status disabled" in script
    # DomD's root file system loads the drivers, has the firmware under the
    # names brcmfmac asks for, and the tools to join a network.
    root = os.path.join(RPI5_WIFI, "domd-rootfs")
    listed = open(os.path.join(root, "etc/modules")).read().split()
    assert listed[-1] == "sdhci-brcmstb" and {"gpio-brcmstb", "fixed", "brcmfmac"} <= set(listed)
    firmware = os.path.join(root, "lib/firmware/brcm")
    for name in ("brcmfmac43455-sdio.bin", "brcmfmac43455-sdio.clm_blob",
                 "brcmfmac43455-sdio.raspberrypi,5-model-b.txt"):
        assert os.path.getsize(os.path.join(firmware, name)) > 0, name
    for tool in ("sbin/wpa_supplicant", "sbin/iw", "usr/bin/wpa_passphrase"):
        assert os.access(os.path.join(root, tool), os.X_OK), tool
    # Without the option, none of it.
    assert "mmc@1100000" not in sh("fdtget", "-l", os.path.join(RPI5, "boot/domd-passthrough.dtb"),
                                   "/passthrough")[1].split()
    assert not os.path.exists(os.path.join(RPI5, "domd-rootfs/lib/firmware"))


def modules_in_folder(root):
    """Like cpio_files, for a root file system the build left as a folder (its modules)."""
    files = {}
    for dirpath, _, names in os.walk(os.path.join(root, "lib/modules")):
        for name in names:
            path = os.path.join(dirpath, name)
            files[os.path.relpath(path, root)] = open(path, "rb").read()
    return files


@pytest.mark.parametrize("build", [RPI5, RPI5_NVME, RPI5_WIFI], ids=["usb", "nvme", "wifi"])
def test_every_device_domd_is_given_has_a_driver_in_its_image(build):
    assert os.path.exists(os.path.join(build, "full.img")), "make test-build builds it"
    files = cpio_files(os.path.join(build, "boot/domd-initramfs.cpio.gz"))
    # What DomD loads once running counts too (the Wi-Fi's drivers).
    rootfs = modules_in_folder(os.path.join(build, "domd-rootfs"))
    modules = {**compatibles_of_modules(rootfs), **compatibles_of_modules(files)}
    builtin = builtin_compatibles(files)
    dtb = os.path.join(build, "boot/domd-passthrough.dtb")
    # Nodes that are buses or data, not devices a driver binds to; functions
    # of a bus that bind by the bus's own ids (checked below).
    not_devices = {"simple-bus", "fixed-clock", "pci1de4,1", "brcm,bcm4329-fmac"}
    missing, found = [], set()
    for compat_group in re.findall(r'compatible = ((?:"[^"]+"(?:, )?)+);',
                                   sh("dtc", "-I", "dtb", "-O", "dts", dtb)[1]):
        names = [n for q in re.findall(r'"([^"]+)"', compat_group) for n in q.split("\\0")]
        found |= set(names)
        if set(names) & not_devices:
            continue
        if not any(n in modules or n in builtin for n in names):
            missing.append(names)
    assert missing == [], missing
    loaded = {os.path.basename(n) for n in list(files) + list(rootfs)}
    # RP1's PCIe function (pci1de4,1) binds by PCI id: rp1_pci.
    assert "rp1_pci.ko" in loaded
    # The Wi-Fi chip's SDIO function binds by SDIO id: brcmfmac.
    assert "brcm,bcm4329-fmac" not in found or "brcmfmac.ko" in loaded


def tree_nodes(dtb):
    """{path: {property: its dts text}} of every node of a tree."""
    rc, out = sh("dtc", "-I", "dtb", "-O", "dts", dtb)
    assert rc == 0, out
    nodes, stack = {}, []
    for line in out.splitlines():
        line = line.strip()
        if line.endswith("{"):
            stack.append(line[:-1].strip())
            nodes["/" + "/".join(stack[1:])] = {}
        elif line == "};":
            stack.pop()
        elif stack and " = " in line:
            name, value = line.rstrip(";").split(" = ", 1)
            nodes["/" + "/".join(stack[1:])][name] = value
    return nodes


def cells(value):
    return [int(c, 16) for c in re.findall(r"0x[0-9a-f]+", value)]


def suppliers(nodes, path):
    """The devices a node needs a driver for before its own probes: the
    devices of its pin states, its regulators, its clocks and the GPIO
    controllers of its and its regulators' GPIOs (each by its first cell:
    the phandle)."""
    by_phandle = {cells(props["phandle"])[0]: p for p, props in nodes.items() if "phandle" in props}

    def device(p):  # a pin state is a child of its controller
        while "compatible" not in nodes[p]:
            p = p.rsplit("/", 1)[0]
        return p
    props = nodes[path]
    found = [device(by_phandle[ph]) for ph in cells(props.get("pinctrl-0", ""))]
    for name in ("vmmc-supply", "vqmmc-supply", "clocks", "cd-gpios"):
        if name in props:
            found.append(device(by_phandle[cells(props[name])[0]]))
    for regulator in [p for p in found if "regulator" in nodes[p]["compatible"]]:
        for name in ("gpios", "gpio"):
            if name in nodes[regulator]:
                found.append(device(by_phandle[cells(nodes[regulator][name])[0]]))
    return found


def test_dom0_kernel_drives_the_sd_card_and_everything_it_hangs_off(rpi5):
    """Dom0's kernel has everything built in: a driver for the SD host and
    for each device its probe waits for (a missing one defers it for ever),
    on both boards' trees. A built-in driver's of_device_id table holds the
    compatible it matches, so the string is in the Image."""
    image = gzip.open(os.path.join(rpi5, "boot/dom0-Image.gz")).read()
    for dtb in ("bcm2712-rpi-5-b.dtb", "bcm2712-d-rpi-5-b.dtb"):
        nodes = tree_nodes(os.path.join(rpi5, "boot", dtb))
        sd = "/soc@107c000000/mmc@fff000"
        needed = [sd] + suppliers(nodes, sd)
        # The pins, both regulators, the GPIO block and the clock.
        assert len(set(needed)) >= 5, needed
        for path in needed:
            names = re.findall(r'"([^"]+)"', nodes[path]["compatible"])
            names = [n for q in names for n in q.split("\\0")]
            assert any(b"\0" + n.encode() + b"\0" in image for n in names), (dtb, path, names)


def test_blinky_on_the_pi_5_drives_the_act_led_alone(rpi5):
    img = os.path.join(rpi5, "full.img")
    rc, out = sh("mtype", "-i", f"{img}@@513M", "::dom0/rpi_5_domd.cfg")
    assert rc == 0, out
    assert 'cmdline = "led=brcmstb,0x107d517c00,9,active-low"' in out
    assert 'iomem = [ "0x107d517,1" ]' in out
