#!/usr/bin/python3
"""Builds an initramfs (newc cpio, gzip) from a spec, taking programs, their
libraries and kernel modules from an arm64 sysroot of Debian packages; or,
with --out-dir, the same tree as a folder (a root file system to format).

Spec lines (`#` starts a comment; paths are inside the initramfs):
  elf PATH                 a program from a sysroot, with its interpreter and libraries
  module NAME              a kernel module, with the modules it depends on; one the
                           kernel has built in needs nothing
  file SRC PATH [MODE]     a file of ours; SRC is relative to the spec's folder
  sysfile PATH             a file from the sysroot, as it is
  dir PATH                 an empty folder
  link PATH TARGET         a symbolic link
  dev PATH c|b MAJOR MINOR a device node (the kernel needs /dev/console before init)

--modules FILE adds the modules FILE names (one a line, `#` comments): a
machine's own, from platform/<machine>/. Every module asked for, by a spec or
a list, that is not built into the kernel is named, in that order, in
/etc/modules, which the image's init loads: no init names a module itself.
Modules go in uncompressed (Debian's are .ko.xz, which busybox's modprobe
cannot read).

The archive is reproducible: sorted, owned by root, every time stamp the same.
"""
import argparse
import gzip
import lzma
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile

LIB_DIRS = ["lib/aarch64-linux-gnu", "usr/lib/aarch64-linux-gnu", "lib", "usr/lib"]
# Where a kernel package puts its modules: /lib before trixie, /usr/lib since.
MODULE_DIRS = ["lib/modules", "usr/lib/modules"]


def die(msg):
    print(f"pixen: {msg}", file=sys.stderr)
    sys.exit(1)


