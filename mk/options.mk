# Build options: the original's names, choices and defaults (moulin's
# `--help-config`), and what each machine can honour today. A value a machine
# cannot honour stops the build with the reason; nothing is ignored quietly.

OPTIONS := MACHINE DOMD_ROOT ENABLE_SCMI ENABLE_WIFI

MACHINE_DEFAULT := qemu
MACHINE ?= $(MACHINE_DEFAULT)
MACHINE_CHOICES := qemu rpi5
MACHINE_HELP := Machine: QEMU arm64 virt, or Raspberry Pi 5

DOMD_ROOT_DEFAULT := usb
DOMD_ROOT ?= $(DOMD_ROOT_DEFAULT)
DOMD_ROOT_CHOICES := usb nvme
DOMD_ROOT_HELP := DomD root device

ENABLE_SCMI_DEFAULT := no
ENABLE_SCMI ?= $(ENABLE_SCMI_DEFAULT)
ENABLE_SCMI_CHOICES := yes no
ENABLE_SCMI_HELP := Enable ARM SCMI support

ENABLE_WIFI_DEFAULT := no
ENABLE_WIFI ?= $(ENABLE_WIFI_DEFAULT)
ENABLE_WIFI_CHOICES := yes no
ENABLE_WIFI_HELP := Allow wifi in domd

# Why a value cannot be honoured yet, per machine (empty: it can).
refuse_rpi5 = the Raspberry Pi 5 images are not built yet; MACHINE=qemu is the only machine so far
refuse_qemu_ENABLE_SCMI_yes = QEMU's virt machine has no SCMI server in its firmware
refuse_qemu_ENABLE_WIFI_yes = QEMU's virt machine has no Wi-Fi device to give DomD

define check_option
$(if $(filter $($(1)),$($(1)_CHOICES)),,\
  $(error $(1)=$($(1)) is not one of: $($(1)_CHOICES) (see `make help-config`)))
endef
$(foreach o,$(OPTIONS),$(eval $(call check_option,$(o))))

ifneq ($(refuse_$(MACHINE)),)
  $(error MACHINE=$(MACHINE): $(refuse_$(MACHINE)))
endif
$(foreach o,$(OPTIONS),$(if $(refuse_$(MACHINE)_$(o)_$($(o))),\
  $(error $(o)=$($(o)): $(refuse_$(MACHINE)_$(o)_$($(o))))))

comma := ,
empty :=
space := $(empty) $(empty)
choices = {$(subst $(space),$(comma),$($(1)_CHOICES))}

help-config:
	@echo "usage: make $(foreach o,$(OPTIONS),[$(o)=$(call choices,$(o))]) [TARGET...]"
	@echo
	@echo "Config description: pixen, Xen on the Raspberry Pi 5 with a thin control domain"
	@echo
	@echo "options:"
	@$(foreach o,$(OPTIONS),printf '  %-24s %s (default: %s)\n' \
	    "$(o)=$(call choices,$(o))" "$($(o)_HELP)" "$($(o)_DEFAULT)";)
	@echo
	@echo "Not available yet:"
	@echo "  MACHINE=rpi5            $(refuse_rpi5)"
	@echo "  ENABLE_SCMI=yes         on qemu: $(refuse_qemu_ENABLE_SCMI_yes)"
	@echo "  ENABLE_WIFI=yes         on qemu: $(refuse_qemu_ENABLE_WIFI_yes)"
.PHONY: help-config
