# pixen: the front door. `make help` lists the targets, `make help-config` the options.
#
# Everything is built under build/; downloads are cached outside the tree in
# $(CACHE), so `make clean` does not download again. What differs between
# machines is in platform/$(MACHINE)/ (platform/README.md); this file names
# no machine.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := full.img
.DELETE_ON_ERROR:
MAKEFLAGS += --no-builtin-rules

include mk/options.mk

PY := /usr/bin/python3
B := build
PLATFORM := platform/$(MACHINE)
# An option value the machine has a folder for (option/OPTION_VALUE/) changes
# its images: other than the default, it gets a build folder of its own.
OPTION_DIRS := $(wildcard $(foreach o,$(OPTIONS),$(PLATFORM)/option/$(o)_$($(o))))
M := $(B)/$(MACHINE)$(subst $(space),,$(foreach o,$(OPTIONS),$(if $(filter-out \
	$($(o)_DEFAULT),$($(o))),$(if $(filter $(PLATFORM)/option/$(o)_$($(o)),$(OPTION_DIRS)),-$(o)_$($(o))))))
CACHE ?= $(or $(PIXEN_CACHE),$(XDG_CACHE_HOME),$(HOME)/.cache)/pixen
# Every time stamp in the images: the same inputs give the same bytes.
export SOURCE_DATE_EPOCH := 1735689600

# The SD card: partition sizes as the original's.
BOOT_PART_MIB := 512
DOM0_PART_MIB := 512

help:
	@echo "pixen: Xen on the Raspberry Pi 5 with a thin control domain"
	@echo
	@echo "  make run          build what is missing and boot full.img under emulation"
	@echo "  make test         build and pass every test (unit, fuzz, build, system)"
	@echo "  make full.img     the SD-card image ($(M)/full.img)"
	@echo "  make full.img.bmap full.img.gz"
	@echo "  make rootfs.img   DomD's root file system disk ($(M)/rootfs.img); rootfs.img.gz"
	@echo "  make help-config  the build options and the machines"
	@echo "  make lock         re-resolve images/packages.list to what the mirror serves now"
	@echo "  make fuzz         run each fuzz target for FUZZ_SECONDS (default 300), FUZZ_JOBS at a time"
	@echo "  make bench        benchmarks, recorded in bench/RESULTS.md"
	@echo "  make deps         install the host packages the build needs"
	@echo "  make clean        remove build/ (downloads stay in $(CACHE))"
.PHONY: help

deps:
	@scripts/install-deps $(wildcard $(foreach m,$(MACHINES_BUILT),platform/$(m)/host-packages.txt))
.PHONY: deps

FORCE:
.PHONY: FORCE

# --- C: host tools, unit tests, fuzz targets -------------------------------
# Meson owns the sources: make asks ninja every time, and ninja touches an
# output only when one of its inputs changed, so what is made from it is
# remade only then.

$(B)/host/build.ninja: | deps
	rm -rf $(@D)
	meson setup $(@D)

# ninja's output, unless it only says there was nothing to do.
define ninja
@out=$$(ninja -C $(1) $(2) 2>&1) || { echo "$$out"; exit 1; }; \
if grep -qv -e '^ninja: Entering directory' -e '^ninja: no work to do' <<<"$$out"; then echo "$$out"; fi
endef

$(B)/host/mkboot $(B)/host/hostdevs-probe $(B)/host/pixen-firstline: $(B)/host/build.ninja FORCE
	$(call ninja,$(B)/host,$(@F))

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

# Installing (into a staging root) is what strips Meson's build-tree rpaths;
# the root and its stamp move only when an installed file changed.
$(B)/aarch64.stamp: $(B)/aarch64/build.ninja FORCE
	$(call ninja,$(B)/aarch64)
	@rm -rf $(B)/target-root.new
	@meson install -C $(B)/aarch64 --strip --destdir $(abspath $(B)/target-root.new) >/dev/null
	@if [ -e $@ ] && diff -rq --no-dereference $(B)/target-root.new $(B)/target-root >/dev/null; then \
	    rm -rf $(B)/target-root.new; \
	else \
	    rm -rf $(B)/target-root && mv $(B)/target-root.new $(B)/target-root && touch $@; \
	fi

