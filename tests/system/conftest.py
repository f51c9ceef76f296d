"""System tests: real QEMU boots of the images, driven over their serial console.

Each test module gets one boot of its own, torn down before the next module
boots: two QEMUs at once would only slow each other down on a small host."""
import os

import pytest

from console import Machine, write_results


def pytest_addoption(parser):
    parser.addoption("--image", default="build/qemu/full.img", help="the SD-card image to boot")
    parser.addoption("--xl-image", default="build/qemu/full-xl.img",
                     help="the test image whose Dom0 also has Debian's xl")
    parser.addoption("--flash", default="build/qemu/uboot-flash.img",
                     help="QEMU's second flash bank: u-boot's environment")
    parser.addoption("--results", default="build/qemu/results",
                     help="folder for console logs and boot-stages.json")


@pytest.fixture(scope="session")
def results_dir(request):
    path = request.config.getoption("--results")
    os.makedirs(path, exist_ok=True)
    return path


def boot(request, image, results_dir, name):
    assert os.path.exists(image), f"{image}: build it with make"
    m = Machine(image, os.path.join(results_dir, f"console-{name}.log"),
                flash=request.config.getoption("--flash"))
    try:
        stages = m.boot()
    except BaseException:
        m.close()
        raise
    return m, stages


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
