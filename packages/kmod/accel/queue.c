// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Queues: five GEM regions each (doorbell, control, status, SQ, CQ), on the device's engine list.
 * Nothing a user waits for is done under a lock the engine holds while it runs commands: SUBMIT reads
 * the engine's indices locklessly and sleeps on the queue's wait queue with no lock held.
 */
#include <drm/drm_gem.h>
#include <drm/drm_vma_manager.h>
#include <linux/eventfd.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include "oa_drv.h"

static void oa_queue_release(struct kref *ref)
{
	struct oa_queue *q = container_of(ref, struct oa_queue, ref);
	struct oa_bo *regions[] = { q->doorbell, q->control, q->status, q->sq,
				    q->cq };
	int i;

	for (i = 0; i < ARRAY_SIZE(regions); i++)
		if (regions[i])
			drm_gem_object_put(&regions[i]->base.base);
	if (q->efd)
		eventfd_ctx_put(q->efd);
	atomic_dec(&q->dev->queues_in_use);
	mutex_destroy(&q->lock);
	kfree(q);
}

void oa_queue_put(struct oa_queue *q)
{
	kref_put(&q->ref, oa_queue_release);
}

/* Flags of the status region change by compare-and-swap: the engine and SUBMIT both write them. */
void oa_queue_set_flags(struct oa_queue *q, u32 set, u32 clear)
{
	struct oa_queue_status *st = q->status->vaddr;
	u32 old = READ_ONCE(st->flags);

	while (!try_cmpxchg(&st->flags, &old, (old | set) & ~clear))
		;
}

/* Stops a queue for good (ring.overrun, destroy, close) and wakes everyone who waits on it. */
void oa_queue_stop(struct oa_queue *q)
{
	WRITE_ONCE(q->stopped, true);
	oa_queue_set_flags(q, OA_QUEUE_ERROR, 0);
	wake_up_all(&q->done_wq);
}

/* The file may map the regions of its live queues only. */
static void revoke_regions(struct oa_queue *q, struct drm_file *file)
{
	struct oa_bo *regions[] = { q->doorbell, q->control, q->status, q->sq,
				    q->cq };
	int i;

	for (i = 0; i < ARRAY_SIZE(regions); i++)
		if (regions[i])
			drm_vma_node_revoke(&regions[i]->base.base.vma_node,
					    file);
}

/* Takes the queue off the engine and the file; the engine is done with it when this returns. */
static void oa_queue_destroy(struct oa_queue *q)
{
	struct oa_file *of = q->of;

	mutex_lock(&q->dev->list_lock);
	list_del(&q->node);
	mutex_unlock(&q->dev->list_lock);
	/* Stopped first: the engine checks between commands, so it leaves the queue after the current one. */
	oa_queue_stop(q);
	mutex_lock(&q->lock); /* waits for that command to end */
	mutex_unlock(&q->lock);
	oa_batch_cancel_all(q);
	revoke_regions(q, of->file);
	oa_queue_put(q);
}

void oa_file_stop_queues(struct oa_file *of)
{
	struct oa_queue *q;
	unsigned long id;

	mutex_lock(&of->lock);
	xa_for_each(&of->queues, id, q) {
		xa_erase(&of->queues, id);
		of->nqueues--;
		oa_queue_destroy(q);
	}
	mutex_unlock(&of->lock);
}

static struct oa_bo *region(struct oa_queue *q, size_t bytes,
			    enum oa_bo_kind kind, u32 *size, u64 *offset,
			    int *err)
{
	struct oa_bo *bo;

	if (*err)
		return NULL;
	bo = oa_bo_create(q->dev, PAGE_ALIGN(bytes), kind);
	if (IS_ERR(bo)) {
		*err = PTR_ERR(bo);
		return NULL;
	}
	*err = drm_vma_node_allow(&bo->base.base.vma_node, q->of->file);
	if (*err) {
		drm_gem_object_put(&bo->base.base);
		return NULL;
	}
	*size = bo->base.base.size;
	*offset = drm_vma_node_offset_addr(&bo->base.base.vma_node);
	return bo;
}

static bool entries_ok(u32 n, u32 min, u32 max)
{
	return is_power_of_2(n) && n >= min && n <= max;
}

