"""`make lock`'s reading of Debian's kernel packages, against an archive made up
here: which packages make a kernel, and which kernel is the newest whole one."""
import importlib.util
import os
import subprocess

import pytest

from conftest import ROOT

spec = importlib.util.spec_from_file_location("debian", os.path.join(ROOT, "images/debian.py"))
debian = importlib.util.module_from_spec(spec)
spec.loader.exec_module(debian)

MIRROR = "http://mirror.invalid/debian"


class FakeApt:
    """Answers apt-cache madison, show and pkgnames from {(name, version): (suite, depends)}."""

    def __init__(self, packages):
        self.packages = packages

    def show(self, verb, arg):
        out = ""
        if verb == "madison":
            out = "".join(f" {n} | {v} | {MIRROR} {s}/main arm64 Packages\n"
                          for (n, v), (s, _) in self.packages.items() if n == arg)
        elif verb == "show":
            name, version = arg.split(":arm64=")
            suite, depends = self.packages[(name, version)]
            out = f"Package: {name}\nVersion: {version}\n" + (
                f"Depends: {depends}\n" if depends else "")
        elif verb == "pkgnames":
            out = "".join(sorted({n + "\n" for n, _ in self.packages if n.startswith(arg)}))
        return subprocess.CompletedProcess([], 0, out, "")


def split_kernel(abi, version, suite="trixie-backports", parts=("base", "binary", "modules")):
    """A kernel as Debian ships it from 6.19 on: a metapackage of three."""
    pkgs = {(f"linux-image-{abi}-arm64", version): (suite, ", ".join(
        ["initramfs-tools | linux-initramfs-tool"] +
        [f"linux-{p}-{abi}-arm64 (= {version})" for p in ("base", "binary", "modules")]))}
    for p in parts:
        pkgs[(f"linux-{p}-{abi}-arm64", version)] = (suite, "")
    return pkgs


def meta(version, abi, suite="trixie-backports"):
    return {("linux-image-arm64", version): (suite, f"linux-base-arm64 (= {version}), "
                                                  f"linux-image-{abi}-arm64 (= {version}), "
                                                  f"linux-modules-arm64 (= {version})")}


def test_a_split_kernel_is_its_three_packages():
    apt = FakeApt({**meta("7.3.4-1~bpo13+1", "7.3.4+deb13"),
                   **split_kernel("7.3.4+deb13", "7.3.4-1~bpo13+1")})
    rows = debian.resolve(apt, "linux-image-arm64", "kernel", "trixie-backports")
    assert rows == [("deb", f"linux-{p}-7.3.4+deb13-arm64", "7.3.4-1~bpo13+1", "trixie-backports")
                    for p in ("base", "binary", "modules")]


def test_a_kernel_whose_parts_the_mirror_dropped_gives_way_to_the_newest_whole_one():
    apt = FakeApt({**meta("7.4.1-1~bpo13+1", "7.4.1+deb13"),
                   **split_kernel("7.4.1+deb13", "7.4.1-1~bpo13+1", parts=("binary",)),
                   **split_kernel("7.1.8+deb13", "7.1.8-1~bpo13+1", parts=("binary",)),
                   **split_kernel("7.2.12+deb13", "7.2.12-1~bpo13+1"),
                   **split_kernel("7.3.4+deb13", "7.3.4-1~bpo13+1"),
                   # Another flavour, and another suite: neither is a candidate.
                   **{("linux-image-7.9.1+deb13-cloud-arm64", "7.9.1-1"): ("trixie-backports", "")},
                   **split_kernel("7.8.1+deb14", "7.8.1-1", suite="sid")})
    rows = debian.resolve(apt, "linux-image-arm64", "kernel", "trixie-backports")
    assert [r[1] for r in rows] == [f"linux-{p}-7.3.4+deb13-arm64"
                                    for p in ("base", "binary", "modules")]


def test_a_kernel_before_the_split_is_one_package():
    apt = FakeApt({("linux-image-arm64", "6.1.176-1"): ("bookworm", "linux-image-6.1.0-50-arm64 "
                                                                    "(= 6.1.176-1)"),
                   ("linux-image-6.1.0-50-arm64", "6.1.176-1"): ("bookworm", "kmod, linux-base, "
                                                                             "initramfs-tools")})
    rows = debian.resolve(apt, "linux-image-arm64", "kernel", None)
    assert rows == [("deb", "linux-image-6.1.0-50-arm64", "6.1.176-1", "bookworm")]


def test_a_metapackage_that_follows_no_kernel_is_refused():
    apt = FakeApt({("linux-image-arm64", "1"): ("bookworm", "linux-base")})
    with pytest.raises(debian.Failure, match="not a kernel metapackage"):
        debian.resolve(apt, "linux-image-arm64", "kernel", None)


def test_packages_list_lines(tmp_path):
    path = tmp_path / "packages.list"
    path.write_text("# a comment\nlibc6\nxen-utils-4.17 =4.17.5\n"
                    "linux-image-arm64 kernel @trixie-backports\nbusybox-static @bookworm\n")
    assert debian.read_list(str(path)) == [
        (2, "libc6", "", None), (3, "xen-utils-4.17", "=4.17.5", None),
        (4, "linux-image-arm64", "kernel", "trixie-backports"), (5, "busybox-static", "", "bookworm")]
    path.write_text("linux-image-arm64 newest @trixie-backports\n")
    with pytest.raises(SystemExit):
        debian.read_list(str(path))
