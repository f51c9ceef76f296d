"""What Xen 4.17 checks of the device tree it boots with, before it has built
Dom0, written again here from Xen's own rules (xen/common/device_tree.c,
xen/arch/arm/domain_build.c of 4.17.5), so that a card's tree can be checked
without a board:

- every address of every node Xen hands Dom0 (disabled ones and those below
  a xen,passthrough node included) translates to a CPU address through its
  buses' ranges, with Xen's bus rules (PCI buses match by address space and
  use assigned-addresses; a bus of more than 2 address cells must match
  exactly); Xen stops at the first that does not ("Unable to retrieve address
  N for NODE");
- the console (dtuart=) is a PL011 Xen's driver binds, and its interrupt is
  no other node's that Dom0 is given ("IRQ N is already used by Xen");
- a 1:1 domain's vpl011 reuses the console's page, which must be whole;
- a node marked xen,passthrough lists, in its own interrupts, every SPI its
  domain needs routed (Xen routes only those).

Interrupts through an interrupt-map nexus are not followed (the trees
checked here give the GIC's directly)."""
import re
import struct

BAD = None
GIC_COMPATIBLES = ("arm,gic-400", "arm,cortex-a15-gic", "arm,cortex-a9-gic", "arm,cortex-a7-gic",
                   "arm,gic-v2", "arm,gic-v3")
SKIPPED_COMPATIBLES = ("xen,xen", "xen,multiboot-module", "multiboot,module", "arm,psci",
                       "arm,psci-0.2", "arm,psci-1.0", "arm,cortex-a7-pmu", "arm,cortex-a15-pmu",
                       "arm,cortex-a53-edac", "arm,armv8-pmuv3", "arm,armv7-timer-mem")
TIMER_COMPATIBLES = ("arm,armv7-timer", "arm,armv8-timer")


class Tree:
    """A device tree blob, parsed here (its structure block: nodes and
    properties; the header's reservations)."""

    def __init__(self, blob):
        blob = bytes(blob)
        magic, total, off_struct, off_strings, off_rsv = struct.unpack(">IIIII", blob[:20])
        if magic != 0xd00dfeed or total > len(blob):
            raise ValueError("not a flattened device tree")
        self.reserved = []
        at = off_rsv
        while True:
            addr, size = struct.unpack(">QQ", blob[at:at + 16])
            if not addr and not size:
                break
            self.reserved.append((addr, size))
            at += 16
        self.parent, self.children, self.path, self.props = {}, {}, {}, {}
        self.phandles = {}
        stack, at, node_id = [], off_struct, 0
        while True:
            token = struct.unpack(">I", blob[at:at + 4])[0]
            at += 4
            if token == 1:  # FDT_BEGIN_NODE
                end = blob.index(b"\0", at)
                name = blob[at:end].decode()
                at = (end + 4) & ~3
                parent = stack[-1] if stack else None
                self.parent[node_id] = parent
                self.props[node_id] = {}
                if parent is None:
                    self.path[node_id] = "/"
                else:
                    self.children.setdefault(parent, []).append(node_id)
                    up = self.path[parent]
                    self.path[node_id] = (up if up != "/" else "") + "/" + name
                stack.append(node_id)
                node_id += 1
            elif token == 2:  # FDT_END_NODE
                stack.pop()
            elif token == 3:  # FDT_PROP
                length, nameoff = struct.unpack(">II", blob[at:at + 8])
                at += 8
                name_end = blob.index(b"\0", off_strings + nameoff)
                name = blob[off_strings + nameoff:name_end].decode()
                self.props[stack[-1]][name] = blob[at:at + length]
                if name == "phandle" and length == 4:
                    self.phandles[struct.unpack(">I", blob[at:at + 4])[0]] = stack[-1]
                at = (at + length + 3) & ~3
            elif token == 4:  # FDT_NOP
                continue
            elif token == 9:  # FDT_END
                break
            else:
                raise ValueError(f"bad token {token} at {at - 4}")
        self.by_path = {p: n for n, p in self.path.items()}

    def nodes(self):
        return list(self.path)

    def node(self, path):
        return self.by_path.get(path.rstrip("/") or "/")

    def prop(self, node, name):
        return self.props[node].get(name)

    def cells(self, node, name):
        v = self.prop(node, name)
        return None if v is None else [int.from_bytes(v[i:i + 4], "big")
                                       for i in range(0, len(v) - len(v) % 4, 4)]

    def strings(self, node, name):
        v = self.prop(node, name)
        return [] if v is None else [s.decode(errors="replace") for s in v.split(b"\0")[:-1]]

    def name(self, node):
        return self.path[node].rsplit("/", 1)[-1]

    def by_phandle(self, phandle):
        return self.phandles.get(phandle)


