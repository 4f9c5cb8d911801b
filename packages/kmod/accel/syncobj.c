// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Syncobj queues (rules sync.queue, sync.points): each SUBMIT appends a batch, the commands from the
 * previous tail to the new one, with the fences it waits for and one fence it signals. The engine runs
 * a batch only when its waits have signalled, and signals its fence when its commands have completed.
 */
#include <drm/drm_syncobj.h>
#include <linux/dma-fence-chain.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include "oa_drv.h"

struct oa_wait {
	struct dma_fence *fence;
	struct dma_fence_cb cb;
	struct oa_dev *dev;
};

struct oa_batch {
	struct list_head node; /* in q->batches, under q->batch_lock */
	u32 end; /* commands before end (and after the previous batch) */
	bool wait_failed; /* a wait fence signalled an error: the commands are not run */
	int error; /* a command did not end with OA_STATUS_OK */
	atomic_t *held; /* the queue's count of held submits */
	struct dma_fence *done;
	u32 nwaits;
	struct oa_wait waits[] __counted_by(nwaits);
};

struct oa_fence {
	struct dma_fence base;
	spinlock_t lock; /* the fence's own: it outlives the queue in the syncobjs it is attached to */
};

static const char *oa_fence_driver_name(struct dma_fence *f)
{
	return "openaccel";
}

static const char *oa_fence_timeline_name(struct dma_fence *f)
{
	return "queue";
}

static const struct dma_fence_ops oa_fence_ops = {
	.get_driver_name = oa_fence_driver_name,
	.get_timeline_name = oa_fence_timeline_name,
};

/* A fence with a lock of its own on a context: the engine's command fences (engine.c). */
struct dma_fence *oa_fence_new(u64 context, u64 seqno)
{
	struct oa_fence *f = kzalloc(sizeof(*f), GFP_KERNEL);

	if (!f)
		return NULL;
	spin_lock_init(&f->lock);
	dma_fence_init(&f->base, &oa_fence_ops, &f->lock, context, seqno);
	return &f->base;
}

static void oa_wait_signalled(struct dma_fence *f, struct dma_fence_cb *cb)
{
	oa_engine_kick(container_of(cb, struct oa_wait, cb)->dev);
}

static void batch_free(struct oa_batch *b)
{
	u32 i;

	for (i = 0; i < b->nwaits; i++) {
		dma_fence_remove_callback(b->waits[i].fence, &b->waits[i].cb);
		dma_fence_put(b->waits[i].fence);
	}
	dma_fence_put(b->done);
	atomic_dec(b->held);
	kfree(b);
}

/* Freed (and uncounted) before its fence signals: a waiter that wakes may submit again at once. */
static void batch_signal(struct oa_batch *b, int error)
{
	struct dma_fence *done = dma_fence_get(b->done);

	batch_free(b);
	if (error)
		dma_fence_set_error(done, error);
	dma_fence_signal(done);
	dma_fence_put(done);
}

static int copy_points(u64 uptr, u32 n, struct oa_syncobj_point *p, u32 caps)
{
	u32 i;

	if (n && copy_from_user(p, u64_to_user_ptr(uptr), n * sizeof(*p)))
		return -EFAULT;
	for (i = 0; i < n; i++)
		if (p[i].flags & ~OA_SYNCOBJ_POINT_FLAGS_VALID_MASK)
			return -EINVAL;
	for (i = 0; i < n; i++)
		if (p[i].point && !(caps & OA_CAP_SYNCOBJ_TIMELINE))
			return -EOPNOTSUPP;
	return 0;
}

struct oa_signal {
	struct drm_syncobj *syncobj;
	struct dma_fence_chain *chain;
	u64 point;
};

static void signals_put(struct oa_signal *s, u32 n)
{
	u32 i;

	for (i = 0; i < n; i++) {
		if (s[i].syncobj)
			drm_syncobj_put(s[i].syncobj);
		dma_fence_chain_free(s[i].chain);
	}
}

