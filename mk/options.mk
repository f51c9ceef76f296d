# Build options: the original's names, choices and defaults (moulin's
# `--help-config`). MACHINE's choices are the folders under platform/; each
# machine's machine.mk says which option values it cannot honour, and why
# (refuse_OPTION_VALUE), or that it cannot be built at all (refuse). A value
# a machine cannot honour stops the build with the reason; nothing is
# ignored quietly.

OPTIONS := MACHINE DOMD_ROOT ENABLE_SCMI ENABLE_WIFI ENABLE_PARTITIONS

MACHINE_CHOICES := $(sort $(patsubst platform/%/machine.mk,%,$(wildcard platform/*/machine.mk)))
# The machines whose images can be built (no `refuse` in their machine.mk).
MACHINES_BUILT := $(foreach m,$(MACHINE_CHOICES),\
  $(if $(shell sed -n 's/^refuse *:\?= *\(.\)/\1/p' platform/$(m)/machine.mk),,$(m)))
MACHINE_DEFAULT := $(firstword $(shell sed -e 's/\#.*//' platform/default))
MACHINE ?= $(MACHINE_DEFAULT)
MACHINE_HELP := Machine: a folder under platform/

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

ENABLE_PARTITIONS_DEFAULT := no
ENABLE_PARTITIONS ?= $(ENABLE_PARTITIONS_DEFAULT)
ENABLE_PARTITIONS_CHOICES := yes no
ENABLE_PARTITIONS_HELP := A null-scheduler CPU pool with a guest Xen starts in it

define check_option
$(if $(filter $($(1)),$($(1)_CHOICES)),,\
  $(error $(1)=$($(1)) is not one of: $($(1)_CHOICES) (see `make help-config`)))
endef
$(foreach o,$(OPTIONS),$(eval $(call check_option,$(o))))

# The machine, as the build sees it; scripts and tests it runs see MACHINE too.
include platform/$(MACHINE)/machine.mk
export MACHINE

ifneq ($(refuse),)
  $(error MACHINE=$(MACHINE): $(refuse))
endif
$(foreach o,$(OPTIONS),$(if $(refuse_$(o)_$($(o))),\
  $(error $(o)=$($(o)): $(refuse_$(o)_$($(o))))))

comma := ,
empty :=
space := $(empty) $(empty)
choices = {$(subst $(space),$(comma),$($(1)_CHOICES))}

# What each machine refuses, read from its machine.mk.
help-config:
	@echo "usage: make $(foreach o,$(OPTIONS),[$(o)=$(call choices,$(o))]) [TARGET...]"
	@echo
	@echo "Config description: pixen, Xen on the Raspberry Pi 5 with a thin control domain"
	@echo
	@echo "options:"
	@$(foreach o,$(OPTIONS),printf '  %-24s %s (default: %s)\n' \
	    "$(o)=$(call choices,$(o))" "$($(o)_HELP)" "$($(o)_DEFAULT)";)
	@echo
	@echo "machines:"
	@for m in $(MACHINE_CHOICES); do \
	    printf '  %-24s %s\n' "$$m" "$$(sed -n 's/^MACHINE_ABOUT *:\?= *//p' platform/$$m/machine.mk)"; \
	done
	@echo
	@echo "Not available yet:"
	@for m in $(MACHINE_CHOICES); do \
	    sed -n -e "s/^refuse *:\?= *\(.*\)/  MACHINE=$$m: \1/p" \
	        -e "s/^refuse_\([A-Z_]*\)_\([a-z0-9]*\) *:\?= *\(.*\)/  \1=\2 on $$m: \3/p" \
	        platform/$$m/machine.mk; \
	done
.PHONY: help-config
