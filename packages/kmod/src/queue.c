// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Queues: three vmalloc'ed regions per queue (doorbell page, SQ, CQ), each mappable once. A region
 * lives until both the queue and every mapping of it are gone, so a process that keeps a mapping of a
 * destroyed queue reads stale memory instead of faulting, and the device no longer touches it.
 */
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include "oa.h"

static struct oa_region *region_alloc(size_t size, u64 offset)
{
	struct oa_region *r = kzalloc(sizeof(*r), GFP_KERNEL);

	if (!r)
		return NULL;
	r->vaddr = vmalloc_user(
		size); /* zeroed: the CQ starts with every phase bit 0 */
	if (!r->vaddr) {
		kfree(r);
		return NULL;
	}
	kref_init(&r->ref);
	r->size = size;
	r->offset = offset;
	return r;
}

static void region_free(struct kref *k)
{
	struct oa_region *r = container_of(k, struct oa_region, ref);

	vfree(r->vaddr);
	kfree(r);
}

static void region_put(struct oa_region *r)
{
	if (r)
		kref_put(&r->ref, region_free);
}

static void queue_free(struct oa_queue *q)
{
	struct oa_dev *d = q->ctx->dev;

	/* Off the engine's list first: from here on the device does not read or write the regions. */
	mutex_lock(&d->qlock);
	if (!list_empty(&q->node))
		list_del_init(&q->node);
	mutex_unlock(&d->qlock);
	if (q->efd)
		eventfd_ctx_put(q->efd);
	region_put(q->db);
	region_put(q->sq);
	region_put(q->cq);
	atomic_dec(&d->queues_in_use);
	kfree(q);
}

long oa_create_queue(struct oa_ctx *ctx, struct oa_create_queue *a)
{
	struct oa_dev *d = ctx->dev;
	u32 sq = a->sq_entries,
	    cq = a->cq_entries ? a->cq_entries : a->sq_entries, id;
	struct oa_queue *q;
	u64 base;
	int ret;

	if (!is_power_of_2(sq) || sq < OA_MIN_QUEUE_ENTRIES ||
	    sq > OA_MAX_SQ_ENTRIES)
		return -EINVAL;
	if (!is_power_of_2(cq) || cq < sq || cq > OA_MAX_CQ_ENTRIES)
		return -EINVAL;
	if (atomic_inc_return(&d->queues_in_use) > d->max_queues) {
		atomic_dec(&d->queues_in_use);
		return -ENOSPC;
	}
	q = kzalloc(sizeof(*q), GFP_KERNEL);
	if (!q) {
		atomic_dec(&d->queues_in_use);
		return -ENOMEM;
	}
	INIT_LIST_HEAD(&q->node);
	q->ctx = ctx;
	q->sq_entries = sq;
	q->cq_entries = cq;
	ret = xa_alloc(&ctx->queues, &id, q, XA_LIMIT(1, 0xffff), GFP_KERNEL);
	if (ret) {
		atomic_dec(&d->queues_in_use);
		kfree(q);
		return ret == -EBUSY ? -ENOSPC : ret;
	}
	q->id = id;
	/* Offsets are opaque to user space: the queue id and the region, page aligned, private to the context. */
	base = (u64)id << 24;
	q->db = region_alloc(PAGE_ALIGN(OA_DOORBELL_REGION_SIZE), base);
	q->sq = region_alloc(PAGE_ALIGN(sq * OA_SQE_SIZE), base + PAGE_SIZE);
	q->cq = region_alloc(PAGE_ALIGN(cq * OA_CQE_SIZE),
			     base + 2 * PAGE_SIZE);
	if (!q->db || !q->sq || !q->cq) {
		xa_erase(&ctx->queues, id);
		queue_free(q);
		return -ENOMEM;
	}
	mutex_lock(&d->qlock);
	list_add_tail(&q->node, &d->queues);
	mutex_unlock(&d->qlock);
	a->queue_id = id;
	a->doorbell_size = q->db->size;
	a->sq_size = q->sq->size;
	a->cq_size = q->cq->size;
	a->doorbell_offset = q->db->offset;
	a->sq_offset = q->sq->offset;
	a->cq_offset = q->cq->offset;
	return 0;
}

long oa_destroy_queue(struct oa_ctx *ctx, u32 id)
{
	struct oa_queue *q = xa_erase(&ctx->queues, id);

	if (!q)
		return -ENOENT;
	queue_free(q);
	return 0;
}

long oa_set_eventfd(struct oa_ctx *ctx, struct oa_set_eventfd *a)
{
	struct oa_queue *q = xa_load(&ctx->queues, a->queue_id);
	struct eventfd_ctx *efd = NULL, *old;

	if (!q)
		return -ENOENT;
	if (!(ctx->dev->caps & OA_CAP_EVENTFD))
		return -EOPNOTSUPP;
	if (a->eventfd != -1) {
		efd = eventfd_ctx_fdget(
			a->eventfd); /* EBADF for a closed fd, EINVAL for another kind of file */
		if (IS_ERR(efd))
			return PTR_ERR(efd);
	}
	mutex_lock(&ctx->dev->qlock);
	old = q->efd;
	q->efd = efd;
	mutex_unlock(&ctx->dev->qlock);
	if (old)
		eventfd_ctx_put(old);
	return 0;
}

