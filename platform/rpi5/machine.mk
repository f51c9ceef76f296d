# The Raspberry Pi 5, as the build sees it (the Makefile includes this file;
# its keys are explained in platform/README.md).
MACHINE_ABOUT := Raspberry Pi 5 (BCM2712, 2 GB and up): flash full.img to an SD card

# The firmware hands u-boot Debian's tree from the card, filled in; mkboot
# reads DomD's devices from the same file.
HOST_DTB := kernel:broadcom/bcm2712-rpi-5-b.dtb

# u-boot-rpi reads its environment from uboot.env on the boot partition.
UBOOT_ENV := card:uboot.env

# What the firmware reads (config.txt, u-boot, the device trees), besides
# the boot files. Both trees come from the same kernel package as the
# domains' kernel: the firmware loads the C1 one on every board; boot.scr
# loads the D0 one on a D0 board.
BOOT_EXTRAS := platform:config.txt:config.txt \
	sysroot:usr/lib/u-boot/rpi_arm64/u-boot.bin:u-boot.bin \
	kernel-dtb:broadcom/bcm2712-rpi-5-b.dtb:bcm2712-rpi-5-b.dtb \
	kernel-dtb:broadcom/bcm2712-d-rpi-5-b.dtb:bcm2712-d-rpi-5-b.dtb

# Option values this machine cannot honour, and why.
refuse_ENABLE_SCMI_yes := Xen 4.17 has no SCMI mediator for its guests, and the Pi 5's firmware offers no SCMI server to mediate