# --- Debian's packages, the kernel and the hypervisor ----------------------

lock: | deps
	$(PY) images/debian.py --cache $(CACHE) lock --list images/packages.list \
	    --lock images/packages.lock
.PHONY: lock

$(B)/sysroot.stamp: images/packages.lock images/debian.py | deps
	$(PY) images/debian.py --cache $(CACHE) fetch --lock $< --sysroot $(B)/sysroot \
	    --sources $(B)/sources
	touch $@

# Which patches there are: one taken away remakes Xen as one added does.
$(B)/xen/patches.list: FORCE
	@mkdir -p $(@D)
	@ls images/xen/patches/*.patch > $@.tmp
	@if cmp -s $@.tmp $@; then rm $@.tmp; else mv $@.tmp $@; fi

$(B)/xen/xen $(B)/xen/xenpolicy &: $(B)/sysroot.stamp images/xen/build.sh images/xen/pixen.kconfig \
		$(wildcard images/xen/patches/*.patch) $(B)/xen/patches.list
	images/xen/build.sh $(B)/sources images/xen/pixen.kconfig $(B)/xen

# u-boot's sandbox, from the source of the Pi boards' u-boot-rpi: the build
# test that runs a card's boot.scr in u-boot (tests/build/test_uboot.py).
$(B)/u-boot-sandbox/u-boot: $(B)/sysroot.stamp images/u-boot/build-sandbox.sh \
		images/u-boot/sandbox.config
	images/u-boot/build-sandbox.sh $(B)/sources images/u-boot/sandbox.config $(B)/u-boot-sandbox

# Shell: the one file that the paths or glob patterns $(1) name (a package
# may name a file twice, through a link), in $${files[0]}; more or none stop
# the build, naming $(2).
one_file = shopt -s nullglob; files=(); for f in $(1); do if [ -e "$$f" ]; then files+=("$$f"); fi; done; \
	[ $${\#files[@]} -eq 0 ] || files=($$(realpath -e "$${files[@]}" | sort -u)); \
	[ $${\#files[@]} -eq 1 ] || { echo "pixen: $(2) names $${\#files[@]} files: $(1)" >&2; exit 1; }

# One kernel for every domain and every machine: the raw arm64 Image of the
# kernel package (/usr/lib/modules/VERSION/vmlinuz since Linux 6.19, before
# /boot/vmlinuz-VERSION), and a gzip of it for a machine whose card carries
# it compressed (its configs then name Image.gz).
KERNEL_DTB_DIRS := $(B)/sysroot/usr/lib/modules/*/dtb $(B)/sysroot/usr/lib/linux-image-*

$(B)/kernel/Image: $(B)/sysroot.stamp
	$(call one_file,$(B)/sysroot/usr/lib/modules/*/vmlinuz $(B)/sysroot/boot/vmlinuz-*,the kernel package); \
	install -D -m 0644 "$${files[0]}" $@

$(B)/kernel/Image.gz: $(B)/kernel/Image
	gzip -9 -n -c $< > $@.tmp
	mv $@.tmp $@

# Dom0's own kernel, from Debian's linux source: pixen's Dom0 fragment and
# every machine's (and option's) card drivers, built in, no modules
# (images/linux/build.sh). The card carries it as dom0-Image (or
# dom0-Image.gz); DomD and the guests keep the kernel package's.
DOM0_KCONFIGS := images/linux/dom0.kconfig \
	$(sort $(wildcard platform/*/dom0.kconfig platform/*/option/*/dom0.kconfig))

# What the fragments set, comments and blank lines left out, as
# images/linux/build.sh merges them: the kernel (minutes to build) is remade
# when a line that sets something changes, is added or is taken away, or a
# fragment comes or goes, and not for an edit of a comment.
$(B)/dom0-kernel/kconfigs.list: FORCE
	@mkdir -p $(@D)
	@for f in $(DOM0_KCONFIGS); do echo "== $$f"; \
	    awk '!/^[[:space:]]*(#|$$)/' $$f; done > $@.tmp
	@if cmp -s $@.tmp $@; then rm $@.tmp; else mv $@.tmp $@; fi

