"""The front door: options, targets, and a build that redoes nothing."""
import hashlib
import os
import shutil
import re
import subprocess

from conftest import ROOT, sh


def test_help_config_lists_the_options_with_choices_and_defaults():
    rc, out = sh("make", "-s", "help-config")
    assert rc == 0, out
    # Each machine is a folder under platform/, with its refusals.
    assert re.search(r"^  qemu +QEMU's arm64 virt machine", out, re.M), out
    assert re.search(r"^  ENABLE_WIFI=yes on qemu: QEMU's virt machine has no Wi-Fi", out, re.M), out
    assert ("usage: make [MACHINE={qemu,raspi4b,rpi5}] [DOMD_ROOT={usb,nvme}] [ENABLE_SCMI={yes,no}] "
            "[ENABLE_WIFI={yes,no}] [ENABLE_PARTITIONS={yes,no}]") in out
    for option, default in [("MACHINE={qemu,raspi4b,rpi5}", "qemu"), ("DOMD_ROOT={usb,nvme}", "usb"),
                            ("ENABLE_SCMI={yes,no}", "no"), ("ENABLE_WIFI={yes,no}", "no"),
                            ("ENABLE_PARTITIONS={yes,no}", "no")]:
        assert re.search(re.escape(option) + r" .*\(default: " + default + r"\)", out), out


def test_unknown_option_values_stop_the_build():
    rc, out = sh("make", "-n", "full.img", "MACHINE=pi4")
    assert rc != 0
    assert "MACHINE=pi4 is not one of: qemu raspi4b rpi5" in out
    rc, out = sh("make", "-n", "full.img", "ENABLE_WIFI=maybe")
    assert rc != 0 and "ENABLE_WIFI=maybe is not one of: yes no" in out


def test_values_this_build_cannot_honour_stop_it_with_the_reason():
    cases = [(["ENABLE_SCMI=yes"], "ENABLE_SCMI=yes: QEMU's virt machine has no SCMI server"),
             (["ENABLE_WIFI=yes"], "ENABLE_WIFI=yes: QEMU's virt machine has no Wi-Fi device"),
             (["MACHINE=rpi5", "ENABLE_SCMI=yes"], "ENABLE_SCMI=yes: Xen 4.17 has no SCMI mediator"),
             (["MACHINE=raspi4b", "DOMD_ROOT=nvme"],
              "DOMD_ROOT=nvme: QEMU's raspi4b has no driver domain"),
             (["MACHINE=raspi4b", "ENABLE_PARTITIONS=yes"],
              "ENABLE_PARTITIONS=yes: the raspi4b machine proves the Pi's boot chain only")]
    for args, message in cases:
        rc, out = sh("make", "-n", "full.img", *args)
        assert rc != 0 and message in out, (args, out)


def test_domd_root_is_honoured_by_make_run():
    for value, device in [("usb", "usb-storage,bus=xhci.0,drive=domd-root"),
                          ("nvme", "nvme,serial=pixen-domd,drive=domd-root")]:
        rc, out = sh("make", "--no-print-directory", "-n", "run", f"DOMD_ROOT={value}")
        assert rc == 0, out
        assert f"--rootfs build/qemu/rootfs.img --domd-root {value}" in out, out
        # What the emulator is then told (platform/qemu/emulator.cfg).
        rc, line = sh("scripts/emulate", "--machine", "qemu", "--print", "--rootfs",
                      "build/qemu/rootfs.img", "--domd-root", value, "build/qemu/full.img")
        assert rc == 0 and "file=build/qemu/rootfs.img,format=raw,id=domd-root" in line, line
        assert f"-device {device}" in line, line


def build_outputs():
    """Every file under build/ but ninja's and Meson's own records, with its mtime."""
    found = {}
    for root, dirs, files in os.walk(os.path.join(ROOT, "build")):
        dirs[:] = [d for d in dirs if d not in ("meson-private", "meson-logs", "meson-info")]
        for name in files:
            if not name.startswith(".ninja"):
                path = os.path.join(root, name)
                found[path] = os.lstat(path).st_mtime_ns
    return found


def test_a_second_build_does_no_work(mdir):
    before = build_outputs()
    rc, out = sh("make", "--no-print-directory", "full.img", "rootfs.img")
    assert rc == 0, out
    # make asks ninja every time (Meson owns the sources); nothing else runs.
    assert [l for l in out.splitlines() if not l.startswith("pixen: build/")] == [], out
    after = build_outputs()
    changed = [p for p in after if before.get(p) != after[p]]
    assert changed == [], f"a build with nothing changed rewrote: {changed}"


