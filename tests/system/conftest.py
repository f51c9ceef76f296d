"""System tests: real QEMU boots of the images, driven over their serial console.

Each test module gets one boot of its own, torn down before the next module
boots: two QEMUs at once would only slow each other down on a small host.

DomD's disk is rootfs.img, as a USB stick (make run's default) unless the
module sets DOMD_ROOT.
Its uplink is QEMU's user network, restricted to the host (restrict=on): the
one place it reaches is a small web server these tests start on 127.0.0.1,
at 10.0.2.100:80 (guestfwd)."""
import functools
import http.server
import os
import secrets
import socketserver
import tempfile
import threading

import pytest

from console import ROOT, Machine, default_machine, machine_files, write_results

DEFAULTS = machine_files(os.path.join("build", default_machine()))


def pytest_addoption(parser):
    parser.addoption("--machine", default=DEFAULTS["machine"],
                     help="the machine (a folder under platform/) to emulate")
    parser.addoption("--image", default=DEFAULTS["image"], help="the SD-card image to boot")
    parser.addoption("--xl-image", default=DEFAULTS["xl_image"],
                     help="the test image whose Dom0 also has Debian's xl")
    parser.addoption("--partitions-image", default=None,
                     help="the test image (with xl) built with ENABLE_PARTITIONS=yes (default: "
                          "beside --xl-image's folder, in MACHINE-ENABLE_PARTITIONS_yes)")
    parser.addoption("--uboot-env", default=DEFAULTS["uboot_env"],
                     help="the image of u-boot's environment medium (none: on the card)")
    parser.addoption("--rootfs", default=DEFAULTS["rootfs"], help="DomD's disk")
    parser.addoption("--results", default=DEFAULTS["results"],
                     help="folder for console logs and boot-stages.json")


@pytest.fixture(scope="session")
def results_dir(request):
    path = request.config.getoption("--results")
    os.makedirs(path, exist_ok=True)
    return path


UPLINK_ADDR = "10.0.2.100"


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def uplink_server():
    """A web server on the build host's 127.0.0.1, serving token.txt; it must be up
    before QEMU starts, which connects its guestfwd to it then."""
    with tempfile.TemporaryDirectory() as root:
        token = "pixen-uplink-" + secrets.token_hex(8)
        with open(os.path.join(root, "token.txt"), "w") as f:
            f.write(token + "\n")
        handler = functools.partial(QuietHandler, directory=root)
        with socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler) as server:
            server.daemon_threads = True
            threading.Thread(target=server.serve_forever, daemon=True).start()
            yield {"port": server.server_address[1], "token": token,
                   "url": f"http://{UPLINK_ADDR}/token.txt"}
            server.shutdown()


def boot(request, image, results_dir, name):
    assert os.path.exists(image), f"{image}: build it with make"
    rootfs = request.config.getoption("--rootfs")
    assert os.path.exists(rootfs), f"{rootfs}: build it with make rootfs.img"
    server = request.getfixturevalue("uplink_server")
    m = Machine(image, os.path.join(results_dir, f"console-{name}.log"),
                machine=request.config.getoption("--machine"),
                uboot_env=request.config.getoption("--uboot-env") or None, rootfs=rootfs,
                domd_root=getattr(request.module, "DOMD_ROOT", "usb"),
                uplink=f"restrict=on,guestfwd=tcp:{UPLINK_ADDR}:80-tcp:127.0.0.1:{server['port']}",
                extra_args=getattr(request.module, "QEMU_ARGS", ()))
    try:
        stages = m.boot()
    except BaseException:
        m.close()
        raise
    return m, stages


@pytest.fixture(scope="module")
def partitions_machine(request, results_dir):
    """The test image (xl beside xu) of ENABLE_PARTITIONS=yes: CPU pools and guests Xen
    starts at boot, from the machine's option folder."""
    machine = request.config.getoption("--machine")
    if not os.path.isdir(os.path.join(ROOT, "platform", machine, "option", "ENABLE_PARTITIONS_yes")):
        pytest.skip(f"platform/{machine} has no ENABLE_PARTITIONS=yes")
    image = request.config.getoption("--partitions-image") or os.path.join(
        os.path.dirname(os.path.dirname(os.path.abspath(request.config.getoption("--xl-image")))),
        f"{machine}-ENABLE_PARTITIONS_yes", "full-xl.img")
    m, _ = boot(request, image, results_dir, request.module.__name__)
    yield m
    m.close()


@pytest.fixture(scope="module")
def machine(request, results_dir):
    """full.img, booted once for the tests of one module."""
    m, stages = boot(request, request.config.getoption("--image"), results_dir,
                     request.module.__name__)
    write_results(os.path.join(results_dir, "boot-stages.json"), "boot", stages)
    yield m
    m.close()


@pytest.fixture(scope="module")
def xl_machine(request, results_dir):
    """The test image, whose Dom0 has Debian's xl beside xu."""
    m, _ = boot(request, request.config.getoption("--xl-image"), results_dir,
                request.module.__name__)
    yield m
    m.close()