int oa_create_queue(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct oa_dev *d = to_oa_dev(drm);
	struct oa_file *of = file->driver_priv;
	struct oa_create_queue *a = data;
	struct oa_create_queue out = {};
	struct oa_queue *q;
	u32 id, cq_entries;
	int ret = oa_ctx_check(of, a->flags, OA_QUEUE_FLAGS_VALID_MASK,
			       a->reserved, true);

	if (ret)
		return ret;
	cq_entries = a->cq_entries ? a->cq_entries : a->sq_entries;
	if (!entries_ok(a->sq_entries, OA_MIN_QUEUE_ENTRIES, OA_MAX_SQ_ENTRIES))
		return -EINVAL;
	if (!entries_ok(cq_entries, a->sq_entries, OA_MAX_CQ_ENTRIES))
		return -EINVAL;
	if ((a->flags & OA_QUEUE_SYNCOBJ) && !(d->caps & OA_CAP_SYNCOBJ))
		return -EOPNOTSUPP;
	if (atomic_inc_return(&d->queues_in_use) > d->max_queues) {
		atomic_dec(&d->queues_in_use);
		return -ENOSPC;
	}
	q = kzalloc(sizeof(*q), GFP_KERNEL_ACCOUNT);
	if (!q) {
		atomic_dec(&d->queues_in_use);
		return -ENOMEM;
	}
	kref_init(&q->ref);
	q->dev = d;
	q->of = of;
	q->flags = a->flags;
	q->sq_entries = a->sq_entries;
	q->cq_entries = cq_entries;
	mutex_init(&q->lock);
	init_waitqueue_head(&q->done_wq);
	spin_lock_init(&q->efd_lock);
	spin_lock_init(&q->batch_lock);
	INIT_LIST_HEAD(&q->batches);
	INIT_LIST_HEAD(&q->node);
	q->fence_context = dma_fence_context_alloc(1);
	if (!(a->flags & OA_QUEUE_SYNCOBJ))
		q->doorbell = region(q, OA_DOORBELL_SIZE, OA_BO_REGION_RW,
				     &out.doorbell_size, &out.doorbell_offset,
				     &ret);
	q->control = region(q, OA_QUEUE_CONTROL_SIZE, OA_BO_REGION_RW,
			    &out.control_size, &out.control_offset, &ret);
	q->status = region(q, OA_QUEUE_STATUS_SIZE, OA_BO_REGION_RO,
			   &out.status_size, &out.status_offset, &ret);
	q->sq = region(q, (size_t)q->sq_entries * OA_SQE_SIZE, OA_BO_REGION_RW,
		       &out.sq_size, &out.sq_offset, &ret);
	q->cq = region(q, (size_t)q->cq_entries * OA_CQE_SIZE, OA_BO_REGION_RO,
		       &out.cq_size, &out.cq_offset, &ret);
	if (ret)
		goto fail;
	/* A new queue asks for a system call until the engine polls it (rule queue.initial-state). */
	((struct oa_queue_status *)q->status->vaddr)->flags =
		OA_QUEUE_NEED_WAKEUP;
	mutex_lock(&of->lock);
	ret = xa_alloc(&of->queues, &id, q, xa_limit_31b, GFP_KERNEL_ACCOUNT);
	if (!ret) {
		q->id = id;
		of->nqueues++;
		mutex_lock(&d->list_lock);
		list_add_tail(&q->node, &d->queues);
		mutex_unlock(&d->list_lock);
	}
	mutex_unlock(&of->lock);
	if (ret)
		goto fail;
	out.flags = a->flags;
	out.sq_entries = a->sq_entries;
	out.cq_entries = a->cq_entries;
	out.queue_id = q->id;
	*a = out;
	return 0;
fail:
	revoke_regions(q, file);
	oa_queue_put(q);
	return ret;
}

/* Looks a queue of the file up and takes a reference for the caller. */
static struct oa_queue *queue_get(struct oa_file *of, u32 id)
{
	struct oa_queue *q;

	xa_lock(&of->queues);
	q = xa_load(&of->queues, id);
	if (q)
		kref_get(&q->ref);
	xa_unlock(&of->queues);
	return q;
}

int oa_destroy_queue(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct oa_file *of = file->driver_priv;
	struct oa_destroy_queue *a = data;
	struct oa_queue *q;
	int ret = oa_ctx_check(of, 0, 0, a->reserved, true);

	if (ret)
		return ret;
	mutex_lock(&of->lock);
	q = xa_erase(&of->queues, a->queue_id);
	if (q)
		of->nqueues--;
	mutex_unlock(&of->lock);
	if (!q)
		return -ENOENT;
	oa_queue_destroy(q);
	return 0;
}

