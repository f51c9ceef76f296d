#!/usr/bin/python3
"""Debian's arm64 packages for pixen: resolve the lock, fetch and verify, extract.

apt runs in a private root under the cache folder, so the host's dpkg and apt
configuration stay as they are; the mirror is the one the host's apt already
uses for bookworm. apt checks the archive's signatures; we check every file
against the sha256 that packages.lock recorded.
"""
import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile

SUITES = ["bookworm", "bookworm-updates"]
KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg"
ARCH = "arm64"


class Failure(Exception):
    pass


def die(msg):
    print(f"pixen: {msg}", file=sys.stderr)
    sys.exit(1)


def run(cmd, **kw):
    return subprocess.run(cmd, check=False, text=True, capture_output=True, **kw)


class Apt:
    def __init__(self, cache):
        self.root = os.path.join(cache, "apt")
        self.conf = os.path.join(self.root, "apt.conf")
        self.updated = False

    def env(self):
        return dict(os.environ, APT_CONFIG=self.conf, LC_ALL="C.UTF-8")

    def mirror(self):
        def known():
            out = run(["apt-get", "indextargets", "--format", "$(REPO_URI)", "Codename: bookworm"])
            return sorted(set(out.stdout.split()))

        uris = known()
        if not uris and os.geteuid() == 0:
            # A fresh machine may never have fetched its package lists.
            run(["apt-get", "update", "-q"])
            uris = known()
        if not uris:
            raise Failure("the host's apt knows no Debian bookworm mirror "
                          "(apt-get indextargets found none); run `apt-get update` first")
        return uris[0]

    def setup(self):
        mirror = self.mirror()
        for d in ("state/lists/partial", "cache/archives/partial", "etc/apt.conf.d",
                  "etc/preferences.d"):
            os.makedirs(os.path.join(self.root, d), exist_ok=True)
        status = os.path.join(self.root, "state/status")
        if not os.path.exists(status):
            open(status, "w").close()
        sources = "".join(
            f"deb [arch={ARCH} signed-by={KEYRING}] {mirror} {s} main\n" for s in SUITES)
        sources += f"deb-src [signed-by={KEYRING}] {mirror} bookworm main\n"
        write_if_changed(os.path.join(self.root, "sources.list"), sources)
        user = "root" if os.geteuid() == 0 else os.environ.get("USER", "nobody")
        write_if_changed(self.conf, f"""\
Dir::State "{self.root}/state";
Dir::State::status "{status}";
Dir::Cache "{self.root}/cache";
Dir::Etc::SourceList "{self.root}/sources.list";
Dir::Etc::SourceParts "{self.root}/etc/sources.list.d";
Dir::Etc::Parts "{self.root}/etc/apt.conf.d";
Dir::Etc::Preferences "{self.root}/etc/preferences";
Dir::Etc::PreferencesParts "{self.root}/etc/preferences.d";
APT::Architecture "{ARCH}";
APT::Architectures {{ "{ARCH}"; }};
APT::Sandbox::User "{user}";
Acquire::Languages "none";
Acquire::Check-Valid-Until "false";
""")

    def update(self, force=False):
        lists = os.path.join(self.root, "state/lists")
        if self.updated or (not force and any(f.endswith("Packages") or f.endswith("Sources")
                                               for f in os.listdir(lists))):
            return
        r = run(["apt-get", "update", "-q"], env=self.env())
        if r.returncode != 0:
            raise Failure("apt-get update for arm64 failed:\n" + r.stdout + r.stderr)
        self.updated = True

    def apt(self, *args, cwd=None):
        return run(["apt-get", "-q", *args], env=self.env(), cwd=cwd)

    def show(self, *args):
        return run(["apt-cache", *args], env=self.env())


def write_if_changed(path, text):
    if os.path.exists(path) and open(path).read() == text:
        return
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.replace(path + ".tmp", path)


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


# One line of apt's --print-uris: 'URI' FILE SIZE SHA256:HEX
URI_LINE = re.compile(r"^'(?P<uri>[^']+)' (?P<file>\S+) (?P<size>\d+) SHA256:(?P<sha>[0-9a-f]{64})$")


def print_uris(apt, args):
    r = apt.apt(*args, "--print-uris")
    files = [m.groupdict() for m in map(URI_LINE.match, r.stdout.splitlines()) if m]
    if r.returncode != 0 or not files:
        raise Failure((r.stderr.strip() or r.stdout.strip()).splitlines()[-1])
    return files


def read_list(path):
    entries = []
    for n, line in enumerate(open(path), 1):
        words = line.split("#", 1)[0].split()
        if not words:
            continue
        if len(words) > 2 or (len(words) == 2 and words[1] != "depends"
                              and not words[1].startswith("=")):
            die(f"{path}:{n}: expected `NAME [=VERSION | depends]`, got: {line.strip()}")
        entries.append((n, words[0], words[1] if len(words) == 2 else ""))
    return entries


def candidate(apt, name):
    out = apt.show("policy", name).stdout
    m = re.search(r"Candidate: (\S+)", out)
    if not m or m.group(1) == "(none)":
        raise Failure(f"{name}: not served for {ARCH} by the mirror")
    return m.group(1)