def number(cells):
    v = 0
    for c in cells:
        v = ((v << 32) | c) & (1 << 64) - 1
    return v


def n_cells(tree, node, name, default):
    """#address-cells or #size-cells as Xen reads them for `node`'s addresses:
    from its parent, then up the tree (dt_n_addr_cells, dt_n_size_cells)."""
    n = tree.parent[node] if tree.parent[node] is not None else node
    while n is not None:
        v = tree.cells(n, name)
        if v:
            return v[0]
        n = tree.parent[n]
    return default


def bus_of(tree, node):
    """Xen's dt_match_bus: 'pci', 'default' or None."""
    if node is None:
        return None
    dtype = tree.strings(node, "device_type")
    base = tree.name(node).split("@")[0]
    if (dtype and dtype[0] in ("pci", "pciex", "vci", "ht")) or base in ("pci", "pcie"):
        return "pci"
    if tree.parent[node] is None or tree.prop(node, "ranges") is not None:
        return "default"
    return None


def counts(tree, bus, node):
    if bus == "pci":
        return 3, 2
    return n_cells(tree, node, "#address-cells", 2), n_cells(tree, node, "#size-cells", 1)


def addresses(tree, node):
    """[(address cells, size)] Xen reads for a node (dt_number_of_address)."""
    bus = bus_of(tree, tree.parent[node])
    if bus is None:
        return []
    na, ns = counts(tree, bus, node)
    if not (0 < na <= 4 and ns > 0):
        return []
    v = tree.cells(node, "assigned-addresses" if bus == "pci" else "reg") or []
    return [(v[i:i + na], number(v[i + na:i + na + ns]))
            for i in range(0, len(v) - (na + ns) + 1, na + ns)]


def pci_space(cell):
    return {1: "io", 2: "mem", 3: "mem"}.get((cell >> 24) & 3, "")


def translate(tree, node, addr):
    """A node's address as the CPU sees it, or None where Xen's
    __dt_translate_address gives up."""
    parent = tree.parent[node]
    bus = bus_of(tree, parent)
    if bus is None:
        return BAD
    na, ns = counts(tree, bus, node)
    if not (0 < na <= 4 and ns > 0):
        return BAD
    addr = list(addr[:na])
    dev = node
    while True:
        dev = parent
        parent = tree.parent[dev]
        if parent is None:
            return number(addr)
        pbus = bus_of(tree, parent)
        if pbus is None:
            return BAD
        pna, pns = counts(tree, pbus, dev)
        if not (0 < pna <= 4 and pns > 0):
            return BAD
        ranges = tree.cells(dev, "ranges")
        if ranges is None:
            return BAD
        if not ranges:
            offset, base = number(addr), [0] * pna
        else:
            offset = BAD
            one = na + pna + ns
            for i in range(0, len(ranges) - one + 1, one):
                r = ranges[i:i + one]
                if bus == "pci":
                    if pci_space(addr[0]) != pci_space(r[0]):
                        continue
                    cp, da = number(r[1:na]), number(addr[1:na])
                else:
                    if na > 2 and r[:na] != addr:
                        continue
                    cp, da = number(r[:na]), number(addr)
                size = number(r[na + pna:na + pna + ns])
                if cp <= da < cp + size:
                    offset, base = da - cp, r[na:na + pna]
                    break
            if offset is BAD:
                return BAD
        # The parent bus's translate: add the offset, in its cells (PCI: past the flags cell).
        if pbus == "pci":
            low = number(base[1:]) + offset
            addr = [base[0]] + [(low >> 32 * (pna - 2 - i)) & 0xffffffff for i in range(pna - 1)]
        else:
            low = number(base) + offset
            addr = [0] * pna
            addr[pna - 1] = low & 0xffffffff
            if pna > 1:
                addr[pna - 2] = (low >> 32) & 0xffffffff
        na, ns, bus = pna, pns, pbus


