// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The engine: one kernel thread per device serves its queues (rules ring.*). It polls while there is
 * work and for engine_spin_us after, then sets OA_QUEUE_NEED_WAKEUP on every queue, issues a full
 * barrier, looks once more and sleeps with no timeout: the protocol loses no wake-up, so nothing hides
 * one. Each queue is served under its own lock, in passes of at most OA_ENGINE_BATCH commands, and each
 * GEM object a command names is referenced, and carries the command's fence, for as long as it runs.
 */
#include <crypto/sha2.h>
#include <drm/drm_gem.h>
#include <linux/dma-resv.h>
#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include "oa_drv.h"

/* The operands each opcode uses; the others must be zero. */
struct oa_uses {
	bool src, dst, param, arg;
};

static const struct oa_uses op_uses[OA_NUM_OPCODES] = {
	[OA_OP_NOP] = { false, false, false, false },
	[OA_OP_COPY] = { true, true, false, false },
	[OA_OP_FILL] = { false, true, false, true },
	[OA_OP_CRC32C] = { true, false, false, true },
	[OA_OP_SHA256] = { true, true, false, false },
	[OA_OP_DEFLATE] = { true, true, false, true },
	[OA_OP_INFLATE] = { true, true, false, false },
	[OA_OP_AES_GCM_ENCRYPT] = { true, true, true, false },
	[OA_OP_AES_GCM_DECRYPT] = { true, true, true, false },
};

/* The objects a command names, each referenced until the command has completed. */
struct oa_operands {
	struct drm_gem_object *obj[3];
	u8 *ptr[3];
	struct oa_sva_range sva[3]; /* operands named by process address (OA_HANDLE_NONE) */
};

/*
 * Looks [addr, addr + len) of a handle up (rule memory.access); false when it lies outside. A handle of
 * OA_HANDLE_NONE is an SVA address: only a context bound with OA_BIND_SVA may name one, and its range
 * is checked in the bound mm before the command runs (run_sva).
 */
static bool resolve(struct oa_file *of, struct oa_operands *o, int i,
		    u32 handle, u64 addr, u32 len)
{
	struct drm_gem_object *obj;
	u8 *base;

	if (handle == OA_HANDLE_NONE) {
		o->sva[i] = (struct oa_sva_range){ addr, len, true };
		return of->sva_mm;
	}
	/* A UACCE queue's context has no DRM file: its handles name its data area (uacce.c). */
	obj = of->file ? drm_gem_object_lookup(of->file, handle) :
			 oa_uacce_lookup(of, handle);
	if (!obj)
		return false;
	o->obj[i] = obj;
	if (addr > obj->size || len > obj->size - addr)
		return false;
	base = oa_bo_vaddr(to_oa_bo(obj));
	if (!base)
		return false;
	o->ptr[i] = base + addr;
	return true;
}

/*
 * The command's fence goes into the dma_resv of every object it names, with write usage where it
 * writes, so that an importer of an exported buffer (poll, EXPORT_SYNC_FILE, CPU access) sees it busy
 * until the command completes. NULL when the command names no object.
 */
static struct dma_fence *fence_operands(struct oa_dev *d, const struct oa_sqe *s,
					struct oa_operands *o)
{
	const bool writes[3] = { false, true,
				 s->opcode == OA_OP_AES_GCM_ENCRYPT };
	struct dma_fence *f = NULL;
	int i, ret = 0;

	for (i = 0; i < ARRAY_SIZE(o->obj) && !ret; i++) {
		struct dma_resv *resv;

		if (!o->obj[i])
			continue;
		if (!f)
			f = oa_fence_new(d->cmd_fence_context,
					 ++d->cmd_fence_seqno);
		if (!f)
			return ERR_PTR(-ENOMEM);
		resv = o->obj[i]->resv;
		dma_resv_lock(resv, NULL);
		ret = dma_resv_reserve_fences(resv, 1);
		if (!ret)
			dma_resv_add_fence(resv, f,
					   writes[i] ? DMA_RESV_USAGE_WRITE :
						       DMA_RESV_USAGE_READ);
		dma_resv_unlock(resv);
	}
	if (ret) {
		dma_fence_signal(f);
		dma_fence_put(f);
		return ERR_PTR(ret);
	}
	return f;
}

