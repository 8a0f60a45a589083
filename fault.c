// SPDX-License-Identifier: GPL-2.0
/*
 * cma_buf fault injection: make the backend allocation fail on demand.
 * Built only on kernels with CONFIG_FAULT_INJECTION_DEBUG_FS.
 */
#include <linux/debugfs.h>
#include <linux/err.h>

#include "fault.h"

static DECLARE_FAULT_ATTR(cma_buf_fail_alloc);
static struct dentry *cma_buf_fault_dir;

void cma_buf_fault_init(void)
{
	/* Optional: without debugfs the module works, uninjectable. */
	cma_buf_fault_dir = fault_create_debugfs_attr("cma_buf_fail_alloc", NULL,
						      &cma_buf_fail_alloc);
	if (IS_ERR(cma_buf_fault_dir))
		cma_buf_fault_dir = NULL;
}

void cma_buf_fault_exit(void)
{
	debugfs_remove_recursive(cma_buf_fault_dir);
}

bool cma_buf_should_fail_alloc(size_t size)
{
	return should_fail(&cma_buf_fail_alloc, size);
}