def interrupt_parent(tree, node):
    """Xen's dt_irq_find_parent: interrupt-parent or the tree's parent, up to a
    node with #interrupt-cells."""
    child = node
    while True:
        ph = tree.cells(child, "interrupt-parent")
        p = tree.by_phandle(ph[0]) if ph else tree.parent[child]
        if p is None or tree.prop(p, "#interrupt-cells") is not None:
            return p
        child = p


def is_gic(tree, node):
    return node is not None and any(c in GIC_COMPATIBLES for c in tree.strings(node, "compatible"))


def gic_spis(tree, node):
    """The GIC SPIs (as Xen numbers IRQs: SPI + 32) a node's interrupts name, and
    whether it uses a PPI."""
    spec = tree.cells(node, "interrupts")
    parent = interrupt_parent(tree, node)
    if not spec or not is_gic(tree, parent):
        return [], False
    spis, ppi = [], False
    for i in range(0, len(spec) - 2, 3):
        if spec[i] == 0:
            spis.append(spec[i + 1] + 32)
        elif spec[i] == 1:
            ppi = True
    return spis, ppi


def console_path(bootargs):
    m = re.search(r"(?:^| )dtuart=(\S+)", bootargs)
    return m.group(1) if m else None


def check(blob):
    """Problems Xen 4.17 would stop at, or that would break pixen's domains, in
    the tree booti hands Xen. [] if none."""
    tree = Tree(blob)
    problems = []
    chosen = tree.node("/chosen")
    bootargs = " ".join(tree.strings(chosen, "xen,xen-bootargs")) if chosen is not None else ""
    path = console_path(bootargs)
    console = tree.node(path) if path and path.startswith("/") else None
    console_irqs = []
    if path is None:
        problems.append("no dtuart= in /chosen/xen,xen-bootargs")
    elif console is None:
        problems.append(f"dtuart={path}: no such node")
    else:
        if "arm,pl011" not in tree.strings(console, "compatible"):
            problems.append(f"dtuart={path}: not an arm,pl011, which Xen 4.17's driver binds")
        regs = addresses(tree, console)
        if not regs or regs[0][1] < 0x1000:
            problems.append(f"dtuart={path}: its reg is under a page; a 1:1 domain's vpl011 "
                            f"cannot reuse it")
        console_irqs, _ = gic_spis(tree, console)

    def walk(node):
        if node != 0:
            compat = tree.strings(node, "compatible")
            if (any(c in SKIPPED_COMPATIBLES for c in compat) or tree.path[node] == "/cpus"
                    or tree.strings(node, "device_type")[:1] == ["memory"]):
                return
            if is_gic(tree, node) or any(c in TIMER_COMPATIBLES for c in compat):
                return
            if node == console:
                return
            spis, ppi = gic_spis(tree, node)
            if ppi:
                return
            own = tree.prop(node, "xen,passthrough") is None
            for irq in spis:
                if own and irq in console_irqs:
                    problems.append(f"{tree.path[node]}: IRQ {irq} is already used by Xen "
                                    f"(the console's); Dom0's tree must not list it")
            for i, (addr, _) in enumerate(addresses(tree, node)):
                if translate(tree, node, addr) is BAD:
                    problems.append(f"Unable to retrieve address {i} for {tree.path[node]}")
        for child in tree.children.get(node, []):
            walk(child)

    walk(0)

    problems += cpupool_problems(tree)

    for node in tree.nodes():
        if tree.prop(node, "xen,passthrough") is None:
            continue
        listed = set(gic_spis(tree, node)[0])
        needed = set()
        imap = tree.cells(node, "interrupt-map") or []
        icells = (tree.cells(node, "#interrupt-cells") or [1])[0]
        na = (tree.cells(node, "#address-cells") or [2])[0]
        i = 0
        while i + na + icells + 1 <= len(imap):
            target = tree.by_phandle(imap[i + na + icells])
            tna = (tree.cells(target, "#address-cells") or [0])[0] if target is not None else 0
            spec = imap[i + na + icells + 1 + tna:i + na + icells + 1 + tna + 3]
            if is_gic(tree, target) and len(spec) == 3 and spec[0] == 0:
                needed.add(spec[1] + 32)
            i += na + icells + 1 + tna + 3
        msi = tree.cells(node, "msi-ranges") or []
        for i in range(0, len(msi) - 4, 5):
            if is_gic(tree, tree.by_phandle(msi[i])) and msi[i + 1] == 0:
                needed |= {msi[i + 2] + k + 32 for k in range(msi[i + 4])}
        if needed - listed:
            problems.append(f"{tree.path[node]}: xen,passthrough, but its interrupts lack "
                            f"IRQs {sorted(needed - listed)} its domain needs routed")
    return problems


