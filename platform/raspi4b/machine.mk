# QEMU's raspi4b: a Raspberry Pi 4B as QEMU 10 emulates it. Not a board
# pixen supports: the Raspberry Pi boot chain under test (Debian's rpi_arm64
# u-boot, boot.scr, Xen 4.17 and Dom0 on a Broadcom tree), booted by a
# system test (tests/system/test_raspi4b.py). The Makefile includes this
# file; its keys are explained in platform/README.md.
MACHINE_ABOUT := QEMU's raspi4b (a Pi 4B as QEMU emulates it): the Pi boot chain under test, not a board

# QEMU plays the firmware: it hands u-boot the tree it is given (-dtb), the
# kernel package's Pi 4 tree, from the card's boot partition.
HOST_DTB := kernel:broadcom/bcm2711-rpi-4-b.dtb

# u-boot-rpi reads its environment from uboot.env on the boot partition.
UBOOT_ENV := card:uboot.env

# What a Pi 4's firmware would read from the card; QEMU takes u-boot and the
# tree from here (emulator.cfg).
BOOT_EXTRAS := sysroot:usr/lib/u-boot/rpi_arm64/u-boot.bin:u-boot.bin \
	kernel-dtb:broadcom/bcm2711-rpi-4-b.dtb:bcm2711-rpi-4-b.dtb

refuse_ENABLE_SCMI_yes := QEMU's raspi4b has no SCMI server
refuse_ENABLE_WIFI_yes := QEMU's raspi4b has no Wi-Fi
refuse_DOMD_ROOT_nvme := QEMU's raspi4b has no driver domain: it emulates neither PCIe nor USB storage a DomD could own
refuse_ENABLE_PARTITIONS_yes := the raspi4b machine proves the Pi's boot chain only; partitions run on qemu and are built for rpi5