def test_an_edit_of_a_source_remakes_what_is_made_of_it(mdir):
    """The other side of doing no work: ninja sees the edit, and make what follows."""
    src = os.path.join(ROOT, "src/mkboot/script.c")
    script = os.path.join(mdir, "boot.cmd")
    stamp = os.stat(script).st_mtime_ns
    os.utime(src)
    rc, out = sh("make", "--no-print-directory", "full.img")
    assert rc == 0, out
    assert "Linking target mkboot" in out and "mkdisk.sh" in out, out
    assert os.stat(script).st_mtime_ns > stamp


def test_a_comment_in_a_kernel_fragment_does_not_remake_dom0s_kernel(mdir, tmp_path):
    """Dom0's kernel takes minutes to build: it is remade for a setting, not for
    an edit of a comment. Its rule depends on the list of the fragments'
    settings, which make rewrites only when it changes."""
    fragment = os.path.join(ROOT, "images/linux/dom0.kconfig")
    text = open(fragment).read()
    settings = os.path.join(ROOT, "build/dom0-kernel/kconfigs.list")
    image = os.path.join(ROOT, "build/dom0-kernel/Image")
    kept = str(tmp_path / "kconfigs.list")
    shutil.copy2(settings, kept)

    def list_rewritten():
        before = os.stat(settings).st_mtime_ns
        rc, out = sh("make", "--no-print-directory", "build/dom0-kernel/kconfigs.list")
        assert rc == 0, out
        return os.stat(settings).st_mtime_ns != before

    def image_remade(*how):
        # -o: neither the list nor the host packages are remade (FORCE and a
        # phony target would make -q say yes always).
        rc, out = sh("make", "--no-print-directory", "-q", "-o", "deps",
                     "-o", "build/dom0-kernel/kconfigs.list",
                     *how, "build/dom0-kernel/Image")
        return rc != 0

    try:
        assert os.stat(settings).st_mtime_ns <= os.stat(image).st_mtime_ns
        with open(fragment, "a") as f:
            f.write("# a comment, and a blank line\n\n")
        assert not list_rewritten()
        # Nothing else the kernel's rule depends on is the edited fragment.
        assert not image_remade()
        with open(fragment, "a") as f:
            f.write("CONFIG_NR_CPUS=4\n")
        assert list_rewritten()
        assert "CONFIG_NR_CPUS=4" in open(settings).read()
        # And the kernel's rule depends on the list.
        assert image_remade("-W", "build/dom0-kernel/kconfigs.list")
    finally:
        with open(fragment, "w") as f:
            f.write(text)
        shutil.copy2(kept, settings)  # as the Image was built from, time stamp and all


def test_a_file_left_in_the_boot_folder_stays_off_the_card(mdir):
    """The boot partition holds what the build names, not whatever an earlier build
    (another configuration) left in its folder."""
    stale = os.path.join(mdir, "boot", "left-over.dtb")
    open(stale, "w").write("from another build")
    os.utime(os.path.join(mdir, "boot", "boot.scr"))
    rc, out = sh("make", "--no-print-directory", "full.img")
    assert rc == 0 and "mkdisk.sh" in out, out
    assert not os.path.exists(stale)
    rc, out = sh("mdir", "-b", "-i", os.path.join(mdir, "full.img") + "@@1M", "::")
    assert rc == 0 and "boot.scr" in out and "left-over" not in out, out


def test_bmap_and_gz_describe_the_same_image(mdir):
    rc, out = sh("make", "full.img.bmap", "full.img.gz")
    assert rc == 0, out
    img = os.path.join(mdir, "full.img")
    digest = hashlib.sha256()
    with subprocess.Popen(["gzip", "-dc", img + ".gz"], stdout=subprocess.PIPE) as p:
        for block in iter(lambda: p.stdout.read(1 << 20), b""):
            digest.update(block)
    with open(img, "rb") as f:
        assert digest.hexdigest() == hashlib.file_digest(f, "sha256").hexdigest()
    bmap = open(img + ".bmap").read()
    assert f"<ImageSize> {os.path.getsize(img)} </ImageSize>" in bmap
    # bmaptool checks the image against the map as it would before flashing a card.
    rc, out = sh("bmaptool", "copy", "--bmap", img + ".bmap", img, "/dev/null")
    assert rc == 0, out