static void operands_put(struct oa_operands *o)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(o->obj); i++)
		if (o->obj[i])
			drm_gem_object_put(o->obj[i]);
}

static u32 run(struct oa_dev *d, const struct oa_sqe *s, u8 *src, u8 *dst,
	       u8 *param, u32 *result)
{
	size_t out;
	int ret;
	u32 i;

	switch (s->opcode) {
	case OA_OP_NOP:
		return OA_STATUS_OK;
	case OA_OP_COPY:
		if (s->dst_length < s->src_length)
			return OA_STATUS_DST_TOO_SMALL;
		memmove(dst, src, s->src_length);
		*result = s->src_length;
		return OA_STATUS_OK;
	case OA_OP_FILL:
		for (i = 0; i < s->dst_length; i++)
			dst[i] = (u8)(s->arg >> (8 * (i % 8)));
		*result = s->dst_length;
		return OA_STATUS_OK;
	case OA_OP_CRC32C:
		*result = oa_crc32c((u32)s->arg, src, s->src_length);
		return OA_STATUS_OK;
	case OA_OP_SHA256:
		if (s->dst_length < SHA256_DIGEST_SIZE)
			return OA_STATUS_DST_TOO_SMALL;
		sha256(src, s->src_length, dst);
		*result = SHA256_DIGEST_SIZE;
		return OA_STATUS_OK;
	case OA_OP_DEFLATE:
		ret = oa_deflate(d->deflate_ws, src, s->src_length, dst,
				 s->dst_length, (int)s->arg, &out);
		if (ret)
			return ret == -ENOSPC ? OA_STATUS_DST_TOO_SMALL :
						OA_STATUS_DEVICE_ERROR;
		*result = out;
		return OA_STATUS_OK;
	case OA_OP_INFLATE:
		ret = oa_inflate(d->inflate_ws, src, s->src_length, dst,
				 s->dst_length, &out);
		if (ret)
			return ret == -ENOSPC  ? OA_STATUS_DST_TOO_SMALL :
			       ret == -EBADMSG ? OA_STATUS_DATA_ERROR :
						 OA_STATUS_DEVICE_ERROR;
		*result = out;
		return OA_STATUS_OK;
	case OA_OP_AES_GCM_ENCRYPT:
	case OA_OP_AES_GCM_DECRYPT: {
		struct oa_aes_gcm_params p;

		if (s->dst_length < s->src_length)
			return OA_STATUS_DST_TOO_SMALL;
		memcpy(&p, param, sizeof(p));
		ret = oa_aes_gcm(d, s->opcode == OA_OP_AES_GCM_ENCRYPT, &p, src,
				 dst, s->src_length,
				 ((struct oa_aes_gcm_params *)param)->tag);
		memzero_explicit(&p, sizeof(p));
		if (ret == -EINVAL)
			return OA_STATUS_INVALID_FIELD;
		if (ret == -EBADMSG)
			return OA_STATUS_AUTH_FAILED;
		if (ret)
			return OA_STATUS_DEVICE_ERROR;
		*result = s->src_length;
		return OA_STATUS_OK;
	}
	}
	return OA_STATUS_INVALID_OPCODE;
}

/*
 * A command with operands at process addresses runs in the bound mm on the engine's bounce buffers:
 * every range is checked (and the sources copied) first, what the function wrote goes out last. An
 * exited process, an unmapped range or a page gone since the check is OA_STATUS_ADDRESS_FAULT.
 */
static u32 run_sva(struct oa_dev *d, struct oa_file *of, const struct oa_sqe *s,
		   struct oa_operands *o, u32 *result)
{
	const size_t tag = offsetof(struct oa_aes_gcm_params, tag);
	bool encrypt = s->opcode == OA_OP_AES_GCM_ENCRYPT;
	struct mm_struct *mm = oa_sva_enter(of);
	u32 status = OA_STATUS_ADDRESS_FAULT;
	int i;