int oa_set_eventfd(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct oa_dev *d = to_oa_dev(drm);
	struct oa_file *of = file->driver_priv;
	struct oa_set_eventfd *a = data;
	struct eventfd_ctx *efd = NULL, *old;
	struct oa_queue *q;
	int ret = oa_ctx_check(of, a->flags, OA_EVENTFD_FLAGS_VALID_MASK,
			       a->reserved, true);

	if (ret)
		return ret;
	if (!(d->caps & OA_CAP_EVENTFD))
		return -EOPNOTSUPP;
	q = queue_get(of, a->queue_id);
	if (!q)
		return -ENOENT;
	if (a->eventfd != -1) {
		efd = eventfd_ctx_fdget(a->eventfd);
		if (IS_ERR(efd)) {
			oa_queue_put(q);
			return PTR_ERR(efd);
		}
	}
	spin_lock(&q->efd_lock);
	old = q->efd;
	q->efd = efd;
	spin_unlock(&q->efd_lock);
	if (old)
		eventfd_ctx_put(old);
	oa_queue_put(q);
	return 0;
}

/* Whether every command before tail has completed, or the queue stopped. */
static bool submit_done(struct oa_queue *q, u32 tail)
{
	return (s32)(READ_ONCE(q->done) - tail) >= 0 || READ_ONCE(q->stopped);
}

/* OA_SUBMIT_WAIT: sleeps with no lock held until done, the absolute deadline, or a signal. */
static int submit_wait(struct oa_queue *q, u32 tail, s64 deadline_ns)
{
	s64 now = ktime_get_ns();
	long left;

	if (submit_done(q, tail))
		return 0;
	if (deadline_ns <= now)
		return -ETIME;
	left = wait_event_interruptible_timeout(
		q->done_wq, submit_done(q, tail),
		nsecs_to_jiffies(deadline_ns - now) + 1);
	/* The deadline is absolute, so a restarted call waits only for what is left of it. */
	if (left < 0)
		return -ERESTARTSYS;
	return left ? 0 : -ETIME;
}

/*
 * SUBMIT publishes its tail on a doorbell queue too, as a doorbell store would. It only moves the tail
 * forward: a newer tail the user stored meanwhile is never replaced by an older one.
 */
static void doorbell_advance(struct oa_queue *q, u32 tail)
{
	u32 *db = &((struct oa_doorbell *)q->doorbell->vaddr)->sq_tail;
	u32 old = READ_ONCE(*db);

	do {
		if ((s32)(tail - old) <= 0)
			return;
	} while (!try_cmpxchg(db, &old, tail)); /* full barrier: the entries before it are the user's */
}

int oa_submit(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct oa_dev *d = to_oa_dev(drm);
	struct oa_file *of = file->driver_priv;
	struct oa_submit *a = data;
	struct oa_queue *q;
	int ret = oa_ctx_check(of, a->flags, OA_SUBMIT_FLAGS_VALID_MASK, false,
			       true);

	if (ret)
		return ret;
	q = queue_get(of, a->queue_id);
	if (!q)
		return -ENOENT;
	if (READ_ONCE(q->stopped)) {
		ret = -EIO;
		goto out;
	}
	if (a->sq_tail - READ_ONCE(q->sq_head) > q->sq_entries) {
		oa_queue_stop(q); /* rule ring.overrun */
		ret = -EINVAL;
		goto out;
	}
	if (q->flags & OA_QUEUE_SYNCOBJ)
		ret = oa_batch_submit(q, file, a);
	else if (a->num_waits || a->num_signals)
		ret = -EINVAL; /* points_on_doorbell_queue */
	else
		doorbell_advance(q, a->sq_tail);
	if (ret)
		goto out;
	oa_engine_kick(d);
	if (a->flags & OA_SUBMIT_WAIT) {
		ret = submit_wait(q, a->sq_tail, a->timeout_ns);
		if (!ret && READ_ONCE(q->stopped) &&
		    (s32)(READ_ONCE(q->done) - a->sq_tail) < 0)
			ret = -EIO;
	}
	a->sq_head = READ_ONCE(q->sq_head);
out:
	oa_queue_put(q);
	return ret;
}
