# The Raspberry Pi 5: not built yet (its images are the next step).
MACHINE_ABOUT := Raspberry Pi 5
refuse := the Raspberry Pi 5 images are not built yet; MACHINE=qemu is the only machine so far