/* The syscall path: publish the tail, wake the engine, and with OA_SUBMIT_WAIT sleep until it is all done. */
long oa_submit(struct oa_ctx *ctx, struct oa_submit *a)
{
	struct oa_queue *q;
	struct oa_doorbell *db;
	long left;
	u32 head;

	mutex_lock(&ctx->lock);
	q = xa_load(&ctx->queues, a->queue_id);
	if (!q) {
		mutex_unlock(&ctx->lock);
		return -ENOENT;
	}
	db = q->db->vaddr;
	if (READ_ONCE(db->flags) & OA_DOORBELL_ERROR) {
		mutex_unlock(&ctx->lock);
		return -EIO;
	}
	/* acquire: the device's head, to refuse an overrun */
	head = smp_load_acquire(&db->sq_head);
	if (a->sq_tail - head > q->sq_entries) {
		mutex_unlock(&ctx->lock);
		return -EINVAL;
	}
	/* release: the user's entries are visible before the tail */
	smp_store_release(&db->sq_tail, a->sq_tail);
	oa_engine_kick(ctx->dev);
	if (a->flags & OA_SUBMIT_WAIT) {
		/* ctx->lock stays held: the queue cannot be destroyed while we wait on it. */
		left = wait_event_interruptible_timeout(
			ctx->dev->done_wq,
			(s32)(READ_ONCE(db->cq_tail) - a->sq_tail) >= 0,
			a->timeout_ns ? max_t(long, 1,
					      nsecs_to_jiffies(a->timeout_ns)) :
					MAX_SCHEDULE_TIMEOUT);
		if (left == 0) {
			mutex_unlock(&ctx->lock);
			return -ETIMEDOUT;
		}
		if (left < 0) {
			mutex_unlock(&ctx->lock);
			return -EINTR;
		}
	}
	/* acquire: report the device's current indices */
	a->sq_head = smp_load_acquire(&db->sq_head);
	/* acquire: the completions before cq_tail are visible */
	a->cq_tail = smp_load_acquire(&db->cq_tail);
	mutex_unlock(&ctx->lock);
	return 0;
}

static void oa_vm_open(struct vm_area_struct *vma)
{
	kref_get(&((struct oa_region *)vma->vm_private_data)->ref);
}

static void oa_vm_close(struct vm_area_struct *vma)
{
	region_put(vma->vm_private_data);
}

static const struct vm_operations_struct oa_vm_ops = { .open = oa_vm_open,
						       .close = oa_vm_close };

/* mmap of a queue region, with the spec's mmap rules in order. */
int oa_mmap(struct file *f, struct vm_area_struct *vma)
{
	struct oa_ctx *ctx = f->private_data;
	u64 offset = (u64)vma->vm_pgoff << PAGE_SHIFT;
	size_t len = vma->vm_end - vma->vm_start;
	struct oa_region *r = NULL;
	struct oa_queue *q;
	unsigned long id;
	int ret;

	if (READ_ONCE(ctx->bound) && current->tgid != ctx->tgid)
		return -EPERM;
	mutex_lock(&ctx->lock);
	xa_for_each(&ctx->queues, id, q) {
		if (q->db->offset == offset)
			r = q->db;
		else if (q->sq->offset == offset)
			r = q->sq;
		else if (q->cq->offset == offset)
			r = q->cq;
		if (r)
			break;
	}
	ret = -EINVAL;
	if (!r || len != r->size || !(vma->vm_flags & VM_SHARED))
		goto out;
	ret = -EPERM;
	if (vma->vm_flags & VM_EXEC)
		goto out;
	ret = -EEXIST;
	if (r->mapped)
		goto out;
	ret = remap_vmalloc_range(vma, r->vaddr, 0);
	if (ret)
		goto out;
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
	vm_flags_set(vma, VM_DONTCOPY | VM_DONTEXPAND);
	vm_flags_clear(vma, VM_MAYEXEC);
#else
	vma->vm_flags |= VM_DONTCOPY | VM_DONTEXPAND;
	vma->vm_flags &= ~VM_MAYEXEC;
#endif
	vma->vm_private_data = r;
	vma->vm_ops = &oa_vm_ops;
	kref_get(&r->ref);
	r->mapped = true;
out:
	mutex_unlock(&ctx->lock);
	return ret;
}

void oa_ctx_drop_queues(struct oa_ctx *ctx)
{
	struct oa_queue *q;
	unsigned long id;

	xa_for_each(&ctx->queues, id, q) {
		xa_erase(&ctx->queues, id);
		queue_free(q);
	}
}