/* The syncobj part of SUBMIT: checks in the spec's order, then appends the batch and attaches points. */
int oa_batch_submit(struct oa_queue *q, struct drm_file *file,
		    const struct oa_submit *a)
{
	struct oa_syncobj_point waits[OA_MAX_SYNCOBJ_POINTS];
	struct oa_syncobj_point signals[OA_MAX_SYNCOBJ_POINTS];
	struct oa_signal sig[OA_MAX_SYNCOBJ_POINTS] = {};
	struct oa_fence *fence;
	struct oa_batch *b;
	u32 i;
	int ret;

	if (a->num_waits > OA_MAX_SYNCOBJ_POINTS ||
	    a->num_signals > OA_MAX_SYNCOBJ_POINTS)
		return -EINVAL;
	ret = copy_points(a->waits_ptr, a->num_waits, waits, q->dev->caps);
	if (!ret)
		ret = copy_points(a->signals_ptr, a->num_signals, signals,
				  q->dev->caps);
	if (ret)
		return ret;
	b = kzalloc(struct_size(b, waits, a->num_waits), GFP_KERNEL_ACCOUNT);
	fence = kzalloc(sizeof(*fence), GFP_KERNEL_ACCOUNT);
	if (!b || !fence) {
		kfree(b);
		kfree(fence);
		return -ENOMEM;
	}
	b->nwaits = a->num_waits;
	spin_lock_init(&fence->lock);
	b->done = &fence->base;
	for (i = 0; i < a->num_signals && !ret; i++) {
		sig[i].syncobj = drm_syncobj_find(file, signals[i].handle);
		sig[i].point = signals[i].point;
		if (!sig[i].syncobj) {
			ret = -ENOENT;
		} else if (sig[i].point) {
			sig[i].chain = dma_fence_chain_alloc();
			if (!sig[i].chain)
				ret = -ENOMEM;
		}
	}
	for (i = 0; i < a->num_waits && !ret; i++) {
		struct drm_syncobj *s = drm_syncobj_find(file, waits[i].handle);

		if (!s)
			ret = -ENOENT;
		else
			drm_syncobj_put(s);
	}
	for (i = 0; i < a->num_waits && !ret; i++) {
		b->waits[i].dev = q->dev;
		ret = drm_syncobj_find_fence(file, waits[i].handle,
					     waits[i].point, 0,
					     &b->waits[i].fence);
		if (ret == -EINVAL || (!ret && !b->waits[i].fence))
			ret = -EINVAL; /* wait_no_fence */
	}
	/* A batch behind a point that never signals is held for good: bounded (too_many_held). */
	if (!ret && atomic_inc_return(&q->held) >
			    READ_ONCE(oa_queue_max_held_submits)) {
		atomic_dec(&q->held);
		ret = -ENOMEM;
	}
	if (ret) {
		b->done = NULL;
		kfree(fence);
		for (i = 0; i < b->nwaits; i++)
			dma_fence_put(b->waits[i].fence);
		kfree(b);
		signals_put(sig, a->num_signals);
		return ret;
	}
	b->held = &q->held;
	/* The batch is not visible yet: a callback that fires now only kicks the engine. */
	for (i = 0; i < b->nwaits; i++)
		if (dma_fence_add_callback(b->waits[i].fence, &b->waits[i].cb,
					   oa_wait_signalled))
			INIT_LIST_HEAD(&b->waits[i].cb.node); /* already signalled */
	spin_lock(&q->batch_lock);
	if ((s32)(a->sq_tail - q->pub_tail) < 0) {
		spin_unlock(&q->batch_lock);
		oa_queue_stop(q); /* a tail that goes back overruns the ring */
		b->done = NULL;
		kfree(fence);
		batch_free(b);
		signals_put(sig, a->num_signals);
		return -EINVAL;
	}
	dma_fence_init(&fence->base, &oa_fence_ops, &fence->lock,
		       q->fence_context, ++q->fence_seqno);
	b->end = a->sq_tail;
	q->pub_tail = a->sq_tail;
	dma_fence_get(&fence->base); /* for the signal points below */
	list_add_tail(&b->node, &q->batches);
	spin_unlock(&q->batch_lock);
	for (i = 0; i < a->num_signals; i++) {
		if (sig[i].point) {
			drm_syncobj_add_point(sig[i].syncobj, sig[i].chain,
					      &fence->base, sig[i].point);
			sig[i].chain = NULL;
		} else {
			drm_syncobj_replace_fence(sig[i].syncobj, &fence->base);
		}
	}
	dma_fence_put(&fence->base);
	signals_put(sig, a->num_signals);
	return 0;
}

/*
 * The tail the engine may run to: the end of the last batch whose waits (and all earlier batches'
 * waits) have signalled. Batches whose commands have all completed are signalled and dropped here.
 */
u32 oa_batch_ready_tail(struct oa_queue *q)
{
	struct oa_batch *b, *tmp;
	LIST_HEAD(retired);
	u32 ready = READ_ONCE(q->done), i;

	spin_lock(&q->batch_lock);
	list_for_each_entry_safe(b, tmp, &q->batches, node) {
		bool signalled = true;

		for (i = 0; i < b->nwaits; i++) {
			if (!dma_fence_is_signaled(b->waits[i].fence)) {
				signalled = false;
				break;
			}
			if (b->waits[i].fence->error)
				b->wait_failed = true;
		}
		if (!signalled)
			break;
		if ((s32)(q->done - b->end) >= 0)
			list_move_tail(&b->node, &retired);
		else
			ready = b->end;
	}
	spin_unlock(&q->batch_lock);
	list_for_each_entry_safe(b, tmp, &retired, node) {
		list_del(&b->node);
		batch_signal(b, b->wait_failed || b->error ? -EIO : 0);
	}
	return ready;
}

static struct oa_batch *batch_of(struct oa_queue *q, u32 index)
{
	struct oa_batch *b;

	list_for_each_entry(b, &q->batches, node)
		if ((s32)(index - b->end) < 0)
			return b;
	return NULL;
}

/* Whether the command at index belongs to a batch whose wait failed (it completes unrun). */
bool oa_batch_failed_at(struct oa_queue *q, u32 index)
{
	struct oa_batch *b;
	bool failed;

	spin_lock(&q->batch_lock);
	b = batch_of(q, index);
	failed = b && b->wait_failed;
	spin_unlock(&q->batch_lock);
	return failed;
}

void oa_batch_complete(struct oa_queue *q, u32 index, u32 status)
{
	struct oa_batch *b;

	if (status == OA_STATUS_OK)
		return;
	spin_lock(&q->batch_lock);
	b = batch_of(q, index);
	if (b)
		b->error = -EIO;
	spin_unlock(&q->batch_lock);
}

/* A queue that stops drops its batches: their fences signal with an error so no waiter hangs. */
void oa_batch_cancel_all(struct oa_queue *q)
{
	struct oa_batch *b, *tmp;
	LIST_HEAD(all);

	spin_lock(&q->batch_lock);
	list_splice_init(&q->batches, &all);
	spin_unlock(&q->batch_lock);
	list_for_each_entry_safe(b, tmp, &all, node) {
		list_del(&b->node);
		batch_signal(b, -ECANCELED);
	}
}