	if (!mm)
		return status;
	for (i = 0; i < ARRAY_SIZE(o->sva); i++) {
		if (!o->sva[i].used)
			continue;
		o->ptr[i] = d->sva_buf[i];
		if (!oa_sva_copy_in(mm, &o->sva[i], i != 1,
				    i == 1 || (i == 2 && encrypt),
				    d->sva_buf[i]))
			goto out;
	}
	status = run(d, s, o->ptr[0], o->ptr[1], o->ptr[2], result);
	if (status != OA_STATUS_OK)
		goto out;
	if (o->sva[1].used &&
	    !oa_sva_copy_out(&o->sva[1], d->sva_buf[1], *result))
		status = OA_STATUS_ADDRESS_FAULT;
	if (encrypt && o->sva[2].used) {
		struct oa_sva_range t = { o->sva[2].addr + tag,
					  OA_AES_GCM_TAG_SIZE, true };

		if (!oa_sva_copy_out(&t, d->sva_buf[2] + tag, t.len))
			status = OA_STATUS_ADDRESS_FAULT;
	}
	if (status != OA_STATUS_OK)
		*result = 0;
out:
	oa_sva_leave(mm);
	if (o->sva[2].used) /* the key */
		memzero_explicit(d->sva_buf[2],
				 sizeof(struct oa_aes_gcm_params));
	return status;
}

static u32 execute(struct oa_dev *d, struct oa_file *of, const struct oa_sqe *s,
		   u32 *result)
{
	struct oa_operands o = {};
	const struct oa_uses *u;
	struct dma_fence *fence;
	u64 start;
	u32 status;

	*result = 0;
	if (s->opcode >= OA_NUM_OPCODES || !(d->functions & BIT_ULL(s->opcode)))
		return OA_STATUS_INVALID_OPCODE;
	if ((s->flags & ~OA_SQE_FLAGS_VALID_MASK) || s->reserved1)
		return OA_STATUS_INVALID_FIELD;
	u = &op_uses[s->opcode];
	if ((!u->src && (s->src_handle || s->src_addr || s->src_length)) ||
	    (!u->dst && (s->dst_handle || s->dst_addr || s->dst_length)) ||
	    (!u->param && (s->param_handle || s->param_addr)) ||
	    (!u->arg && s->arg))
		return OA_STATUS_INVALID_FIELD;
	if (s->src_length > OA_MAX_TRANSFER || s->dst_length > OA_MAX_TRANSFER)
		return OA_STATUS_INVALID_FIELD;
	if ((s->opcode == OA_OP_CRC32C && s->arg >> 32) ||
	    (s->opcode == OA_OP_DEFLATE && s->arg > 9))
		return OA_STATUS_INVALID_FIELD;
	/* Every range is checked before anything is touched (rule memory.fault). */
	if ((u->src && !resolve(of, &o, 0, s->src_handle, s->src_addr,
				s->src_length)) ||
	    (u->dst && !resolve(of, &o, 1, s->dst_handle, s->dst_addr,
				s->dst_length)) ||
	    (u->param && !resolve(of, &o, 2, s->param_handle, s->param_addr,
				  sizeof(struct oa_aes_gcm_params)))) {
		operands_put(&o);
		return OA_STATUS_ADDRESS_FAULT;
	}
	fence = fence_operands(d, s, &o);
	if (IS_ERR(fence)) {
		operands_put(&o);
		return OA_STATUS_DEVICE_ERROR;
	}
	start = ktime_get_ns();
	if (o.sva[0].used || o.sva[1].used || o.sva[2].used)
		status = run_sva(d, of, s, &o, result);
	else
		status = run(d, s, o.ptr[0], o.ptr[1], o.ptr[2], result);
	atomic64_add(ktime_get_ns() - start, &of->engine_ns[s->opcode]);
	if (fence) {
		dma_fence_signal(fence);
		dma_fence_put(fence);
	}
	operands_put(&o);
	return status;
}