class Builder:
    def __init__(self, roots, specs, stage):
        self.roots = roots
        self.specs = specs
        self.seen = set()  # programs and libraries already in, across specs
        self.sysroot = roots[-1]
        self.stage = stage
        self.devs = []
        self.kver = None
        self.load = []  # the modules init loads, in order

    def where(self, n):
        return f"{self.spec}:{n}"

    def run(self, module_lists=()):
        for spec in self.specs:
            self.spec = spec
            self.run_spec(spec)
        for path in module_lists:
            self.spec = path
            for n, line in enumerate(open(path), 1):
                w = line.split("#", 1)[0].split()
                if len(w) > 1:
                    die(f"{self.where(n)}: one module a line, not: {line.strip()}")
                if w:
                    self.add_module(w[0], n)
        self.finish_modules()

    def put(self, src, path, mode=None):
        dst = os.path.join(self.stage, path.lstrip("/"))
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copyfile(src, dst)  # follows symlinks: the file lands under the name asked for
        st = os.stat(src)
        os.chmod(dst, mode if mode is not None else (0o755 if st.st_mode & 0o111 else 0o644))

    def elf_info(self, path):
        """The program interpreter, the DT_NEEDED names and the run path of an ELF file."""
        r = subprocess.run(["readelf", "-d", "-l", "-W", path], capture_output=True, text=True)
        if r.returncode != 0:
            return None, [], ""
        interp = re.search(r"Requesting program interpreter: (\S+)\]", r.stdout)
        needed = re.findall(r"\(NEEDED\)\s+Shared library: \[(\S+)\]", r.stdout)
        runpath = re.search(r"\((?:RUNPATH|RPATH)\)\s+Library (?:runpath|rpath): \[(\S+)\]",
                            r.stdout)
        return (interp.group(1) if interp else None), needed, runpath.group(1) if runpath else ""

    def in_roots(self, path):
        """The first root that has `path`, and the file there; (None, None) if none has."""
        for root in self.roots:
            cand = os.path.join(root, path.lstrip("/"))
            if os.path.lexists(cand):
                return root, cand
        return None, None

    def find_lib(self, name, rpaths):
        for d in rpaths + LIB_DIRS:
            path = os.path.normpath("/" + os.path.join(d.lstrip("/"), name))
            if self.in_roots(path)[1]:
                return path
        return None

    def add_elf(self, path, n, seen):
        if path in seen:
            return
        seen.add(path)
        root, src = self.in_roots(path)
        if not src:
            die(f"{self.where(n)}: {path} is in none of {', '.join(self.roots)}")
        if os.path.islink(src):
            # Keep Debian's links (ld.so, sonames) as links, and take what they point at.
            target = os.readlink(src)
            dst = os.path.join(self.stage, path.lstrip("/"))
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            os.symlink(target, dst)
            self.add_elf(os.path.normpath(os.path.join(os.path.dirname(path), target)), n, seen)
            return
        self.put(src, path)
        interp, needed, runpath = self.elf_info(src)
        if interp:
            self.add_elf(interp, n, seen)
        origin = os.path.dirname(path)
        rpaths = [d.replace("$ORIGIN", origin) for d in runpath.split(":") if d]
        for lib in needed:
            found = self.find_lib(lib, rpaths)
            if not found:
                die(f"{self.where(n)}: {path} needs {lib}, which no package in the lock provides")
            self.add_elf(found, n, seen)

    def kernel_version(self, n):
        if self.kver:
            return self.kver
        found = [(d, v) for d in MODULE_DIRS if os.path.isdir(os.path.join(self.sysroot, d))
                 for v in sorted(os.listdir(os.path.join(self.sysroot, d)))]
        if len(found) != 1:
            die(f"{self.where(n)}: expected one kernel in {self.sysroot}/{{{','.join(MODULE_DIRS)}}}, "
                f"found {[v for _, v in found]}")
        moddir, self.kver = found[0]
        self.moddir = os.path.join(self.sysroot, moddir, self.kver)
        if not os.path.exists(os.path.join(self.moddir, "modules.dep")):
            # depmod (kmod 30) reads only BASE/lib/modules.
            with tempfile.TemporaryDirectory() as base:
                os.mkdir(os.path.join(base, "lib"))
                os.symlink(os.path.abspath(os.path.dirname(self.moddir)), os.path.join(base, "lib/modules"))
                subprocess.run(["depmod", "-b", base, self.kver], check=True)
        dep = {}
        for line in open(os.path.join(self.moddir, "modules.dep")):
            mod, deps = line.split(":", 1)
            dep[module_key(mod)] = (mod, deps.split())
        self.moddep = dep
        self.builtin = {module_key(line.strip())
                        for line in open(os.path.join(self.moddir, "modules.builtin"))}
        return self.kver

    def add_module(self, name, n):
        kver = self.kernel_version(n)
        key = module_key(name)
        if key in self.builtin:
            return
        if key not in self.moddep:
            die(f"{self.where(n)}: no module {name} in kernel {kver}")
        mod, deps = self.moddep[key]
        for m in [mod] + deps:
            dst = os.path.join(self.stage, "lib/modules", kver, uncompressed(m))
            if os.path.exists(dst):
                continue
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            with open(os.path.join(self.moddir, m), "rb") as f:
                data = f.read()
            with open(dst, "wb") as f:
                f.write(lzma.decompress(data) if m.endswith(".xz") else data)
            os.chmod(dst, 0o644)
        if name not in self.load:
            self.load.append(name)

    def finish_modules(self):
        if not self.kver:
            return
        for f in ("modules.order", "modules.builtin", "modules.builtin.modinfo"):
            self.put(os.path.join(self.moddir, f), f"/lib/modules/{self.kver}/{f}", 0o644)
        subprocess.run(["depmod", "-b", self.stage, self.kver], check=True)
        etc = os.path.join(self.stage, "etc")
        os.makedirs(etc, exist_ok=True)
        with open(os.path.join(etc, "modules"), "w") as f:
            f.write("# The modules init loads, in this order (written by mkinitramfs).\n")
            f.write("".join(m + "\n" for m in self.load))

    def run_spec(self, spec):
        base = os.path.dirname(spec)
        seen = self.seen
        for n, line in enumerate(open(spec), 1):
            w = line.split("#", 1)[0].split()
            if not w:
                continue
            op, args = w[0], w[1:]
            arity = {"elf": (1,), "module": (1,), "file": (2, 3), "sysfile": (1,),
                     "dir": (1,), "link": (2,), "dev": (4,)}
            if op not in arity or len(args) not in arity[op]:
                die(f"{self.where(n)}: cannot read: {line.strip()}")
            if op == "elf":
                self.add_elf(args[0], n, seen)
            elif op == "module":
                self.add_module(args[0], n)
            elif op == "file":
                src = os.path.join(base, args[0])
                if not os.path.exists(src):
                    die(f"{self.where(n)}: {src}: no such file")
                self.put(src, args[1], int(args[2], 8) if len(args) == 3 else None)
            elif op == "sysfile":
                src = self.in_roots(args[0])[1]
                if not src:
                    die(f"{self.where(n)}: {args[0]} is in none of {', '.join(self.roots)}")
                self.put(src, args[0])
            elif op == "dir":
                os.makedirs(os.path.join(self.stage, args[0].lstrip("/")), exist_ok=True)
            elif op == "link":
                dst = os.path.join(self.stage, args[0].lstrip("/"))
                os.makedirs(os.path.dirname(dst), exist_ok=True)
                os.symlink(args[1], dst)
            elif op == "dev":
                if args[1] not in ("c", "b"):
                    die(f"{self.where(n)}: a device is c or b, not {args[1]}")
                self.devs.append((args[0].lstrip("/"), args[1], int(args[2]), int(args[3])))


