# QEMU's arm64 virt machine, as the build sees it (the Makefile includes
# this file; its keys are explained in platform/README.md).
MACHINE_ABOUT := QEMU's arm64 virt machine, which every test boots

# The device tree the firmware hands u-boot, which mkboot reads for DomD's
# dtdev: QEMU's own, dumped for the machine emulator.cfg starts.
HOST_DTB := emulator

# u-boot-qemu reads its environment from the second of the virt machine's
# 64 MiB flash banks: an image of that bank, which `make run` attaches.
UBOOT_ENV := flash:64

# Nothing on the boot partition besides what every machine has: QEMU loads
# u-boot itself (-bios).
BOOT_EXTRAS :=

# Option values this machine cannot honour, and why.
refuse_ENABLE_SCMI_yes := QEMU's virt machine has no SCMI server in its firmware
refuse_ENABLE_WIFI_yes := QEMU's virt machine has no Wi-Fi device to give DomD
