// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * SVA without an IOMMU (rule memory.sva): a context bound with OA_BIND_SVA holds a reference on the
 * binder's mm (mmgrab: the struct, not the address space), and the engine reaches process virtual
 * addresses by entering that mm (kthread_use_mm) for the command. Operands go through bounce buffers:
 * every range is checked before anything is read, the sources are copied in, the function runs on the
 * copies, and dst is copied out at the end, so a page the process unmaps meanwhile is not written.
 * The binding ends when the process exits: its mm has no users left and mmget_not_zero() fails.
 */
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/kthread.h>
#include <linux/sched/mm.h>
#include <linux/shmem_fs.h>
#include <linux/uaccess.h>
#include <linux/userfaultfd_k.h>
#include "oa_drv.h"

/* BIND_CONTEXT with OA_BIND_SVA, under of->lock before the owner is published. */
int oa_sva_bind(struct oa_file *of)
{
	if (!current->mm)
		return -ENOSPC;
	mmgrab(current->mm);
	of->sva_mm = current->mm;
	return 0;
}

void oa_sva_unbind(struct oa_file *of)
{
	if (of->sva_mm)
		mmdrop(of->sva_mm);
	of->sva_mm = NULL;
}

/* Whether the context is bound with SVA and its process still has its address space. */
bool oa_sva_live(struct oa_file *of)
{
	/* acquire: sva_mm is published with the owner (BIND_CONTEXT) */
	return smp_load_acquire(&of->owner) && of->sva_mm &&
	       atomic_read(&of->sva_mm->mm_users) > 0;
}

/* Enters the bound address space for one command; NULL when unbound or the process has exited. */
struct mm_struct *oa_sva_enter(struct oa_file *of)
{
	/* Pairs with the release store of owner in bind: sva_mm is set before owner is seen. */
	struct mm_struct *mm = smp_load_acquire(&of->owner) ? of->sva_mm : NULL;

	if (!mm || !mmget_not_zero(mm))
		return NULL;
	kthread_use_mm(mm);
	return mm;
}

void oa_sva_leave(struct mm_struct *mm)
{
	kthread_unuse_mm(mm);
	mmput(mm);
}

/*
 * A mapping the engine may fault in: anonymous or shmem memory with the access asked. Mappings whose
 * faults another process serves (userfaultfd, FUSE and other files) are refused, since the engine
 * would sleep on them holding its queue; so are PFN and I/O mappings.
 */
static bool vma_ok(struct vm_area_struct *vma, bool write)
{
	if (!(vma->vm_flags & (write ? VM_WRITE : VM_READ)))
		return false;
	if (vma->vm_flags & (VM_IO | VM_PFNMAP) || userfaultfd_armed(vma))
		return false;
	return vma_is_anonymous(vma) ||
	       (vma->vm_file && shmem_file(vma->vm_file));
}

/* Whether [addr, addr + len) is mapped with the access asked (rule memory.access for SVA). */
static bool range_mapped(struct mm_struct *mm, u64 addr, u32 len, bool write)
{
	struct vm_area_struct *vma;
	bool ok = false;
	u64 end;

	if (check_add_overflow(addr, (u64)len, &end) || end > mm->task_size)
		return false;
	mmap_read_lock(mm);
	while (addr < end) {
		vma = find_vma(mm, addr);
		if (!vma || vma->vm_start > addr || !vma_ok(vma, write))
			goto out;
		addr = vma->vm_end;
	}
	ok = true;
out:
	mmap_read_unlock(mm);
	return ok;
}

/*
 * Checks a range in the entered mm for the accesses the command makes and, when it reads the range,
 * copies it into buf. What it writes goes out through oa_sva_copy_out once the function has run.
 */
bool oa_sva_copy_in(struct mm_struct *mm, const struct oa_sva_range *r,
		    bool read, bool write, u8 *buf)
{
	if (!r->len)
		return true;
	if ((read && !range_mapped(mm, r->addr, r->len, false)) ||
	    (write && !range_mapped(mm, r->addr, r->len, true)))
		return false;
	return !read || !copy_from_user(buf, u64_to_user_ptr(r->addr), r->len);
}

/* Writes len bytes of a destination; false when a page went away since the check. */
bool oa_sva_copy_out(const struct oa_sva_range *r, const u8 *buf, u32 len)
{
	return !len || !copy_to_user(u64_to_user_ptr(r->addr), buf, len);
}
