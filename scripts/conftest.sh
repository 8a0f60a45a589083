#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Probe the target kernel for what compat.h has to bridge, and print the
# compiler flags that say so. Features are read from the kernel's own headers
# and Module.symvers, never inferred from version numbers: distributions
# backport (RHEL 9.4 has vm_flags_set() on 5.14, GKI exports cma_alloc()).
#
#   conftest.sh SRCTREE OBJTREE
set -u
src=$1
obj=$2

have() { echo "-DCMA_BUF_HAVE_$1"; }
exported() { grep -qE "^0x[0-9a-f]+[[:space:]]$1[[:space:]]" "$obj/Module.symvers" 2>/dev/null; }
header_has() { grep -qE "$2" "$src/include/$1" 2>/dev/null; }

# The 7.1 CMA exports, or a kernel patched to have them.
if exported cma_alloc && exported cma_release && exported dev_get_cma_area; then
	have CMA_API
	exported cma_get_name && have CMA_GET_NAME
	# 7.2: every reserved CMA area, by index
	exported dma_contiguous_get_area_by_idx && have CMA_AREA_BY_IDX
fi
# 6.3, "mm: introduce vma->vm_flags wrapper functions"
header_has linux/mm.h 'static inline void vm_flags_set\(' && have VM_FLAGS_SET
# 6.4, "driver core: class: mark the struct class for sysfs callbacks as constant"
header_has linux/device/class.h '\(\*show\)\(const struct class \*' && have CONST_CLASS_ATTR
header_has linux/device/class.h '\(\*show\)\(const struct class \*class, const struct class_attribute \*' &&
	have CONST_CLASS_ATTR_ARG
# 6.2, "driver core: make struct class.devnode() take a const *"
header_has linux/device/class.h 'char \*\(\*devnode\)\(const struct device \*' && have CONST_DEVNODE
# 6.4, "driver core: class: remove struct module owner out of struct class"
header_has linux/device/class.h '^[[:space:]]*struct module[[:space:]]+\*owner;' && have CLASS_OWNER
# 6.13, "module: Convert symbol namespace to string literal"
header_has linux/module.h 'MODULE_INFO\(import_ns, ns\)' && have NS_STRING
# 6.18, "mm: remove nth_page()"
header_has linux/mm.h 'define nth_page\(' && have NTH_PAGE
# 6.4, "mm, treewide: redefine MAX_ORDER sanely"; 6.8, "... rename MAX_ORDER to MAX_PAGE_ORDER"
header_has linux/mmzone.h '#define MAX_PAGE_ORDER' && have MAX_PAGE_ORDER
header_has linux/mmzone.h 'MAX_ORDER_NR_PAGES \(1 << MAX_ORDER\)' && have MAX_ORDER_INCLUSIVE
# "slab: Introduce kmalloc_obj() and family"
header_has linux/slab.h '#define kzalloc_obj\(' && have KZALLOC_OBJ
# 5.18, "dma-buf-map: Rename to iosys-map"; 5.11 introduced struct dma_buf_map
header_has linux/iosys-map.h 'struct iosys_map \{' && have IOSYS_MAP
header_has linux/dma-buf-map.h 'struct dma_buf_map \{' && have DMA_BUF_MAP
# 5.6, "x86/mm/pat: Rename <asm/pat.h> => <asm/memtype.h>"
[ -f "$src/arch/x86/include/asm/memtype.h" ] && have ASM_MEMTYPE_H
# 5.10, "dma-mapping: merge <linux/dma-contiguous.h> into <linux/dma-map-ops.h>"
header_has linux/dma-map-ops.h 'dev_get_cma_area' && have DMA_MAP_OPS_H
# 6.16, "mm: introduce new .mmap_prepare() file callback"; 7.1, vm_ops->mapped(), which
# counting mappings needs; the bridge for an mmap() handed a VMA comes with them.
header_has linux/mm.h 'int \(\*mapped\)\(unsigned long start' &&
	header_has linux/fs.h 'int __compat_vma_mmap\(struct vm_area_desc' && have MMAP_PREPARE
# 6.17, "mm: Remove pXX_devmap page table bit and pfn_t type"
[ -f "$src/include/linux/pfn_t.h" ] && have PFN_T
# 6.10, "mm: switch mm->get_unmapped_area() to a flag"; the mm argument went later
header_has linux/sched/mm.h 'mm_get_unmapped_area\(struct mm_struct \*mm' && have MM_GET_UNMAPPED_AREA_MM
header_has linux/sched/mm.h 'mm_get_unmapped_area\(struct file' && have MM_GET_UNMAPPED_AREA
# 6.15, "mm/memory: add vmf_insert_page_mkwrite()"
header_has linux/mm.h 'vm_fault_t vmf_insert_page_mkwrite\(' && have INSERT_PAGE_MKWRITE
exit 0
