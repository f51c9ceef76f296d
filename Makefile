# pixen: the front door. `make help` lists the targets, `make help-config` the options.
#
# Everything is built under build/; downloads are cached outside the tree in
# $(CACHE), so `make clean` does not download again.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := full.img
.DELETE_ON_ERROR:
MAKEFLAGS += --no-builtin-rules

include mk/options.mk

PY := /usr/bin/python3
B := build
M := $(B)/$(MACHINE)
PLATFORM := platform/$(MACHINE)
CACHE ?= $(or $(PIXEN_CACHE),$(XDG_CACHE_HOME),$(HOME)/.cache)/pixen
# Every time stamp in the images: the same inputs give the same bytes.
export SOURCE_DATE_EPOCH := 1735689600

# The SD card: partition sizes as the original's.
BOOT_PART_MIB := 512
DOM0_PART_MIB := 512

MESON_FILES := $(shell find . -name meson.build -not -path './build/*') meson_options.txt
# libxu's portable part (also in the host tools) and its Xen-facing part (target only).
LIBXU_SOURCES := $(wildcard src/libxu/*.[ch])
LIBXU_XEN_SOURCES := $(wildcard src/libxu/xen/*.[ch])
MKBOOT_SOURCES := $(LIBXU_SOURCES) $(wildcard src/mkboot/*.[ch]) $(MESON_FILES)
C_SOURCES := $(shell find src tests/unit tests/fuzz guests -name '*.[ch]') $(MESON_FILES)

help:
	@echo "pixen: Xen on the Raspberry Pi 5 with a thin control domain"
	@echo
	@echo "  make run          build what is missing and boot full.img under QEMU"
	@echo "  make test         build and pass every test (unit, fuzz, system)"
	@echo "  make full.img     the SD-card image ($(M)/full.img)"
	@echo "  make full.img.bmap full.img.gz"
	@echo "  make rootfs.img   DomD's root file system disk ($(M)/rootfs.img); rootfs.img.gz"
	@echo "  make help-config  the build options"
	@echo "  make lock         re-resolve images/packages.list to what the mirror serves now"
	@echo "  make fuzz         run each fuzz target for FUZZ_SECONDS (default 300)"
	@echo "  make bench        benchmarks, recorded in bench/RESULTS.md"
	@echo "  make deps         install the host packages the build needs"
	@echo "  make clean        remove build/ (downloads stay in $(CACHE))"
.PHONY: help

deps:
	@scripts/install-deps
.PHONY: deps

# --- C: host tools, unit tests, fuzz targets -------------------------------

$(B)/host/build.ninja: | deps
	rm -rf $(@D)
	meson setup $(@D)

# Only what mkboot is made of: a unit test's change must not rebuild the images.
# (ninja does not relink for a Meson file's edit; the touch records that it is current.)
$(B)/host/mkboot: $(MKBOOT_SOURCES) $(B)/host/build.ninja
	ninja -C $(B)/host mkboot
	touch $@

# Everything the fuzz targets reach is instrumented, not only the targets.
$(B)/fuzz/build.ninja: | deps
	rm -rf $(@D)
	CC=clang meson setup $(@D) -Dfuzzing=true -Dc_args=-fsanitize=fuzzer-no-link \
	    -Db_sanitize=address,undefined -Db_lundef=false

# The target build: Debian's aarch64 cross compiler, with the arm64 packages of
# the lock (libxen-dev, libfdt) as its sysroot.
SYSROOT_LIBS = $(abspath $(B)/sysroot)/usr/lib/aarch64-linux-gnu

$(B)/aarch64/sysroot.ini: $(B)/sysroot.stamp
	mkdir -p $(@D)
	{ echo "[properties]"; \
	  echo "sys_root = '$(abspath $(B)/sysroot)'"; \
	  echo "pkg_config_libdir = '$(SYSROOT_LIBS)/pkgconfig'"; \
	  echo "[built-in options]"; \
	  echo "c_args = ['-I$(abspath $(B)/sysroot)/usr/include']"; \
	  echo "c_link_args = ['-L$(SYSROOT_LIBS)', '-Wl,-rpath-link,$(SYSROOT_LIBS)', \
	    '-Wl,-rpath-link,$(abspath $(B)/sysroot)/lib/aarch64-linux-gnu']"; } > $@

$(B)/aarch64/build.ninja: $(B)/aarch64/sysroot.ini meson/aarch64-linux-gnu.ini
	rm -rf $(@D)/meson-private $(@D)/build.ninja
	meson setup $(@D) --prefix=/usr --cross-file meson/aarch64-linux-gnu.ini \
	    --cross-file $(B)/aarch64/sysroot.ini

# Installing (into a staging root) is what strips Meson's build-tree rpaths.
GUEST_SOURCES := $(shell find guests -name '*.[chS]' -o -name '*.ld')
TARGET_SOURCES := $(LIBXU_SOURCES) $(LIBXU_XEN_SOURCES) $(wildcard src/xu/*.[ch]) $(GUEST_SOURCES) \
	$(MESON_FILES)
$(B)/aarch64.stamp: $(TARGET_SOURCES) $(B)/aarch64/build.ninja
	ninja -C $(B)/aarch64
	rm -rf $(B)/target-root
	meson install -C $(B)/aarch64 --strip --destdir $(abspath $(B)/target-root) >/dev/null
	touch $@

# --- Debian's packages and the hypervisor ----------------------------------

lock: | deps
	$(PY) images/debian.py --cache $(CACHE) lock --list images/packages.list \
	    --lock images/packages.lock
.PHONY: lock

$(B)/sysroot.stamp: images/packages.lock images/debian.py | deps
	$(PY) images/debian.py --cache $(CACHE) fetch --lock $< --sysroot $(B)/sysroot \
	    --sources $(B)/xen-src
	touch $@

$(B)/xen/xen $(B)/xen/xenpolicy &: $(B)/sysroot.stamp images/xen/build.sh images/xen/pixen.kconfig \
		$(wildcard images/xen/patches/*.patch)
	images/xen/build.sh $(B)/xen-src images/xen/pixen.kconfig $(B)/xen

# --- The boot partition ----------------------------------------------------

$(M)/boot/xen $(M)/boot/xenpolicy: $(M)/boot/%: $(B)/xen/%
	install -D -m 0644 $< $@

# Dom0's kernel goes uncompressed: Xen's gunzip costs seconds under emulation.
$(M)/boot/Image: $(B)/sysroot.stamp
	kernels=($(B)/sysroot/boot/vmlinuz-*); \
	[ $${#kernels[@]} -eq 1 ] || { echo "pixen: expected one kernel, found: $${kernels[*]}" >&2; exit 1; }; \
	install -D -m 0644 "$${kernels[0]}" $@

$(M)/boot/dom0-initramfs.cpio.gz: $(B)/sysroot.stamp $(B)/aarch64.stamp images/mkinitramfs.py \
		images/dom0/initramfs.spec images/dom0/init
	mkdir -p $(@D)
	$(PY) images/mkinitramfs.py --sysroot $(B)/target-root --sysroot $(B)/sysroot \
	    --spec images/dom0/initramfs.spec --out $@ --list $(M)/dom0-initramfs.txt

# DomD, the driver domain Xen starts at boot: its config goes on the boot
# partition, where Dom0's `xu attach` reads its name. Its initramfs only
# finds its root file system, rootfs.img, on the disk it owns.
$(M)/boot/domd-initramfs.cpio.gz: $(B)/sysroot.stamp $(B)/aarch64.stamp images/mkinitramfs.py \
		images/domd/initramfs.spec images/domd/init
	mkdir -p $(@D)
	$(PY) images/mkinitramfs.py --sysroot $(B)/sysroot --spec images/domd/initramfs.spec \
	    --out $@ --list $(M)/domd-initramfs.txt

$(M)/boot/domd.cfg: $(PLATFORM)/domd.cfg
	install -D -m 0644 $< $@

BOOT_FILES := $(M)/boot/xen $(M)/boot/xenpolicy $(M)/boot/Image $(M)/boot/dom0-initramfs.cpio.gz \
	$(M)/boot/domd.cfg $(M)/boot/domd-initramfs.cpio.gz

# The device tree the firmware hands u-boot: mkboot reads DomD's devices
# (dtdev) from it. On QEMU, QEMU's own, for the machine scripts/qemu starts.
$(M)/host.dtb: scripts/qemu
	mkdir -p $(@D)
	scripts/qemu --dumpdtb $@.tmp 2>/dev/null
	mv $@.tmp $@

MKBOOT_ARGS := --platform $(PLATFORM)/platform.cfg --dom0 $(PLATFORM)/dom0.cfg --xen xen \
	--xsm-policy xenpolicy --host-dtb $(M)/host.dtb

# mkboot also writes DomD's partial device tree, beside its config.
$(M)/boot.cmd $(M)/boot/domd-passthrough.dtb &: $(B)/host/mkboot $(PLATFORM)/platform.cfg \
		$(PLATFORM)/dom0.cfg $(BOOT_FILES) $(M)/host.dtb
	$(B)/host/mkboot $(MKBOOT_ARGS) --boot-dir $(M)/boot --domain $(M)/boot/domd.cfg -o $(M)/boot.cmd

$(M)/boot/boot.scr: $(M)/boot.cmd
	mkimage -A arm64 -O linux -T script -C none -n "pixen boot" -d $< $@.tmp >/dev/null
	mv $@.tmp $@

# u-boot's environment, from the platform file, on QEMU's second flash bank
# (64 MiB, as QEMU's virt machine has them; a sparse file).
$(M)/uboot-env.bin: $(B)/host/mkboot $(PLATFORM)/platform.cfg
	$(B)/host/mkboot --platform $(PLATFORM)/platform.cfg --uboot-env $@

$(M)/uboot-flash.img: $(M)/uboot-env.bin
	cp $< $@.tmp
	truncate -s 64M $@.tmp
	mv $@.tmp $@

# --- The dom0 partition: the domains Dom0 starts on demand -----------------

$(M)/guests/linux_pv_domu/initramfs.cpio.gz: $(B)/sysroot.stamp images/mkinitramfs.py \
		$(wildcard guests/linux_pv_domu/*)
	mkdir -p $(@D)
	$(PY) images/mkinitramfs.py --sysroot $(B)/sysroot --spec guests/linux_pv_domu/initramfs.spec \
	    --out $@

# The small guests: their images come from the cross build (guests/), their
# configs from guests/ or, where they name the machine's devices, $(PLATFORM)/guests.
SMALL_GUESTS := rpi_5_domd rpi_5_domu helloworld_xen-arm64 jitter
SMALL_GUEST_IMAGES := z_blinky.bin z_sync.bin helloworld_xen-arm64 jitter.bin
guest_cfg = $(firstword $(wildcard $(PLATFORM)/guests/$(1).cfg guests/$(1)/$(1).cfg))
GUEST_CFGS := $(foreach g,$(SMALL_GUESTS) linux_pv_domu,$(call guest_cfg,$(g)))

DOM0_PART_FILES := $(shell find images/sdcard-dom0 -type f) $(GUEST_CFGS) $(B)/aarch64.stamp \
	$(M)/boot/Image $(M)/guests/linux_pv_domu/initramfs.cpio.gz

# `xu config_list` lists the card's configs in their directory order: the
# original's four in its order, then the others (mkdisk's .card-order).
$(M)/dom0part.stamp: $(DOM0_PART_FILES)
	rm -rf $(M)/dom0part
	mkdir -p $(M)/dom0part/dom0/linux_pv_domu
	cp -r images/sdcard-dom0/. $(M)/dom0part/
	cp $(GUEST_CFGS) $(M)/dom0part/dom0/
	cp $(M)/boot/Image $(M)/guests/linux_pv_domu/initramfs.cpio.gz $(M)/dom0part/dom0/linux_pv_domu/
	cp $(addprefix $(B)/aarch64/guests/,$(SMALL_GUEST_IMAGES)) $(M)/dom0part/dom0/
	printf '%s\n' dom0 $(foreach g,rpi_5_domd rpi_5_domu helloworld_xen-arm64 linux_pv_domu,dom0/$(g).cfg) \
	    > $(M)/dom0part/.card-order
	touch $@

# --- The SD-card image -----------------------------------------------------

$(M)/full.img: $(BOOT_FILES) $(M)/boot/boot.scr $(M)/dom0part.stamp images/mkdisk.sh
	images/mkdisk.sh $@ boot:$(BOOT_PART_MIB):$(M)/boot dom0:$(DOM0_PART_MIB):$(M)/dom0part

$(M)/full.img.bmap: $(M)/full.img
	bmaptool -q create -o $@.tmp $<
	mv $@.tmp $@

$(M)/full.img.gz: $(M)/full.img
	gzip -n -c $< > $@.tmp
	mv $@.tmp $@

# --- DomD's disk: rootfs.img, ext4 in a GPT, as the original's ------------

# With the disk linux_pv_domu's config names (sparse: it costs nothing until written).
$(M)/domd-rootfs.stamp: $(B)/sysroot.stamp $(B)/aarch64.stamp images/mkinitramfs.py \
		$(wildcard images/domd-rootfs/*)
	$(PY) images/mkinitramfs.py --sysroot $(B)/target-root --sysroot $(B)/sysroot \
	    --spec images/domd-rootfs/rootfs.spec --out-dir $(M)/domd-rootfs
	truncate -s 64M $(M)/domd-rootfs/srv/xen/linux_pv_domu.img
	touch $@

ROOTFS_PART_MIB := 256

$(M)/rootfs.img: $(M)/domd-rootfs.stamp images/mkdisk.sh
	images/mkdisk.sh $@ domd-rootfs:$(ROOTFS_PART_MIB):$(M)/domd-rootfs:ext4

$(M)/rootfs.img.gz: $(M)/rootfs.img
	gzip -n -c $< > $@.tmp
	mv $@.tmp $@

full.img full.img.bmap full.img.gz rootfs.img rootfs.img.gz: %: $(M)/%
	@echo "pixen: $<"
.PHONY: full.img full.img.bmap full.img.gz rootfs.img rootfs.img.gz

# --- The test image: full.img whose Dom0 also has Debian's xl --------------
# The oracle xu's list output is compared with, and the peer of the create
# benchmark. Never shipped.

T := $(M)/test-xl

$(T)/boot/xen $(T)/boot/xenpolicy $(T)/boot/Image $(T)/boot/domd.cfg \
		$(T)/boot/domd-initramfs.cpio.gz: $(T)/boot/%: $(M)/boot/%
	install -D -m 0644 $< $@

$(T)/boot/dom0-initramfs.cpio.gz: $(B)/sysroot.stamp $(B)/aarch64.stamp images/mkinitramfs.py \
		images/dom0/initramfs.spec images/dom0/init $(wildcard images/dom0-xl/*)
	mkdir -p $(@D)
	$(PY) images/mkinitramfs.py --sysroot $(B)/target-root --sysroot $(B)/sysroot \
	    --spec images/dom0/initramfs.spec --spec images/dom0-xl/initramfs.spec --out $@

T_BOOT_FILES := $(T)/boot/xen $(T)/boot/xenpolicy $(T)/boot/Image $(T)/boot/dom0-initramfs.cpio.gz \
	$(T)/boot/domd.cfg $(T)/boot/domd-initramfs.cpio.gz

$(T)/boot.cmd $(T)/boot/domd-passthrough.dtb &: $(B)/host/mkboot $(PLATFORM)/platform.cfg \
		$(PLATFORM)/dom0.cfg $(T_BOOT_FILES) $(M)/host.dtb
	$(B)/host/mkboot $(MKBOOT_ARGS) --boot-dir $(T)/boot --domain $(T)/boot/domd.cfg -o $(T)/boot.cmd

$(T)/boot/boot.scr: $(T)/boot.cmd
	mkimage -A arm64 -O linux -T script -C none -n "pixen boot" -d $< $@.tmp >/dev/null
	mv $@.tmp $@

$(M)/full-xl.img: $(T_BOOT_FILES) $(T)/boot/boot.scr $(M)/dom0part.stamp images/mkdisk.sh
	images/mkdisk.sh $@ boot:$(BOOT_PART_MIB):$(T)/boot dom0:$(DOM0_PART_MIB):$(M)/dom0part

# --- Running and testing ---------------------------------------------------

# DomD's disk is attached as DOMD_ROOT says; its uplink is QEMU's user network.
run: $(M)/full.img $(M)/uboot-flash.img $(M)/rootfs.img
	@echo "pixen: booting $<; Ctrl-a three times switches Xen's console input, Ctrl-\\ x leaves QEMU"
	scripts/qemu --flash $(M)/uboot-flash.img --rootfs $(M)/rootfs.img --domd-root $(DOMD_ROOT) \
	    --uplink "" $<
.PHONY: run

FUZZ_SECONDS ?= 300
FUZZ_TARGETS := bootdoms cfg guestboot guestfdt image passthrough

# Each fuzz target runs briefly from its corpus in `make test`, longer in `make fuzz`.
fuzz-run: $(B)/fuzz/build.ninja $(C_SOURCES)
	ninja -C $(B)/fuzz >/dev/null
	@for t in $(FUZZ_TARGETS); do \
	    mkdir -p $(B)/fuzz/corpus-$$t; \
	    log=$(B)/fuzz/fuzz_$$t.log; \
	    if ! $(B)/fuzz/tests/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -max_len=4096 \
	        -print_final_stats=1 -artifact_prefix=$(B)/fuzz/crash-$$t- \
	        $(B)/fuzz/corpus-$$t tests/fuzz/corpus/$$t > $$log 2>&1; then \
	        tail -40 $$log >&2; echo "pixen: fuzz_$$t failed; the input is in $(B)/fuzz/" >&2; exit 1; \
	    fi; \
	    echo "fuzz_$$t: $$(sed -n 's/^stat::number_of_executed_units: *//p' $$log) runs, no crash"; \
	done
fuzz:
	$(MAKE) fuzz-run FUZZ_SECONDS=$(FUZZ_SECONDS)
.PHONY: fuzz fuzz-run

check-format: | deps
	clang-format --dry-run -Werror $$(find src tests guests -name '*.[ch]')
.PHONY: check-format

test-unit: $(B)/host/build.ninja
	meson test -C $(B)/host --print-errorlogs
.PHONY: test-unit

test-build: $(M)/full.img $(M)/rootfs.img
	$(PY) -m pytest -v tests/build --machine-dir $(M)
.PHONY: test-build

test-system: $(M)/full.img $(M)/full-xl.img $(M)/uboot-flash.img $(M)/rootfs.img
	$(PY) -m pytest -v tests/system --image $(M)/full.img --xl-image $(M)/full-xl.img \
	    --flash $(M)/uboot-flash.img --rootfs $(M)/rootfs.img --results $(M)/results
.PHONY: test-system

# Benchmarks: not tests; they record ratios against a peer in bench/RESULTS.md.
bench: $(M)/full.img $(M)/full-xl.img $(M)/uboot-flash.img $(M)/rootfs.img
	$(PY) bench/domd.py --image $(M)/full.img --flash $(M)/uboot-flash.img \
	    --rootfs $(M)/rootfs.img --results $(M)/results
	$(PY) bench/create.py --image $(M)/full-xl.img --flash $(M)/uboot-flash.img \
	    --rootfs $(M)/rootfs.img --results $(M)/results
	$(PY) bench/guests.py --image $(M)/full-xl.img --flash $(M)/uboot-flash.img \
	    --rootfs $(M)/rootfs.img --results $(M)/results
.PHONY: bench

test: check-format test-unit $(B)/aarch64.stamp
	$(MAKE) fuzz-run FUZZ_SECONDS=10
	$(MAKE) test-build
	$(MAKE) test-system
.PHONY: test

clean:
	rm -rf $(B)
.PHONY: clean