def module_key(path):
    """kernel/fs/vfat.ko.xz, vfat and xen-evtchn name modules as modprobe does."""
    return os.path.basename(path).split(".ko")[0].replace("-", "_")


def uncompressed(path):
    return path[:-3] if path.endswith(".xz") else path


def cpio_entry(out, name, mode, data=b"", nlink=1, rdev=(0, 0), ino=0, mtime=0):
    name_b = name.encode() + b"\0"
    hdr = "070701" + "".join(f"{v:08x}" for v in (
        ino, mode, 0, 0, nlink, mtime, len(data), 0, 0, rdev[0], rdev[1], len(name_b), 0))
    out.write(hdr.encode() + name_b)
    out.write(b"\0" * ((4 - (110 + len(name_b)) % 4) % 4))
    out.write(data)
    out.write(b"\0" * ((4 - len(data) % 4) % 4))


def write_cpio(stage, devs, out, mtime):
    entries = []
    for root, dirs, files in os.walk(stage):
        for name in dirs + files:
            full = os.path.join(root, name)
            entries.append(os.path.relpath(full, stage))
    for path, _, _, _ in devs:
        parent = os.path.dirname(path)
        while parent and parent not in entries:
            entries.append(parent)
            parent = os.path.dirname(parent)
    ino = 0
    for rel in sorted(set(entries) | {d[0] for d in devs}):
        ino += 1
        dev = next((d for d in devs if d[0] == rel), None)
        full = os.path.join(stage, rel)
        if dev:
            kind = stat.S_IFCHR if dev[1] == "c" else stat.S_IFBLK
            cpio_entry(out, rel, kind | 0o600, rdev=(dev[2], dev[3]), ino=ino, mtime=mtime)
        elif not os.path.lexists(full) or os.path.isdir(full) and not os.path.islink(full):
            cpio_entry(out, rel, stat.S_IFDIR | 0o755, nlink=2, ino=ino, mtime=mtime)
        elif os.path.islink(full):
            cpio_entry(out, rel, stat.S_IFLNK | 0o777, os.readlink(full).encode(), ino=ino,
                       mtime=mtime)
        else:
            mode = 0o755 if os.stat(full).st_mode & 0o111 else 0o644
            cpio_entry(out, rel, stat.S_IFREG | mode, open(full, "rb").read(), ino=ino,
                       mtime=mtime)
    cpio_entry(out, "TRAILER!!!", 0)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sysroot", required=True, action="append",
                   help="where programs and libraries come from; the first that has one wins, "
                        "the last is Debian's (kernel modules)")
    p.add_argument("--spec", required=True, action="append",
                   help="what goes in (repeat to add another spec's files)")
    out = p.add_mutually_exclusive_group(required=True)
    out.add_argument("--out", help="the .cpio.gz to write")
    out.add_argument("--out-dir", help="a folder to fill instead (made anew)")
    p.add_argument("--modules", action="append", default=[],
                   help="a machine's list of modules to add (repeat for more)")
    p.add_argument("--list", help="also write the archive's file list here")
    args = p.parse_args()
    mtime = int(os.environ.get("SOURCE_DATE_EPOCH", "0"))
    if args.out_dir:
        tmp = args.out_dir + ".tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        os.makedirs(tmp)
        try:
            b = Builder(args.sysroot, args.spec, tmp)
            b.run(args.modules)
            if b.devs:
                die(f"{args.spec[-1]}: device nodes (dev) go into a cpio only; "
                    "a root file system gets them from devtmpfs")
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        shutil.rmtree(args.out_dir, ignore_errors=True)
        os.replace(tmp, args.out_dir)
        return
    with tempfile.TemporaryDirectory() as stage:
        b = Builder(args.sysroot, args.spec, stage)
        b.run(args.modules)
        tmp = args.out + ".tmp"
        with open(tmp, "wb") as raw:
            with gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9, mtime=0,
                               filename="") as gz:
                write_cpio(stage, b.devs, gz, mtime)
        if args.list:
            with open(args.list, "w") as f:
                for root, dirs, files in sorted(os.walk(stage)):
                    for name in sorted(files):
                        full = os.path.join(root, name)
                        size = os.lstat(full).st_size
                        f.write(f"{size:10d}  /{os.path.relpath(full, stage)}\n")
        os.replace(tmp, args.out)


if __name__ == "__main__":
    main()
