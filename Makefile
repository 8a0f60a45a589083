# SPDX-License-Identifier: GPL-2.0
# cma_buf: build the module against KDIR; everything else is a script under
# tests/ or scripts/ (see README.md).

KDIR ?= /lib/modules/$(shell uname -r)/build

all: modules

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

modules_install:
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_DIR=extra modules_install

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null || true
	rm -rf build

# The test kernel (cached outside the tree, see tests/kernel/build.sh).
kernel:
	tests/kernel/build.sh x86_64 test

check:
	tests/check.sh

demo:
	tests/demo.sh

lint:
	scripts/lint.sh

vm:
	tests/vm.sh

vm-run:
	@test -n "$$CMD" || { echo "usage: make vm-run CMD='...' [EXTRA=dir] [MODPARAMS='...'] [KERNEL=test|stock]"; exit 2; }
	tests/vm.sh

# Benchmarks against the kernel's CMA heap, on a kernel without debug checks.
bench:
	tests/bench/bench.sh

# Long random-operation fuzzing and fault injection in the debug VM.
stress:
	tests/fuzz/stress.sh

# User-space library and CLI.
tools:
	$(MAKE) -C tools

.PHONY: all modules modules_install clean kernel check demo lint vm vm-run bench stress tools
