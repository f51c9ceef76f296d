#!/usr/bin/python3
"""Debian's arm64 packages for pixen: resolve the lock, fetch and verify, extract.

apt runs in a private root under the cache folder, so the host's dpkg and apt
configuration stay as they are; the mirror is the one the host's apt already
uses for bookworm. The suites are bookworm's, plus any other a line of
packages.list names (`@trixie-backports`: the kernel), in the `main`
component and any other a line names (`@trixie-backports/non-free-firmware`:
the Wi-Fi's firmware). apt checks the
archive's signatures; we check every file against the sha256 that
packages.lock recorded.
"""
import argparse
import functools
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile

# Where a line of packages.list without @SUITE is looked for, and the only
# suite whose source packages apt is told about (the hypervisor's).
BASE_SUITES = ["bookworm", "bookworm-updates"]
SOURCE_SUITE = "bookworm"
KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg"
ARCH = "arm64"


class Failure(Exception):
    pass


def die(msg):
    print(f"pixen: {msg}", file=sys.stderr)
    sys.exit(1)


def run(cmd, **kw):
    return subprocess.run(cmd, check=False, text=True, capture_output=True, **kw)


def split_suite(where):
    """`SUITE` or `SUITE/COMPONENT` (of a packages.list line, or the lock): (suite, component)."""
    suite, _, component = where.partition("/")
    return suite, component or "main"


class Apt:
    def __init__(self, cache, suites, source_suites=()):
        self.root = os.path.join(cache, "apt")
        self.conf = os.path.join(self.root, "apt.conf")
        names = [split_suite(s)[0] for s in suites]
        self.suites = BASE_SUITES + sorted(set(names) - set(BASE_SUITES))
        # Every suite's main, and the other components lines ask for.
        self.components = {s: {"main"} for s in self.suites}
        for s in suites:
            self.components[split_suite(s)[0]].add(split_suite(s)[1])
        # Source indexes only of the suites a source package comes from.
        self.source_suites = [SOURCE_SUITE] + sorted(
            {split_suite(s)[0] for s in source_suites} - {SOURCE_SUITE})
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
            f"deb [arch={ARCH} signed-by={KEYRING}] {mirror} {s} "
            f"{' '.join(sorted(self.components[s], key=lambda c: c != 'main'))}\n"
            for s in self.suites)
        sources += "".join(
            f"deb-src [signed-by={KEYRING}] {mirror} {s} main\n" for s in self.source_suites)
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
        lists = os.listdir(os.path.join(self.root, "state/lists"))
        # Each suite's signed index, and its package list: a suite added to
        # sources.list since the last update has neither.
        have = all(any(f"_dists_{s}_InRelease" in f for f in lists) and
                   all(any(f"_dists_{s}_{c}_binary-{ARCH}_Packages" in f for f in lists)
                       for c in self.components[s])
                   for s in self.suites) and \
            all(any(f"_dists_{s}_main_source_Sources" in f for f in lists)
                for s in self.source_suites)
        if self.updated or (not force and have):
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
    """Entries (line, name, how, suite) of packages.list; suite None: bookworm's."""
    entries = []
    for n, line in enumerate(open(path), 1):
        words = line.split("#", 1)[0].split()
        if not words:
            continue
        suite = words.pop()[1:] if len(words) > 1 and words[-1].startswith("@") else None
        how = words[1] if len(words) == 2 else ""
        if len(words) > 2 or suite == "" or (how and how not in ("depends", "kernel")
                                            and not how.startswith("=")):
            die(f"{path}:{n}: expected `NAME [=VERSION | depends | kernel] [@SUITE[/COMPONENT]]`, "
                f"got: {line.strip()}")
        entries.append((n, words[0], how, suite))
    return entries


def newer_first(versions):
    def compare(a, b):
        if a == b:
            return 0
        return -1 if run(["dpkg", "--compare-versions", a, "gt", b]).returncode == 0 else 1
    return sorted(versions, key=functools.cmp_to_key(compare))


def served(apt, name, suites):
    """[(version, suite)] of `name` in `suites`, the newest first."""
    found = {}
    # apt-cache madison: "name | version | URI suite/component arch Packages"
    for line in apt.show("madison", name).stdout.splitlines():
        cols = [c.strip() for c in line.split("|")]
        if len(cols) == 3 and cols[0] == name and cols[2].endswith("Packages"):
            suite = cols[2].split()[1].split("/")[0]
            if suite in suites:
                found.setdefault(cols[1], suite)
    return [(v, found[v]) for v in newer_first(found)]


def newest(apt, name, suites):
    versions = served(apt, name, suites)
    if not versions:
        raise Failure(f"{name}: not served for {ARCH} by {' or '.join(suites)}")
    return versions[0]


def depends(apt, name, version):
    """The first alternative of each of the package's dependencies: [(name, version or None)]."""
    out = apt.show("show", f"{name}:{ARCH}={version}").stdout
    m = re.search(r"^Depends: (.*)$", out, re.M)
    deps = []
    for clause in (m.group(1).split(",") if m else []):
        dm = re.match(r"\s*([^\s(|]+)(?:\s*\(=\s*([^)\s]+)\))?", clause.split("|")[0])
        deps.append((dm.group(1).split(":")[0], dm.group(2)))
    return deps


