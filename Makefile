# SPDX-License-Identifier: GPL-2.0
# cma_buf: build the module against KDIR; everything else is a script under
# tests/ or scripts/ (see README.md).

KDIR ?= /lib/modules/$(shell uname -r)/build

all: modules

# Without a build tree kbuild says only "No such file or directory": say
# what to install instead.
kdir-check:
	@test -f "$(KDIR)/Makefile" || { \
		echo "cma_buf: no kernel build tree at $(KDIR)"; \
		echo "  Debian/Ubuntu: apt-get install linux-headers-$(shell uname -r)"; \
		echo "  elsewhere: install your board's or distribution's kernel headers package,"; \
		echo "  or point at a configured and built kernel tree: make KDIR=/path/to/linux"; \
		exit 1; } >&2

modules: kdir-check
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

modules_install: kdir-check
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

# checkpatch --strict of 6.1, 6.12 and 7.x over the sources git tracks.
lint:
	scripts/lint.sh

# W=1 and sparse against Debian's 6.1, 6.12 and 7.x headers (amd64, arm64,
# rt-amd64), each with its kernel's compiler.
matrix:
	scripts/matrix.sh

vm:
	tests/vm.sh

vm-run:
	@test -n "$$CMD" || { echo "usage: make vm-run CMD='...' [EXTRA=dir] [MODPARAMS='...'] [KERNEL=test|stock|bench] [KVER=7|6.12|6.1] [ARCH=x86_64|arm64] [ROOT=debian]"; exit 2; }
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

# Installing (README.md, "Installing"). DESTDIR must be absolute, PREFIX is
# /usr/local unless given. The module goes to /lib/modules/<release>/extra of
# the kernel in KDIR; its release is read from KDIR, or give KRELEASE.
# depmod runs only when DESTDIR is empty: a staged tree (a package) has no
# module index of its own to update, and its package's postinst runs depmod.
# Rules, modprobe.d and sysusers.d go under $(PREFIX)/lib, which systemd-udevd,
# kmod >= 29 and systemd-sysusers all read for /usr/local as for /usr; give
# UDEVDIR=/lib/udev (and so on) for an older or different udev.
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
MANDIR ?= $(PREFIX)/share/man
# Absent from the DKMS source, which installs no tools.
-include $(CURDIR)/tools/python.mk
UDEVDIR ?= $(PREFIX)/lib/udev
UDEVRULESDIR ?= $(UDEVDIR)/rules.d
MODPROBEDIR ?= $(PREFIX)/lib/modprobe.d
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
KRELEASE ?= $(shell sed -n 's/^\#define UTS_RELEASE "\(.*\)"/\1/p' $(KDIR)/include/generated/utsrelease.h 2>/dev/null)
# The package version lives in dkms.conf only.
VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' $(CURDIR)/dkms.conf)
D := $(if $(DESTDIR),$(abspath $(DESTDIR)))
MODDIR = $(D)/lib/modules/$(KRELEASE)/extra

install: install-module install-tools install-data

install-module: modules
	@test -n "$(KRELEASE)" || { echo "no kernel release in $(KDIR): give KRELEASE="; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_PATH=$(D) INSTALL_MOD_DIR=extra \
		DEPMOD=true modules_install
	$(if $(D),@echo "DESTDIR set: depmod left to the package",depmod -a $(KRELEASE))

install-tools:
	$(MAKE) -C tools install DESTDIR=$(D) PREFIX=$(PREFIX) BINDIR=$(BINDIR) \
		LIBDIR=$(LIBDIR) INCLUDEDIR=$(INCLUDEDIR) MANDIR=$(MANDIR) PYTHONDIR=$(PYTHONDIR)

install-data:
	install -d $(D)$(INCLUDEDIR)/linux $(D)$(UDEVRULESDIR) $(D)$(MODPROBEDIR) \
		$(D)$(SYSUSERSDIR)
	install -m 0644 include/uapi/linux/cma_buf.h $(D)$(INCLUDEDIR)/linux/cma_buf.h
	install -m 0755 udev/cma_buf-group.sh $(D)$(UDEVDIR)/cma_buf-group.sh
	sed -e 's|@UDEVHELPER@|$(UDEVDIR)/cma_buf-group.sh|' -e 's|@SYSUSERSDIR@|$(SYSUSERSDIR)|' \
		udev/70-cma_buf.rules.in >$(D)$(UDEVRULESDIR)/70-cma_buf.rules
	chmod 0644 $(D)$(UDEVRULESDIR)/70-cma_buf.rules
	install -m 0644 modprobe.d/cma_buf.conf $(D)$(MODPROBEDIR)/cma_buf.conf
	install -m 0644 udev/cma_buf.sysusers $(D)$(SYSUSERSDIR)/cma_buf.conf

uninstall:
	@test -n "$(KRELEASE)" || { echo "no kernel release in $(KDIR): give KRELEASE="; exit 1; }
	rm -f $(MODDIR)/cma-buf.ko $(MODDIR)/cma-buf.ko.gz $(MODDIR)/cma-buf.ko.xz \
		$(MODDIR)/cma-buf.ko.zst
	-rmdir --ignore-fail-on-non-empty $(MODDIR) 2>/dev/null
	$(if $(D),,depmod -a $(KRELEASE))
	rm -f $(D)$(BINDIR)/cmabuf $(D)$(LIBDIR)/libcmabuf.a $(D)$(LIBDIR)/libcmabuf.so \
		$(D)$(LIBDIR)/libcmabuf.so.* $(D)$(LIBDIR)/pkgconfig/cmabuf.pc \
		$(D)$(INCLUDEDIR)/cmabuf.h $(D)$(MANDIR)/man1/cmabuf.1
	rm -rf $(D)$(PYTHONDIR)/cmabuf
	rm -f $(D)$(INCLUDEDIR)/linux/cma_buf.h $(D)$(UDEVDIR)/cma_buf-group.sh \
		$(D)$(UDEVRULESDIR)/70-cma_buf.rules $(D)$(MODPROBEDIR)/cma_buf.conf \
		$(D)$(SYSUSERSDIR)/cma_buf.conf

# DKMS: the source dkms builds from, then add/build/install for KRELEASE
# (default: the kernel in KDIR, i.e. the running one).
DKMS_SRC = $(D)/usr/src/cma_buf-$(VERSION)
dkms-source:
	rm -rf $(DKMS_SRC)
	install -d $(DKMS_SRC)/scripts $(DKMS_SRC)/include/uapi/linux
	cp -p Makefile Kbuild dkms.conf $(wildcard *.c *.h) $(DKMS_SRC)/
	cp -p scripts/conftest.sh $(DKMS_SRC)/scripts/
	cp -p include/uapi/linux/cma_buf.h $(DKMS_SRC)/include/uapi/linux/

dkms-install: dkms-source
	dkms status cma_buf/$(VERSION) | grep -q . || dkms add cma_buf/$(VERSION)
	dkms build cma_buf/$(VERSION) -k $(KRELEASE)
	dkms install cma_buf/$(VERSION) -k $(KRELEASE)

dkms-uninstall:
	dkms remove cma_buf/$(VERSION) --all
	rm -rf $(DKMS_SRC)

.PHONY: all kdir-check modules modules_install clean kernel check demo lint matrix vm vm-run bench stress tools \
	install install-module install-tools install-data uninstall dkms-source dkms-install \
	dkms-uninstall