static void post(struct oa_queue *q, u32 tag, u32 status, u32 result)
{
	struct oa_queue_status *st = q->status->vaddr;
	struct oa_cqe *e = (struct oa_cqe *)q->cq->vaddr +
			   (q->cq_tail & (q->cq_entries - 1));
	u32 phase = ((q->cq_tail / q->cq_entries) & 1) ? 0 : OA_CQE_PHASE;

	e->tag = tag;
	e->result = result;
	e->status = status;
	/* release: tag, result and status are visible before the phase publishes them (ring.complete) */
	smp_store_release(&e->flags, phase);
	q->cq_tail++;
	/* release: the entry is published before the tail moves (OA_CAP_CQ_TAIL) */
	smp_store_release(&st->cq_tail, q->cq_tail);
}

/* The tail the engine may run to: the doorbell's, or the driver's own on a syncobj queue. */
static u32 queue_tail(struct oa_queue *q)
{
	if (q->flags & OA_QUEUE_SYNCOBJ)
		return oa_batch_ready_tail(q);
	/* acquire: the entries before the tail are visible (ring.consume) */
	return smp_load_acquire(&((struct oa_doorbell *)q->doorbell->vaddr)->sq_tail);
}

/* Whether the CQ has room, following ring.cq-full when it has none. */
static bool cq_has_room(struct oa_queue *q)
{
	struct oa_queue_control *ctl = q->control->vaddr;

	/* acquire: the user is done with the slots before cq_head */
	if (q->cq_tail - smp_load_acquire(&ctl->cq_head) < q->cq_entries)
		return true;
	oa_queue_set_flags(q, OA_QUEUE_NEED_WAKEUP, 0);
	q->cq_stalled = true;
	/* full barrier: NEED_WAKEUP is visible before cq_head is read again */
	smp_mb();
	/* acquire: as above, the slots before cq_head are free */
	if (q->cq_tail - smp_load_acquire(&ctl->cq_head) >= q->cq_entries)
		return false;
	q->cq_stalled = false;
	oa_queue_set_flags(q, 0, OA_QUEUE_NEED_WAKEUP);
	return true;
}

static void signal_armed(struct oa_queue *q)
{
	struct oa_queue_control *ctl = q->control->vaddr;
	struct oa_queue_status *st = q->status->vaddr;
	u32 arm;

	/* full barrier: the CQEs are visible before cq_arm is read (rule ring.arming) */
	smp_mb();
	arm = READ_ONCE(ctl->cq_arm);
	if (arm == READ_ONCE(st->arm_ack))
		return;
	WRITE_ONCE(st->arm_ack, arm);
	spin_lock(&q->efd_lock);
	if (q->efd)
		eventfd_signal(q->efd);
	spin_unlock(&q->efd_lock);
}

/* Serves one queue for one pass; returns whether a command ran. Called with q->lock held. */
static bool service(struct oa_dev *d, struct oa_queue *q, bool polling)
{
	struct oa_queue_status *st = q->status->vaddr;
	u32 tail, status, result;
	struct oa_sqe s;
	int n = 0;

	if (q->stopped)
		return false;
	if (q->cq_stalled && !cq_has_room(q))
		return false;
	tail = queue_tail(q);
	if (tail - q->sq_head > q->sq_entries) {
		oa_queue_stop(q); /* rule ring.overrun: read nothing more */
		return false;
	}
	if (polling && (READ_ONCE(st->flags) & OA_QUEUE_NEED_WAKEUP))
		oa_queue_set_flags(q, 0, OA_QUEUE_NEED_WAKEUP);
	while (q->sq_head != tail && n < OA_ENGINE_BATCH && !READ_ONCE(q->stopped) &&
	       cq_has_room(q)) {
		u32 index = q->sq_head;

		memcpy(&s, (struct oa_sqe *)q->sq->vaddr +
				    (index & (q->sq_entries - 1)),
		       sizeof(s));
		WRITE_ONCE(q->sq_head, index + 1);
		/* release: the slot is copied before the user may reuse it */
		smp_store_release(&st->sq_head, index + 1);
		if ((q->flags & OA_QUEUE_SYNCOBJ) &&
		    oa_batch_failed_at(q, index))
			status = OA_STATUS_DEVICE_ERROR, result = 0;
		else
			status = execute(d, q->of, &s, &result);
		post(q, s.tag, status, result);
		if (q->flags & OA_QUEUE_SYNCOBJ)
			oa_batch_complete(q, index, status);
		WRITE_ONCE(q->done, q->sq_head);
		n++;
	}
	if (n) {
		signal_armed(q);
		if (wq_has_sleeper(&q->done_wq))
			wake_up_all(&q->done_wq);
		if (q->flags & OA_QUEUE_SYNCOBJ)
			oa_batch_ready_tail(q); /* signals the batches just completed */
	}
	return n > 0;
}