# The schedulers Xen 4.17 has as pixen builds it (images/xen/pixen.kconfig).
SCHEDULERS = {"credit", "credit2", "null", "rtds", "arinc653"}


def cpupool_problems(tree):
    """What Xen 4.17's boot-time CPU pools (xen/common/sched/boot-cpupool.c) and
    dom0less domain-cpupool stop at: a pool's CPU that is no cpu node, or is in
    two pools, an unknown scheduler, a domain naming what is not a pool."""
    problems, owner = [], {}
    chosen = tree.node("/chosen")
    for node in tree.children.get(chosen, []) if chosen is not None else []:
        path = tree.path[node]
        if "xen,cpupool" in tree.strings(node, "compatible"):
            sched = tree.strings(node, "cpupool-sched")
            if sched and sched[0] not in SCHEDULERS:
                problems.append(f"{path}: Scheduler {sched[0]} does not exists!")
            cpus = tree.cells(node, "cpupool-cpus") or []
            if not cpus:
                problems.append(f"{path}: Missing or empty cpupool-cpus property!")
            for ph in cpus:
                cpu = tree.by_phandle(ph)
                if cpu is None or tree.strings(cpu, "device_type") != ["cpu"] \
                        or tree.cells(cpu, "reg") is None:
                    problems.append(f"{path}: cpupool-cpus: phandle {ph:#x} is no cpu node")
                elif cpu in owner:
                    problems.append(f"{path}: {tree.path[cpu]} is already in {owner[cpu]}")
                else:
                    owner[cpu] = path
        if "xen,domain" in tree.strings(node, "compatible"):
            pool = tree.cells(node, "domain-cpupool")
            if pool is not None and (len(pool) != 1 or tree.by_phandle(pool[0]) is None or
                                     "xen,cpupool" not in tree.strings(tree.by_phandle(pool[0]),
                                                                       "compatible")):
                problems.append(f"{path}: domain-cpupool names no xen,cpupool node")
    return problems


def modules(blob):
    """[(path, address, size)] of the /chosen modules, Dom0's and each domain's."""
    tree = Tree(blob)
    found = []
    for node in tree.nodes():
        if "multiboot,module" in tree.strings(node, "compatible") or \
                "xen,xsm-policy" in tree.strings(node, "compatible"):
            reg = tree.cells(node, "reg")
            found.append((tree.path[node], number(reg[0:2]), number(reg[2:4])))
    return found
