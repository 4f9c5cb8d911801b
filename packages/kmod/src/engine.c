// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The engine: one kernel thread per device polls the doorbell of every queue, executes commands and
 * posts completions (spec rules ring.*). It spins while there is work and for engine_spin_us after,
 * then sets OA_DOORBELL_NEED_WAKEUP on every queue and sleeps until OA_IOCTL_SUBMIT wakes it.
 */
#include <crypto/sha2.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include "oa.h"

/* The kernel address of [addr, addr + len) in a handle, or NULL when outside it (rule memory.access). */
static u8 *resolve(struct oa_ctx *ctx, u32 handle, u64 addr, u32 len)
{
	struct oa_mem *h;

	if (handle == OA_HANDLE_NONE)
		return NULL; /* no SVA: process addresses are never reachable */
	h = xa_load(&ctx->mems, handle);
	if (!h || addr > h->size || len > h->size - addr)
		return NULL;
	return (u8 *)h->vaddr + addr;
}

struct uses {
	bool src, dst, param, arg;
};

static const struct uses op_uses[] = {
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

static u32 execute(struct oa_dev *d, struct oa_ctx *ctx, const struct oa_sqe *s,
		   u32 *result)
{
	const struct uses *u;
	u8 *src = NULL, *dst = NULL, *param = NULL;
	size_t out;
	int ret;
	u32 i;

	*result = 0;
	if (s->opcode >= ARRAY_SIZE(op_uses) ||
	    !(d->functions & BIT_ULL(s->opcode)))
		return OA_STATUS_INVALID_OPCODE;
	if ((s->flags & ~OA_SQE_FLAGS_VALID_MASK) || s->reserved0 ||
	    s->reserved1)
		return OA_STATUS_INVALID_FIELD;
	u = &op_uses[s->opcode];
	if ((!u->src && (s->src_handle || s->src_addr || s->src_length)) ||
	    (!u->dst && (s->dst_handle || s->dst_addr || s->dst_length)) ||
	    (!u->param && (s->param_handle || s->param_addr)) ||
	    (!u->arg && s->arg))
		return OA_STATUS_INVALID_FIELD;
	if (s->src_length > OA_MAX_TRANSFER || s->dst_length > OA_MAX_TRANSFER)
		return OA_STATUS_INVALID_FIELD;
	if (s->opcode == OA_OP_NOP)
		return OA_STATUS_OK;
	/* Every range is checked before anything is touched. */
	if (u->src) {
		src = resolve(ctx, s->src_handle, s->src_addr, s->src_length);
		if (!src && s->src_length)
			return OA_STATUS_ADDRESS_FAULT;
	}
	if (u->dst) {
		dst = resolve(ctx, s->dst_handle, s->dst_addr, s->dst_length);
		if (!dst && s->dst_length)
			return OA_STATUS_ADDRESS_FAULT;
	}
	if (u->param) {
		param = resolve(ctx, s->param_handle, s->param_addr,
				sizeof(struct oa_aes_gcm_params));
		if (!param)
			return OA_STATUS_ADDRESS_FAULT;
	}
	switch (s->opcode) {
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
		if (s->arg >> 32)
			return OA_STATUS_INVALID_FIELD;
		*result = oa_crc32c((u32)s->arg, src, s->src_length);
		return OA_STATUS_OK;
	case OA_OP_SHA256:
		if (s->dst_length < SHA256_DIGEST_SIZE)
			return OA_STATUS_DST_TOO_SMALL;
		sha256(src, s->src_length, dst);
		*result = SHA256_DIGEST_SIZE;
		return OA_STATUS_OK;
	case OA_OP_DEFLATE:
		if (s->arg > 9)
			return OA_STATUS_INVALID_FIELD;
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
		ret = oa_aes_gcm(s->opcode == OA_OP_AES_GCM_ENCRYPT, &p, src,
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

static void post(struct oa_queue *q, u32 tag, u32 status, u32 result)
{
	struct oa_doorbell *db = q->db->vaddr;
	struct oa_cqe *e = (struct oa_cqe *)q->cq->vaddr +
			   (q->cq_tail & (q->cq_entries - 1));
	u32 phase = ((q->cq_tail / q->cq_entries) & 1) ? 0 : OA_CQE_PHASE;

	e->tag = tag;
	e->result = result;
	e->status = status;
	/* release: tag, result and status are visible before the phase (ring.complete) */
	smp_store_release(&e->flags,
			  phase); /* publishes the entry (rule ring.complete) */
	q->cq_tail++;
	/* release: the entry is published before the tail moves */
	smp_store_release(&db->cq_tail, q->cq_tail);
}

/* Runs what a queue's doorbell publishes; returns whether anything was done. Called with dev->qlock held. */
static bool service(struct oa_dev *d, struct oa_queue *q)
{
	struct oa_doorbell *db = q->db->vaddr;
	/* acquire: the entries before the tail are visible (ring.consume) */
	u32 tail = smp_load_acquire(&db->sq_tail), status, result;
	struct oa_sqe s;
	int posted = 0;

	if (q->stopped || tail == q->sq_head)
		return false;
	if (tail - q->sq_head > q->sq_entries) {
		/* More published than the ring holds: stop the queue rather than read garbage. */
		q->stopped = true;
		WRITE_ONCE(db->flags, READ_ONCE(db->flags) | OA_DOORBELL_ERROR);
		return true;
	}
	while (q->sq_head != tail && posted < 256) {
		/* acquire: the user is done with the slots before cq_head */
		if (q->cq_tail - smp_load_acquire(&db->cq_head) >=
		    q->cq_entries)
			break; /* CQ full: take no more commands (rule ring.release-cq) */
		memcpy(&s,
		       (struct oa_sqe *)q->sq->vaddr +
			       (q->sq_head & (q->sq_entries - 1)),
		       sizeof(s));
		q->sq_head++;
		/* release: the slot is copied before the user may reuse it */
		smp_store_release(&db->sq_head, q->sq_head);
		status = execute(d, q->ctx, &s, &result);
		post(q, s.tag, status, result);
		posted++;
	}
	if (posted) {
		smp_mb(); /* the CQE before the arm check (rule ring.arming) */
		if (READ_ONCE(db->cq_armed)) {
			WRITE_ONCE(db->cq_armed, 0);
			if (q->efd)
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 8, 0)
				eventfd_signal(q->efd);
#else
				eventfd_signal(q->efd, 1);
#endif
		}
		if (wq_has_sleeper(&d->done_wq))
			wake_up_all(&d->done_wq);
	}
	return true;
}

static bool pending(struct oa_dev *d)
{
	struct oa_queue *q;

	list_for_each_entry(q, &d->queues, node)
		if (!q->stopped &&
		    /* acquire: pairs with the user's release of sq_tail */
		    smp_load_acquire(
			    &((struct oa_doorbell *)q->db->vaddr)->sq_tail) !=
			    q->sq_head)
			return true;
	return false;
}

static void set_need_wakeup(struct oa_dev *d, bool on)
{
	struct oa_queue *q;
	struct oa_doorbell *db;

	list_for_each_entry(q, &d->queues, node) {
		db = q->db->vaddr;
		WRITE_ONCE(db->flags,
			   on ? READ_ONCE(db->flags) | OA_DOORBELL_NEED_WAKEUP :
				READ_ONCE(db->flags) &
					   ~OA_DOORBELL_NEED_WAKEUP);
	}
}

static int oa_engine(void *data)
{
	struct oa_dev *d = data;
	u64 idle_since = ktime_get_ns();
	struct oa_queue *q;
	bool worked, work;

	while (!kthread_should_stop()) {
		worked = false;
		mutex_lock(&d->qlock);
		list_for_each_entry(q, &d->queues, node)
			worked |= service(d, q);
		mutex_unlock(&d->qlock);
		if (worked) {
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
		mutex_lock(&d->qlock);
		set_need_wakeup(d, true);
		/* full barrier: NEED_WAKEUP is visible before sq_tail is read again */
		smp_mb();
		work = pending(d);
		mutex_unlock(&d->qlock);
		if (!work)
			wait_event_interruptible_timeout(
				d->engine_wq,
				atomic_xchg(&d->kick, 0) ||
					kthread_should_stop(),
				HZ);
		mutex_lock(&d->qlock);
		set_need_wakeup(d, false);
		mutex_unlock(&d->qlock);
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