/* Whether a queue has work the engine could do now (CQ-stalled queues wait for SUBMIT). */
static bool pending(struct oa_queue *q)
{
	if (q->stopped || q->cq_stalled)
		return false;
	return queue_tail(q) != q->sq_head;
}

/* One pass over every queue: each is referenced and locked alone, the list lock only to walk. */
static bool pass(struct oa_dev *d, int mode)
{
	struct oa_queue *q, *prev = NULL;
	bool any = false;

	mutex_lock(&d->list_lock);
	list_for_each_entry(q, &d->queues, node) {
		kref_get(&q->ref);
		mutex_unlock(&d->list_lock);
		if (prev)
			oa_queue_put(prev);
		prev = q;
		mutex_lock(&q->lock);
		if (mode == 0)
			any |= service(d, q, true);
		else if (mode == 1)
			oa_queue_set_flags(q, OA_QUEUE_NEED_WAKEUP, 0);
		else
			any |= pending(q);
		mutex_unlock(&q->lock);
		mutex_lock(&d->list_lock);
		/*
		 * A queue taken off the list meanwhile has a poisoned node: go on from the head, since a pass
		 * that publishes NEED_WAKEUP must reach every queue.
		 */
		if (q->node.next == LIST_POISON1)
			q = list_entry(&d->queues, struct oa_queue, node);
	}
	mutex_unlock(&d->list_lock);
	if (prev)
		oa_queue_put(prev);
	return any;
}

enum { PASS_SERVE, PASS_NEED_WAKEUP, PASS_PENDING };

static int oa_engine(void *data)
{
	struct oa_dev *d = data;
	u64 idle_since = ktime_get_ns();

	while (!kthread_should_stop()) {
		if (pass(d, PASS_SERVE)) {
			idle_since = ktime_get_ns();
			cond_resched();
			continue;
		}
		if (ktime_get_ns() - idle_since <
		    (u64)READ_ONCE(oa_engine_spin_us) * NSEC_PER_USEC) {
			cond_resched();
			continue;
		}
		/* Sleep: publish NEED_WAKEUP, full barrier, look once more (rule ring.wakeup). */
		pass(d, PASS_NEED_WAKEUP);
		/* full barrier: NEED_WAKEUP is visible before the tails are read again */
		smp_mb();
		if (!pass(d, PASS_PENDING))
			wait_event_idle(d->engine_wq,
					atomic_xchg(&d->kick, 0) ||
						kthread_should_stop());
		idle_since = ktime_get_ns();
	}
	return 0;
}

void oa_engine_kick(struct oa_dev *d)
{
	atomic_set(&d->kick, 1);
	wake_up(&d->engine_wq);
}

int oa_engine_start(struct oa_dev *d)
{
	d->engine = kthread_run(oa_engine, d, "openaccel/%d", d->index);
	return PTR_ERR_OR_ZERO(d->engine);
}

void oa_engine_stop(struct oa_dev *d)
{
	if (!IS_ERR_OR_NULL(d->engine))
		kthread_stop(d->engine);
}