def kernel_parts(apt, image, version, suites):
    """A kernel's packages: from Linux 6.19 on, linux-image-ABI is a metapackage
    of linux-base-ABI, linux-binary-ABI and linux-modules-ABI; before, it is the
    whole kernel. [(name, version, suite)], or None if a part is not served."""
    abi = image[len("linux-image-"):]
    parts = [(d, v) for d, v in depends(apt, image, version) if d != image and d.endswith(abi)]
    rows = []
    for d, v in parts or [(image, version)]:
        have = dict(served(apt, d, suites))
        if (v or version) not in have:
            return None
        rows.append((d, v or version, have[v or version]))
    return rows


def resolve_kernel(apt, meta, suites):
    """The newest complete kernel of the flavour the metapackage `meta`
    (linux-image-arm64) follows: the one it depends on, or, if the mirror has
    dropped part of that one, the newest served whose parts are all there."""
    flavour = meta[len("linux-image-"):]
    # linux-image-6.1.0-50-arm64, linux-image-7.3.4+deb13-arm64; not -cloud-arm64.
    pattern = rf"linux-image-\d[\w.+~]*(?:-\d+)?-{re.escape(flavour)}"
    version, _ = newest(apt, meta, suites)
    images = [d for d, _ in depends(apt, meta, version) if re.fullmatch(pattern, d)]
    if len(images) != 1:
        raise Failure(f"{meta}: not a kernel metapackage (no linux-image-VERSION-{flavour} "
                      f"among its dependencies)")
    rows = kernel_parts(apt, images[0], newest(apt, images[0], suites)[0], suites)
    if rows:
        return rows
    by_version = {}
    for image in apt.show("pkgnames", "linux-image-").stdout.split():
        if re.fullmatch(pattern, image) and image != images[0]:
            for v, _ in served(apt, image, suites):
                by_version.setdefault(v, []).append(image)
    for v in newer_first(by_version):
        for image in by_version[v]:
            rows = kernel_parts(apt, image, v, suites)
            if rows:
                return rows
    raise Failure(f"{meta}: no {flavour} kernel in {' or '.join(suites)} has all its packages")


def resolve(apt, name, how, suite):
    """[(kind, name, version, suite)] for one line of packages.list."""
    suites = [split_suite(suite)[0]] if suite else BASE_SUITES
    if name.startswith("src:"):
        if not how.startswith("="):
            raise Failure(f"{name}: a source package needs =VERSION")
        return [("src", name[4:], how[1:], suite or SOURCE_SUITE)]
    if how == "kernel":
        return [("deb", *row) for row in resolve_kernel(apt, name, suites)]
    if how == "depends":
        version, _ = newest(apt, name, suites)
        deps = depends(apt, name, version)
        if not deps:
            raise Failure(f"{name}: a metapackage without a dependency")
        name = deps[0][0]
    if how.startswith("="):
        have = dict(served(apt, name, suites))
        if how[1:] not in have:
            raise Failure(f"{name} {how[1:]}: not served by {' or '.join(suites)}")
        return [("deb", name, how[1:], have[how[1:]])]
    return [("deb", name, *newest(apt, name, suites))]


def cmd_lock(args):
    entries = read_list(args.list)
    apt = Apt(args.cache, [e[3] for e in entries if e[3]],
              [e[3] for e in entries if e[3] and e[1].startswith("src:")])
    apt.setup()
    apt.update(force=True)
    rows = []
    for n, name, how, suite in entries:
        try:
            for kind, real, version, where in resolve(apt, name, how, suite):
                if suite and split_suite(suite)[1] != "main":
                    where = f"{where}/{split_suite(suite)[1]}"  # fetch's apt needs the component
                spec = f"{real}={version}" if kind == "src" else f"{real}:{ARCH}={version}"
                verb = ["source", "--download-only"] if kind == "src" else ["download"]
                for f in print_uris(apt, [*verb, spec]):
                    rows.append((kind, real, version, f["sha"], f["file"], where))
        except Failure as e:
            die(f"{args.list}:{n}: {e}")
    header = ("# Written by `make lock` from images/packages.list: do not edit.\n"
              "# kind name version sha256 file suite\n")
    write_if_changed(args.lock, header + "".join(" ".join(r) + "\n" for r in rows))
    print(f"pixen: {args.lock}: {len(rows)} files locked")


def read_lock(path):
    rows = []
    for n, line in enumerate(open(path), 1):
        words = line.split("#", 1)[0].split()
        if not words:
            continue
        if len(words) != 6 or words[0] not in ("deb", "src") or not re.fullmatch(
                r"[0-9a-f]{64}", words[3]):
            die(f"{path}:{n}: not `kind name version sha256 file suite`; run `make lock`")
        rows.append((n, *words))
    return rows


def fetch_one(apt, lock, row, store):
    n, kind, name, version, sha, fname, _ = row
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
    rows = read_lock(args.lock)
    apt = Apt(args.cache, [row[6] for row in rows], [row[6] for row in rows if row[1] == "src"])
    apt.setup()
    store = os.path.join(args.cache, "files")
    os.makedirs(store, exist_ok=True)
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
    for _, kind, name, version, sha, fname, _ in rows:
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
