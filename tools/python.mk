# SPDX-License-Identifier: GPL-2.0
# Where the cmabuf Python package goes, for the top Makefile and tools/:
# Debian's python3 reads /usr/lib/python3/dist-packages for PREFIX=/usr and
# /usr/local/lib/python3.N/dist-packages for /usr/local (its site.py).
PYTHON3 ?= /usr/bin/python3
PYTHON3_VERSION ?= $(shell $(PYTHON3) -c 'import sys; print("%d.%d" % sys.version_info[:2])')
PYTHONDIR ?= $(if $(filter /usr,$(PREFIX)),$(PREFIX)/lib/python3/dist-packages,$(PREFIX)/lib/python$(PYTHON3_VERSION)/dist-packages)