def resolve(apt, name, how):
    """Returns (kind, name, version) for one line of packages.list."""
    if name.startswith("src:"):
        if not how.startswith("="):
            raise Failure(f"{name}: a source package needs =VERSION")
        return "src", name[4:], how[1:]
    if how == "depends":
        version = candidate(apt, name)
        out = apt.show("depends", f"{name}={version}").stdout
        m = re.search(r"^\s+Depends: (\S+)", out, re.M)
        if not m:
            raise Failure(f"{name}: a metapackage without a dependency")
        name = m.group(1)
    version = how[1:] if how.startswith("=") else candidate(apt, name)
    return "deb", name, version


def cmd_lock(args):
    apt = Apt(args.cache)
    apt.setup()
    apt.update(force=True)
    rows = []
    for n, name, how in read_list(args.list):
        try:
            kind, real, version = resolve(apt, name, how)
            spec = f"{real}={version}" if kind == "src" else f"{real}:{ARCH}={version}"
            verb = ["source", "--download-only"] if kind == "src" else ["download"]
            for f in print_uris(apt, [*verb, spec]):
                rows.append((kind, real, version, f["sha"], f["file"]))
        except Failure as e:
            die(f"{args.list}:{n}: {e}")
    header = ("# Written by `make lock` from images/packages.list: do not edit.\n"
              "# kind name version sha256 file\n")
    write_if_changed(args.lock, header + "".join(" ".join(r) + "\n" for r in rows))
    print(f"pixen: {args.lock}: {len(rows)} files locked")


def read_lock(path):
    rows = []
    for n, line in enumerate(open(path), 1):
        words = line.split("#", 1)[0].split()
        if not words:
            continue
        if len(words) != 5 or words[0] not in ("deb", "src") or not re.fullmatch(
                r"[0-9a-f]{64}", words[3]):
            die(f"{path}:{n}: not `kind name version sha256 file`; run `make lock`")
        rows.append((n, *words))
    return rows


def fetch_one(apt, lock, row, store):
    n, kind, name, version, sha, fname = row
    target = os.path.join(store, fname)
    if os.path.exists(target) and sha256(target) == sha:
        return False
    spec = f"{name}={version}" if kind == "src" else f"{name}:{ARCH}={version}"
    verb = ["source", "--download-only"] if kind == "src" else ["download"]
    with tempfile.TemporaryDirectory(dir=store) as tmp:
        for attempt in (0, 1):
            apt.update(force=attempt == 1)
            r = apt.apt(*verb, spec, cwd=tmp)
            if r.returncode == 0:
                break
        else:
            raise Failure(f"{lock}:{n}: {name} {version} is not served by the Debian mirror "
                          f"any more ({r.stderr.strip().splitlines()[-1]}); run `make lock` "
                          f"to move to the version it serves now")
        got = os.path.join(tmp, fname)
        if not os.path.exists(got):
            raise Failure(f"{lock}:{n}: apt did not deliver {fname}")
        actual = sha256(got)
        if actual != sha:
            raise Failure(f"{lock}:{n}: {fname} has sha256 {actual}, the lock says {sha}; "
                          f"refusing it")
        os.replace(got, target)
    return True


def cmd_fetch(args):
    apt = Apt(args.cache)
    apt.setup()
    store = os.path.join(args.cache, "files")
    os.makedirs(store, exist_ok=True)
    rows = read_lock(args.lock)
    new = 0
    for row in rows:
        try:
            if fetch_one(apt, args.lock, row, store):
                new += 1
                print(f"pixen: fetched {row[5]}")
        except Failure as e:
            die(str(e))
    if args.sysroot:
        extract(rows, store, args.sysroot)
    if args.sources:
        for row in rows:
            if row[1] == "src":
                dst = os.path.join(args.sources, row[5])
                if not os.path.exists(dst):
                    os.makedirs(args.sources, exist_ok=True)
                    shutil.copy2(os.path.join(store, row[5]), dst)


def extract(rows, store, sysroot):
    """Extracts every binary package into a fresh sysroot, replacing the old one whole."""
    tmp = sysroot + ".new"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    for _, kind, name, version, sha, fname in rows:
        if kind != "deb":
            continue
        r = run(["dpkg-deb", "-x", os.path.join(store, fname), tmp])
        if r.returncode != 0:
            die(f"{fname}: dpkg-deb -x failed: {r.stderr.strip()}")
    shutil.rmtree(sysroot, ignore_errors=True)
    os.replace(tmp, sysroot)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cache", required=True, help="where downloads and apt's state live")
    sub = p.add_subparsers(dest="cmd", required=True)
    lock = sub.add_parser("lock", help="resolve packages.list into packages.lock")
    lock.add_argument("--list", required=True)
    lock.add_argument("--lock", required=True)
    fetch = sub.add_parser("fetch", help="download and verify what packages.lock names")
    fetch.add_argument("--lock", required=True)
    fetch.add_argument("--sysroot", help="extract the binary packages here")
    fetch.add_argument("--sources", help="copy the source package's files here")
    args = p.parse_args()
    try:
        {"lock": cmd_lock, "fetch": cmd_fetch}[args.cmd](args)
    except Failure as e:
        die(str(e))


if __name__ == "__main__":
    main()
