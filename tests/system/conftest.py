"""System tests: a real QEMU boot of full.img, driven over its serial console."""
import os

import pytest

from console import Machine, write_results


def pytest_addoption(parser):
    parser.addoption("--image", default="build/qemu/full.img", help="the SD-card image to boot")
    parser.addoption("--results", default="build/qemu/results",
                     help="folder for console logs and boot-stages.json")


@pytest.fixture(scope="session")
def results_dir(request):
    path = request.config.getoption("--results")
    os.makedirs(path, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def machine(request, results_dir):
    """One boot shared by the tests that only look at the running system."""
    image = request.config.getoption("--image")
    assert os.path.exists(image), f"{image}: build it with `make full.img`"
    m = Machine(image, os.path.join(results_dir, "console-boot.log"))
    try:
        stages = m.boot()
        write_results(os.path.join(results_dir, "boot-stages.json"), "boot", stages)
        yield m
    finally:
        m.close()