$(B)/dom0-kernel/Image: $(B)/sysroot.stamp images/linux/build.sh $(B)/dom0-kernel/kconfigs.list
	images/linux/build.sh $(B)/sources $(B)/dom0-kernel $(DOM0_KCONFIGS)

$(B)/dom0-kernel/Image.gz: $(B)/dom0-kernel/Image
	gzip -9 -n -c $< > $@.tmp
	mv $@.tmp $@

# --- The boot partition ----------------------------------------------------

# The machine's files as the options make them: platform/M/FILE, if the
# machine has it, then what each option's value adds to it,
# platform/M/option/OPTION_VALUE/FILE (xl.cfg's `+=` adds to a list; a
# module list or an image spec is read whole).
MACHINE_FILES := platform.cfg dom0.cfg domd.cfg domd.modules domd-rootfs.spec
OPTION_FILES := $(wildcard $(addsuffix /*,$(OPTION_DIRS)))
$(foreach f,$(OPTION_FILES),$(if $(filter $(notdir $(f)),$(MACHINE_FILES) dom0.kconfig boot-guests),,\
  $(error $(f): an option adds only to $(MACHINE_FILES), dom0.kconfig and boot-guests/)))
MF := $(M)/machine
# The small guests' images, from the cross build: those the dom0 partition
# holds, and those only Xen can start (at boot).
GUEST_IMAGES := $(B)/target-root/usr/share/pixen/guests
BOOT_GUEST_IMAGES := $(B)/target-root/usr/share/pixen/boot-guests
machine_sources = $(wildcard $(PLATFORM)/$(1) $(addsuffix /$(1),$(OPTION_DIRS)))
# $(MF)/FILE if the machine or an option has FILE.
machine_file = $(if $(call machine_sources,$(1)),$(MF)/$(1))

# (A folder's time changes when a file is added to it or taken from it.)
define machine_file_rule
$(MF)/$(1): $(call machine_sources,$(1)) $(OPTION_DIRS)
	mkdir -p $$(@D)
	{ :; $(foreach s,$(call machine_sources,$(1)),$(if $(filter $(PLATFORM)/$(1),$(s)),cat $(s);,\
	    printf '\n# Added by %s (%s):\n' $(notdir $(patsubst %/,%,$(dir $(s)))) $(s); cat $(s);)) \
	} > $$@.tmp
	mv $$@.tmp $$@
endef
$(foreach f,$(MACHINE_FILES),$(eval $(call machine_file_rule,$(f))))

# The kernels its Dom0 and DomD configs name (dom0-Image and Image, or their
# .gz), DomD's own kernel modules, and where u-boot's environment goes: an image of an emulator's flash bank (flash:MIB), or a
# file on the boot partition (card:NAME).
KERNEL_FILES := $(sort $(shell sed -n 's/^kernel *= *"\([^"]*\)".*/\1/p' \
	$(wildcard $(foreach d,$(PLATFORM) $(OPTION_DIRS),$(d)/dom0.cfg $(d)/domd.cfg))))
DOMD_MODULES := $(call machine_file,domd.modules)
DOMD_ROOTFS_SPEC := $(call machine_file,domd-rootfs.spec)
uboot_env_kind := $(word 1,$(subst :, ,$(UBOOT_ENV)))
uboot_env_arg := $(word 2,$(subst :, ,$(UBOOT_ENV)))
UBOOT_ENV_FLASH := $(if $(filter flash,$(uboot_env_kind)),$(M)/uboot-flash.img)
UBOOT_ENV_ON_CARD := $(if $(filter card,$(uboot_env_kind)),$(uboot_env_arg))
$(if $(UBOOT_ENV_FLASH)$(UBOOT_ENV_ON_CARD),,\
  $(error $(PLATFORM)/machine.mk: UBOOT_ENV=$(UBOOT_ENV) is not flash:MIB or card:NAME))
# BOOT_EXTRAS: SOURCE:NAME, SOURCE one of platform:FILE (in the machine's
# folder), sysroot:PATH (from Debian's packages), kernel-dtb:PATH (under the
# kernel package's device trees).
BOOT_EXTRA_NAMES := $(foreach e,$(BOOT_EXTRAS),$(lastword $(subst :, ,$(e))))

$(M)/boot/xen $(M)/boot/xenpolicy: $(M)/boot/%: $(B)/xen/%
	install -D -m 0644 $< $@

$(M)/boot/Image $(M)/boot/Image.gz: $(M)/boot/%: $(B)/kernel/%
	install -D -m 0644 $< $@

$(M)/boot/dom0-Image $(M)/boot/dom0-Image.gz: $(M)/boot/dom0-%: $(B)/dom0-kernel/%
	install -D -m 0644 $< $@

$(M)/boot/dom0-initramfs.cpio.gz: $(B)/sysroot.stamp $(B)/aarch64.stamp images/mkinitramfs.py \
		images/dom0/initramfs.spec images/dom0/init images/dom0/pixen-report
	mkdir -p $(@D)
	$(PY) images/mkinitramfs.py --sysroot $(B)/target-root --sysroot $(B)/sysroot \
	    --spec images/dom0/initramfs.spec \
	    --out $@ --list $(M)/dom0-initramfs.txt

# DomD, the driver domain Xen starts at boot: its config goes on the boot
# partition, where Dom0's `xu attach` reads its name. Its initramfs loads the
# machine's drivers and finds its root file system, rootfs.img, on the disk
# it owns.
$(M)/boot/domd-initramfs.cpio.gz: $(B)/sysroot.stamp images/mkinitramfs.py \
		images/domd/initramfs.spec images/domd/init $(DOMD_MODULES)
	mkdir -p $(@D)
	$(PY) images/mkinitramfs.py --sysroot $(B)/sysroot --spec images/domd/initramfs.spec \
	    $(addprefix --modules ,$(DOMD_MODULES)) --out $@ --list $(M)/domd-initramfs.txt

$(M)/boot/domd.cfg: $(MF)/domd.cfg
	install -D -m 0644 $< $@

# u-boot's environment, from the platform file.
$(if $(UBOOT_ENV_FLASH),$(UBOOT_ENV_FLASH),$(M)/boot/$(UBOOT_ENV_ON_CARD)): $(B)/host/mkboot \
		$(MF)/platform.cfg
	mkdir -p $(@D)
	$(B)/host/mkboot --platform $(MF)/platform.cfg --uboot-env $@.tmp
	$(if $(UBOOT_ENV_FLASH),truncate -s $(uboot_env_arg)M $@.tmp)
	mv $@.tmp $@

define boot_extra
$(M)/boot/$(3): $(if $(filter platform,$(1)),$(PLATFORM)/$(2),$(B)/sysroot.stamp)
	$$(call one_file,$(if $(filter platform,$(1)),$(PLATFORM)/$(2),$(if $(filter sysroot,$(1)),$(B)/sysroot/$(2),$(if $(filter kernel-dtb,$(1)),$(addsuffix /$(2),$(KERNEL_DTB_DIRS)),$(error $(PLATFORM)/machine.mk: BOOT_EXTRAS: $(1):$(2):$(3): the source is platform:, sysroot: or kernel-dtb:)))),$(PLATFORM)/machine.mk: BOOT_EXTRAS: $(1):$(2)); \
	install -D -m 0644 "$$$${files[0]}" $$@
endef
$(foreach e,$(BOOT_EXTRAS),$(eval $(call boot_extra,$(word 1,$(subst :, ,$(e))),$(word 2,$(subst :, ,$(e))),$(word 3,$(subst :, ,$(e))))))

# Guests Xen starts at boot after DomD (dom0less): the configs in the
# machine's boot-guests/ folder, then in its options', with the small
# guest's image each names. Xen numbers them in that order.
BOOT_GUEST_CFGS := $(foreach d,$(PLATFORM) $(OPTION_DIRS),$(sort $(wildcard $(d)/boot-guests/*.cfg)))
BOOT_GUESTS := $(notdir $(BOOT_GUEST_CFGS))
$(if $(filter-out $(words $(BOOT_GUESTS)),$(words $(sort $(BOOT_GUESTS)))),\
  $(error boot-guests: two configs of one name: $(BOOT_GUEST_CFGS)))
BOOT_GUEST_KERNELS := $(filter-out $(KERNEL_FILES),$(sort $(foreach c,$(BOOT_GUEST_CFGS),\
	$(shell sed -n 's/^kernel *= *"\([^"]*\)".*/\1/p' $(c)))))

define boot_guest_cfg
$(M)/boot/$(notdir $(1)): $(1)
	install -D -m 0644 $$< $$@
endef
$(foreach c,$(BOOT_GUEST_CFGS),$(eval $(call boot_guest_cfg,$(c))))

$(addprefix $(M)/boot/,$(BOOT_GUEST_KERNELS)): $(M)/boot/%: $(B)/aarch64.stamp
	$(call one_file,$(GUEST_IMAGES)/$* $(BOOT_GUEST_IMAGES)/$*,boot-guests/: kernel = "$*" (a small guest's image)); \
	install -D -m 0644 "$${files[0]}" $@

# What boot.scr loads (mkboot reads them), and the rest of the partition.
# A machine without a driver domain (no domd.cfg in its folder) boots Xen and Dom0 only.
DOMD := $(if $(wildcard $(PLATFORM)/domd.cfg),domd)
BOOT_INPUTS := xen xenpolicy $(KERNEL_FILES) dom0-initramfs.cpio.gz \
	$(if $(DOMD),domd.cfg domd-initramfs.cpio.gz) $(BOOT_GUESTS) $(BOOT_GUEST_KERNELS)
BOOT_FILES := $(BOOT_INPUTS) $(UBOOT_ENV_ON_CARD) $(BOOT_EXTRA_NAMES) boot.scr

# The device tree the firmware hands u-boot: mkboot reads DomD's devices
# (dtdev) from it. HOST_DTB: `emulator` (the one the emulator hands its
# firmware for this machine), or kernel:PATH (a tree of the kernel package).
ifeq ($(HOST_DTB),emulator)
# Another version of the emulator may hand over another tree.
$(M)/host.dtb: scripts/emulate $(wildcard $(PLATFORM)/emulator.cfg) $(PLATFORM)/platform.cfg \
		$(shell scripts/emulate --machine $(MACHINE) --program 2>/dev/null)
	mkdir -p $(@D)
	scripts/emulate --machine $(MACHINE) --dump-dtb $@.tmp >$@.log 2>&1 || { cat $@.log >&2; exit 1; }
	mv $@.tmp $@
else ifneq ($(filter kernel:%,$(HOST_DTB)),)
$(M)/host.dtb: $(B)/sysroot.stamp
	$(call one_file,$(addsuffix /$(HOST_DTB:kernel:%=%),$(KERNEL_DTB_DIRS)),$(PLATFORM)/machine.mk: HOST_DTB=$(HOST_DTB)); \
	install -D -m 0644 "$${files[0]}" $@
else
  $(error $(PLATFORM)/machine.mk: HOST_DTB=$(HOST_DTB) is not emulator or kernel:PATH)
endif

MKBOOT_ARGS := --platform $(MF)/platform.cfg --dom0 $(MF)/dom0.cfg --xen xen \
	--xsm-policy xenpolicy --host-dtb $(M)/host.dtb

# What the boot partition holds, one name a line, rewritten only when it
# changes: a file dropped from the list (a boot guest removed, say) remakes
# boot.scr and the cards, and leaves the folder before the card is made.
BOOT_CARD_FILES := $(sort $(BOOT_FILES) $(if $(DOMD),domd-passthrough.dtb))
$(M)/boot-files.list: FORCE
	@mkdir -p $(@D); printf '%s\n' $(BOOT_CARD_FILES) > $@.tmp; \
	if cmp -s $@.tmp $@; then rm $@.tmp; else mv $@.tmp $@; fi

# Takes out of the folder $(1) every file the list does not name.
define prune_boot
for f in $(1)/*; do [ ! -f "$$f" ] || grep -qxF "$${f##*/}" $(M)/boot-files.list || rm -f "$$f"; done
endef

# boot.scr of the boot partition staged in $(1)/boot, from the files there;
# mkboot also writes DomD's partial device tree beside its config.
define boot_script
$(1)/boot.cmd $(if $(DOMD),$(1)/boot/domd-passthrough.dtb) &: $(B)/host/mkboot $(MF)/platform.cfg \
		$(MF)/dom0.cfg $(addprefix $(1)/boot/,$(BOOT_INPUTS) $(BOOT_EXTRA_NAMES)) \
		$(M)/host.dtb $(M)/boot-files.list
	$(B)/host/mkboot $(MKBOOT_ARGS) --boot-dir $(1)/boot $(if $(DOMD),--domain $(1)/boot/domd.cfg) \
	    $(foreach g,$(BOOT_GUESTS),--domain $(1)/boot/$(g)) -o $(1)/boot.cmd

$(1)/boot/boot.scr: $(1)/boot.cmd
	mkimage -A arm64 -O linux -T script -C none -n "pixen boot" -d $$< $$@.tmp >/dev/null
	mv $$@.tmp $$@
endef
$(eval $(call boot_script,$(M)))

# --- The dom0 partition: the domains Dom0 starts on demand -----------------

$(M)/guests/linux_pv_domu/initramfs.cpio.gz: $(B)/sysroot.stamp $(B)/aarch64.stamp \
		images/mkinitramfs.py $(wildcard guests/linux_pv_domu/*)
	mkdir -p $(@D)
	$(PY) images/mkinitramfs.py --sysroot $(B)/target-root --sysroot $(B)/sysroot \
	    --spec guests/linux_pv_domu/initramfs.spec --out $@

# Each guest's config is in its folder under guests/, or, where it names the
# machine's devices, in $(PLATFORM)/guests/. The small guests' images come
# from the cross build (guests/meson.build installs them); guests/card-order
# says which files come first on the card (`xu config_list` shows them in
# the folder's order).
PLATFORM_GUEST_CFGS := $(wildcard $(PLATFORM)/guests/*.cfg)
# A machine whose devices make no original guest (no LED for the blinky) says
# its own order.
CARD_ORDER := $(firstword $(wildcard $(PLATFORM)/card-order) guests/card-order)
GUEST_CFGS := $(PLATFORM_GUEST_CFGS) $(filter-out \
	$(foreach c,$(PLATFORM_GUEST_CFGS),guests/%/$(notdir $(c))),$(wildcard guests/*/*.cfg))

$(M)/dom0part.stamp: $(shell find images/sdcard-dom0 -type f) $(GUEST_CFGS) $(CARD_ORDER) \
		$(B)/aarch64.stamp $(B)/kernel/Image $(M)/guests/linux_pv_domu/initramfs.cpio.gz
	rm -rf $(M)/dom0part
	mkdir -p $(M)/dom0part/dom0/linux_pv_domu
	cp -r images/sdcard-dom0/. $(M)/dom0part/
	cp $(GUEST_CFGS) $(GUEST_IMAGES)/* $(M)/dom0part/dom0/
	cp $(B)/kernel/Image $(M)/guests/linux_pv_domu/initramfs.cpio.gz $(M)/dom0part/dom0/linux_pv_domu/
	cp $(CARD_ORDER) $(M)/dom0part/.card-order
	touch $@

# --- The SD-card image -----------------------------------------------------

$(M)/full.img: $(addprefix $(M)/boot/,$(BOOT_FILES)) $(M)/dom0part.stamp images/mkdisk.sh \
		$(M)/boot-files.list
	$(call prune_boot,$(M)/boot)
	images/mkdisk.sh $@ boot:$(BOOT_PART_MIB):$(M)/boot dom0:$(DOM0_PART_MIB):$(M)/dom0part

$(M)/full.img.bmap: $(M)/full.img
	bmaptool -q create -o $@.tmp $<
	mv $@.tmp $@

$(M)/full.img.gz: $(M)/full.img
	gzip -n -c $< > $@.tmp
	mv $@.tmp $@

# --- DomD's disk: rootfs.img, ext4 in a GPT, as the original's ------------

# With the disk linux_pv_domu's config names (sparse: it costs nothing until written).
# The machine may add to it (domd-rootfs.spec: drivers DomD loads once
# running, and the files they need).
$(M)/domd-rootfs.stamp: $(B)/sysroot.stamp $(B)/aarch64.stamp images/mkinitramfs.py \
		$(wildcard images/domd-rootfs/*) $(DOMD_ROOTFS_SPEC)
	$(PY) images/mkinitramfs.py --sysroot $(B)/target-root --sysroot $(B)/sysroot \
	    --spec images/domd-rootfs/rootfs.spec $(addprefix --spec ,$(DOMD_ROOTFS_SPEC)) \
	    --out-dir $(M)/domd-rootfs
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
# benchmark. Never shipped. Its boot partition is full.img's, but for Dom0's
# initramfs and what boot.scr says of it.

T := $(M)/test-xl

$(T)/boot/%: $(M)/boot/%
	install -D -m 0644 $< $@

$(T)/boot/dom0-initramfs.cpio.gz: $(B)/sysroot.stamp $(B)/aarch64.stamp images/mkinitramfs.py \
		images/dom0/initramfs.spec images/dom0/init images/dom0/pixen-report $(wildcard images/dom0-xl/*)
	mkdir -p $(@D)
	$(PY) images/mkinitramfs.py --sysroot $(B)/target-root --sysroot $(B)/sysroot \
	    --spec images/dom0/initramfs.spec --spec images/dom0-xl/initramfs.spec \
	    --out $@

$(eval $(call boot_script,$(T)))

$(M)/full-xl.img: $(addprefix $(T)/boot/,$(BOOT_FILES)) $(M)/dom0part.stamp images/mkdisk.sh \
		$(M)/boot-files.list
	$(call prune_boot,$(T)/boot)
	images/mkdisk.sh $@ boot:$(BOOT_PART_MIB):$(T)/boot dom0:$(DOM0_PART_MIB):$(M)/dom0part

# --- Running and testing ---------------------------------------------------

# make run boots the card under the machine's emulator (emulator.cfg), DomD's
# disk attached as DOMD_ROOT says, its uplink on the emulator's user network.
EMULATE := scripts/emulate --machine $(MACHINE) $(addprefix --uboot-env ,$(UBOOT_ENV_FLASH))
RUN_FILES := $(M)/full.img $(M)/rootfs.img $(UBOOT_ENV_FLASH)

run: $(RUN_FILES)
	@echo "pixen: booting $<"
	$(EMULATE) --rootfs $(M)/rootfs.img --domd-root $(DOMD_ROOT) --uplink "" $<
.PHONY: run

FUZZ_SECONDS ?= 300
# Targets run side by side: one per core.
FUZZ_JOBS ?= $(shell nproc)

# Each fuzz target (Meson's list) runs briefly from its corpus in `make test`,
# longer in `make fuzz`, which records the executions in bench/RESULTS.md.
fuzz-run: $(B)/fuzz/build.ninja
	ninja -C $(B)/fuzz >/dev/null
	$(PY) tests/fuzz/run.py $(B)/fuzz --seconds $(FUZZ_SECONDS) --jobs $(FUZZ_JOBS) $(FUZZ_RECORD)
fuzz:
	$(MAKE) fuzz-run FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_RECORD="--record bench/RESULTS.md"
.PHONY: fuzz fuzz-run

check-format: | deps
	clang-format --dry-run -Werror $$(find src tests guests bench -name '*.[ch]')
.PHONY: check-format

test-unit: $(B)/host/build.ninja
	meson test -C $(B)/host --print-errorlogs
.PHONY: test-unit

# Every machine's images are built and checked, not only the emulated one's;
# u-boot's sandbox runs the boot.scr of those u-boot-rpi boots.
# Every machine's images, and the card of each option value a machine's
# folder changes them for (option/OPTION_VALUE/, other than the default).
# The .gz rules are the same for every machine: test_make checks them on this one.
test-build: $(M)/full.img $(M)/rootfs.img $(RUN_FILES) $(B)/u-boot-sandbox/u-boot \
		$(B)/host/hostdevs-probe $(B)/host/pixen-firstline
	for m in $(filter-out $(MACHINE),$(MACHINES_BUILT)); do \
	    $(MAKE) --no-print-directory MACHINE=$$m full.img full.img.bmap rootfs.img || exit 1; \
	done
	for m in $(MACHINES_BUILT); do \
	    for v in $$(ls platform/$$m/option 2>/dev/null); do \
	        case " $(foreach o,$(OPTIONS),$(o)_$($(o)_DEFAULT)) " in *" $$v "*) continue;; esac; \
	        $(MAKE) --no-print-directory MACHINE=$$m "$${v%_*}=$${v##*_}" full.img rootfs.img \
	            || exit 1; \
	    done; \
	done
	$(PY) -m pytest -v tests/build --machine-dir $(M)
.PHONY: test-build

# The test card of ENABLE_PARTITIONS=yes (CPU pools, a guest Xen starts in
# one), where the machine has that option: the system tests boot it too.
PARTITIONS_XL_IMG := $(if $(filter yes,$(ENABLE_PARTITIONS)),$(M)/full-xl.img,$(if \
	$(wildcard $(PLATFORM)/option/ENABLE_PARTITIONS_yes),$(M)-ENABLE_PARTITIONS_yes/full-xl.img))

partitions-xl-img: $(B)/host/mkboot
	$(if $(PARTITIONS_XL_IMG),$(MAKE) --no-print-directory ENABLE_PARTITIONS=yes $(PARTITIONS_XL_IMG) \
	    $(dir $(PARTITIONS_XL_IMG))full.img)
.PHONY: partitions-xl-img

SYSTEM_ARGS := --machine $(MACHINE) --image $(M)/full.img --xl-image $(M)/full-xl.img \
	--uboot-env "$(UBOOT_ENV_FLASH)" --rootfs $(M)/rootfs.img --results $(M)/results \
	$(if $(PARTITIONS_XL_IMG),--partitions-image $(PARTITIONS_XL_IMG))

test-system: $(RUN_FILES) $(M)/full-xl.img partitions-xl-img
	$(PY) -m pytest -v tests/system $(SYSTEM_ARGS)
.PHONY: test-system

# Benchmarks: not tests; they record ratios against a peer in bench/RESULTS.md.
bench: $(RUN_FILES) $(M)/full-xl.img
	$(PY) bench/domd.py --machine-dir $(M)
	$(PY) bench/create.py --machine-dir $(M)
	$(PY) bench/guests.py --machine-dir $(M)
	$(PY) bench/create_parts.py --machine-dir $(M)
	$(if $(PARTITIONS_XL_IMG),$(MAKE) --no-print-directory bench-isolation)
.PHONY: bench

# The soak: SOAK_CYCLES create/destroy cycles in one boot, watched for leaks
# and stalls; its figures go to bench/RESULTS.md (make test runs a short one).
SOAK_CYCLES ?= 5000
SOAK_LINUX_EVERY ?= 50
soak: $(RUN_FILES)
	$(PY) tests/system/soak.py --machine-dir $(M) --cycles $(SOAK_CYCLES) \
	    --linux-every $(SOAK_LINUX_EVERY)
.PHONY: soak

# A guest in a null-scheduler pool of its own against one sharing a CPU
# (the ENABLE_PARTITIONS=yes card's, booted with this build's DomD disk).
bench-isolation: $(RUN_FILES) partitions-xl-img
	$(PY) bench/isolation.py --machine-dir $(M) --image $(dir $(PARTITIONS_XL_IMG))full.img
.PHONY: bench-isolation

test: check-format test-unit $(B)/aarch64.stamp
	$(MAKE) fuzz-run FUZZ_SECONDS=10
	$(MAKE) test-build
	$(MAKE) test-system
.PHONY: test

clean:
	rm -rf $(B)
.PHONY: clean
