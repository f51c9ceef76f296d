"""Dom0's own kernel (images/linux): built from Debian's linux source with
pixen's fragment and every machine's, all built in; the check that refuses
a fragment's line the kernel's configuration did not keep."""
import glob
import os
import re

from conftest import ROOT, sh

KERNEL = os.path.join(ROOT, "build/dom0-kernel")
CHECK = os.path.join(ROOT, "images/linux/check-config.sh")
MIB = 1024 * 1024


def fragments():
    return [os.path.join(ROOT, "images/linux/dom0.kconfig")] + sorted(
        glob.glob(os.path.join(ROOT, "platform/*/dom0.kconfig")) +
        glob.glob(os.path.join(ROOT, "platform/*/option/*/dom0.kconfig")))


def test_every_line_of_every_fragment_is_in_the_kernel_built(mdir):
    rc, out = sh(CHECK, os.path.join(KERNEL, "config"), *fragments())
    assert rc == 0, out
    config = open(os.path.join(KERNEL, "config")).read()
    assert "# CONFIG_MODULES is not set" in config
    assert not re.search(r"^CONFIG_\w+=m$", config, re.M)
    # Not the generic kernel's tracing: 44,000 call sites patched at boot.
    assert "CONFIG_FTRACE=y" not in config


def test_dom0_kernel_is_a_small_arm64_image(mdir):
    with open(os.path.join(KERNEL, "Image"), "rb") as f:
        header = f.read(64)
    assert header[56:60] == b"ARM\x64"
    size = os.path.getsize(os.path.join(KERNEL, "Image"))
    assert size <= 8 * MIB, f"Dom0's Image is {size} bytes"
    # The card carries it under its own name; DomD's kernel is Debian's.
    assert open(os.path.join(mdir, "boot/dom0-Image"), "rb").read() == \
        open(os.path.join(KERNEL, "Image"), "rb").read()
    assert os.path.getsize(os.path.join(mdir, "boot/Image")) > 2 * size


def test_a_setting_the_configuration_dropped_is_refused_with_file_and_line(tmp_path):
    config = tmp_path / ".config"
    config.write_text("CONFIG_XEN=y\n# CONFIG_MODULES is not set\n")
    frag = tmp_path / "dom0.kconfig"
    frag.write_text("# Dom0\nCONFIG_XEN=y\nCONFIG_MODULES=n\n\nCONFIG_VIRTIO_BLK=y\n")
    rc, out = sh(CHECK, str(config), str(frag))
    assert rc == 1
    assert out.strip().splitlines() == [
        f"pixen: {frag}:5: CONFIG_VIRTIO_BLK=y did not survive allnoconfig (a dependency is "
        "missing or the kernel has no such symbol)"]
    config.write_text("CONFIG_XEN=y\n# CONFIG_MODULES is not set\nCONFIG_VIRTIO_BLK=y\n")
    rc, out = sh(CHECK, str(config), str(frag))
    assert rc == 0 and out == "", out


def test_two_fragments_that_set_one_symbol_two_ways_are_refused(tmp_path):
    config = tmp_path / ".config"
    config.write_text("CONFIG_NR_CPUS=8\n")
    a, b = tmp_path / "a.kconfig", tmp_path / "b.kconfig"
    a.write_text("CONFIG_NR_CPUS=8\n")
    b.write_text("# more\nCONFIG_NR_CPUS=4\n")
    rc, out = sh(CHECK, str(config), str(a), str(b))
    assert rc == 1
    assert f"pixen: {b}:2: CONFIG_NR_CPUS=4: {a}:1 sets it to 8" in out, out
