/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fault injection for cma_buf's backend allocation, so tests can drive its
 * error paths: /sys/kernel/debug/cma_buf_fail_alloc/ has the usual knobs
 * (probability, times, interval, task-filter, ...) of the kernel's fault
 * injection framework, where the kernel has it.
 */
#ifndef _CMA_BUF_FAULT_H
#define _CMA_BUF_FAULT_H

#include <linux/fault-inject.h>
#include <linux/types.h>

#ifdef CONFIG_FAULT_INJECTION_DEBUG_FS
void cma_buf_fault_init(void);
void cma_buf_fault_exit(void);
bool cma_buf_should_fail_alloc(size_t size);
#else
static inline void cma_buf_fault_init(void) { }
static inline void cma_buf_fault_exit(void) { }
static inline bool cma_buf_should_fail_alloc(size_t size) { return false; }
#endif

#endif /* _CMA_BUF_FAULT_H */
