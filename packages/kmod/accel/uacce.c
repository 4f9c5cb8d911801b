// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Device 0 registered with UACCE as well, when uacce.ko is loaded (its functions are taken with
 * symbol_get, so the driver loads without it). Non-SVA: every open of /dev/openaccel-N is a queue of
 * the 2.0 ring formats that the device's engine serves like any other; its doorbell is the MMIO region
 * and its control words, status words, rings and data area are the DUS region (see oa_uacce.h).
 */
#include <drm/drm_gem.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uacce.h>
#include "oa_drv.h"
#include "oa_uacce.h"

/* The one registration: device 0 and the framework's functions, referenced until it is removed. */
struct oa_uacce {
	struct oa_dev *dev;
	struct uacce_device *uacce;
	void (*remove)(struct uacce_device *uacce);
	char algs[128];
};

static struct oa_uacce *oa_uacce;

/*
 * A queue of the UACCE node. The engine sees a context (of) with no DRM file; its operand handles
 * name the data area alone.
 */
struct oa_uacce_queue {
	struct oa_file of;
	struct oa_queue *q;
	struct oa_bo *data;
	struct uacce_queue *uq;
	wait_queue_entry_t relay; /* on q->done_wq while started: completions wake poll() */
	bool started;
};

static const char *const oa_uacce_algs[OA_NUM_OPCODES] = {
	[OA_OP_NOP] = "nop",
	[OA_OP_COPY] = "copy",
	[OA_OP_FILL] = "fill",
	[OA_OP_CRC32C] = "crc32c",
	[OA_OP_SHA256] = "sha256",
	[OA_OP_DEFLATE] = "deflate",
	[OA_OP_INFLATE] = "inflate",
	[OA_OP_AES_GCM_ENCRYPT] = "aes_gcm_encrypt",
	[OA_OP_AES_GCM_DECRYPT] = "aes_gcm_decrypt",
};

static unsigned long pages_of(size_t bytes)
{
	return PAGE_ALIGN(bytes) >> PAGE_SHIFT;
}

static unsigned long dus_pages(void)
{
	return OA_UACCE_DUS_DATA_PAGE + pages_of(OA_UACCE_DATA_SIZE);
}

/* The engine's operand lookup for a context without a DRM file: the data area, referenced. */
struct drm_gem_object *oa_uacce_lookup(struct oa_file *of, u32 handle)
{
	struct oa_uacce_queue *uq = container_of(of, struct oa_uacce_queue, of);

	if (handle != OA_UACCE_HANDLE_DATA)
		return NULL;
	drm_gem_object_get(&uq->data->base.base);
	return &uq->data->base.base;
}

static int oa_uacce_available(struct uacce_device *uacce)
{
	struct oa_dev *d = uacce->priv;

	return max_t(int, 0, (int)d->max_queues - atomic_read(&d->queues_in_use));
}

static struct oa_bo *region(struct oa_dev *d, size_t bytes, int *err)
{
	struct oa_bo *bo;

	if (*err)
		return NULL;
	bo = oa_bo_create(d, PAGE_ALIGN(bytes), OA_BO_REGION_RW);
	if (IS_ERR(bo)) {
		*err = PTR_ERR(bo);
		return NULL;
	}
	return bo;
}

static void oa_uacce_queue_free(struct oa_uacce_queue *uq)
{
	if (uq->q)
		oa_queue_put(uq->q); /* its regions, and its count in queues_in_use */
	if (uq->data)
		drm_gem_object_put(&uq->data->base.base);
	mutex_destroy(&uq->of.lock);
	kfree(uq);
	module_put(THIS_MODULE);
}

/* open(): a queue with its regions allocated and mapped, not yet on the engine. */
static int oa_uacce_get_queue(struct uacce_device *uacce, unsigned long arg,
			      struct uacce_queue *q)
{
	struct oa_dev *d = uacce->priv;
	struct oa_uacce_queue *uq;
	struct oa_queue *oq;
	int ret = 0;

	/* An open queue holds the module: rmmod openaccel is refused until it is closed. */
	if (!try_module_get(THIS_MODULE))
		return -ENODEV;
	uq = kzalloc(sizeof(*uq), GFP_KERNEL_ACCOUNT);
	if (!uq) {
		module_put(THIS_MODULE);
		return -ENOMEM;
	}
	uq->of.dev = d;
	mutex_init(&uq->of.lock);
	if (atomic_inc_return(&d->queues_in_use) > d->max_queues) {
		atomic_dec(&d->queues_in_use);
		oa_uacce_queue_free(uq);
		return -EBUSY;
	}
	oq = kzalloc(sizeof(*oq), GFP_KERNEL_ACCOUNT);
	if (!oq) {
		atomic_dec(&d->queues_in_use);
		oa_uacce_queue_free(uq);
		return -ENOMEM;
	}
	kref_init(&oq->ref);
	oq->dev = d;
	oq->of = &uq->of;
	oq->sq_entries = OA_UACCE_SQ_ENTRIES;
	oq->cq_entries = OA_UACCE_CQ_ENTRIES;
	mutex_init(&oq->lock);
	init_waitqueue_head(&oq->done_wq);
	spin_lock_init(&oq->efd_lock);
	spin_lock_init(&oq->batch_lock);
	INIT_LIST_HEAD(&oq->batches);
	INIT_LIST_HEAD(&oq->node);
	uq->q = oq;
	oq->doorbell = region(d, OA_DOORBELL_SIZE, &ret);
	oq->control = region(d, OA_QUEUE_CONTROL_SIZE, &ret);
	oq->status = region(d, OA_QUEUE_STATUS_SIZE, &ret);
	oq->sq = region(d, OA_UACCE_SQ_ENTRIES * OA_SQE_SIZE, &ret);
	oq->cq = region(d, OA_UACCE_CQ_ENTRIES * OA_CQE_SIZE, &ret);
	uq->data = region(d, OA_UACCE_DATA_SIZE, &ret);
	if (ret) {
		oa_uacce_queue_free(uq);
		return ret;
	}
	/* As a new 2.0 queue: a system call is needed until the engine polls it (queue.initial-state). */
	((struct oa_queue_status *)oq->status->vaddr)->flags =
		OA_QUEUE_NEED_WAKEUP;
	uq->uq = q;
	q->priv = uq;
	return 0;
}

static void oa_uacce_put_queue(struct uacce_queue *q)
{
	oa_uacce_queue_free(q->priv);
	q->priv = NULL;
}

static int oa_uacce_relay(wait_queue_entry_t *wait, unsigned int mode,
			  int sync, void *key)
{
	struct oa_uacce_queue *uq = container_of(wait, struct oa_uacce_queue,
						 relay);

	wake_up_interruptible_all(&uq->uq->wait);
	return 0;
}

/* START_Q: the ring starts from index 0, as on a new queue, and the engine takes it. */
static int oa_uacce_start_queue(struct uacce_queue *q)
{
	struct oa_uacce_queue *uq = q->priv;
	struct oa_queue *oq = uq->q;
	struct oa_dev *d = oq->dev;

	/* Under the queue's lock: an engine pass that still holds the queue from before PUT_Q waits. */
	mutex_lock(&oq->lock);
	memset(oq->doorbell->vaddr, 0, OA_DOORBELL_SIZE);
	memset(oq->control->vaddr, 0, OA_QUEUE_CONTROL_SIZE);
	memset(oq->status->vaddr, 0, OA_QUEUE_STATUS_SIZE);
	memset(oq->cq->vaddr, 0, oq->cq->base.base.size);
	((struct oa_queue_status *)oq->status->vaddr)->flags =
		OA_QUEUE_NEED_WAKEUP;
	oq->sq_head = 0;
	oq->cq_tail = 0;
	oq->done = 0;
	oq->cq_stalled = false;
	WRITE_ONCE(oq->stopped, false);
	mutex_unlock(&oq->lock);
	init_waitqueue_func_entry(&uq->relay, oa_uacce_relay);
	add_wait_queue(&oq->done_wq, &uq->relay);
	mutex_lock(&d->list_lock);
	list_add_tail(&oq->node, &d->queues);
	mutex_unlock(&d->list_lock);
	uq->started = true;
	return 0;
}

/* PUT_Q and close: off the engine; the engine is done with the queue when this returns. */
static void oa_uacce_stop_queue(struct uacce_queue *q)
{
	struct oa_uacce_queue *uq = q->priv;
	struct oa_queue *oq = uq->q;

	mutex_lock(&oq->dev->list_lock);
	list_del(&oq->node);
	mutex_unlock(&oq->dev->list_lock);
	oa_queue_stop(oq);
	mutex_lock(&oq->lock); /* waits for the command the engine is running */
	mutex_unlock(&oq->lock);
	remove_wait_queue(&oq->done_wq, &uq->relay);
	uq->started = false;
}

/* poll(): readable while the CQ holds completions the user has not consumed. */
static int oa_uacce_is_q_updated(struct uacce_queue *q)
{
	struct oa_uacce_queue *uq = q->priv;
	struct oa_queue_control *ctl = uq->q->control->vaddr;
	struct oa_queue_status *st = uq->q->status->vaddr;

	/* acquire: pairs with the engine's release of cq_tail after the CQE */
	return smp_load_acquire(&st->cq_tail) != READ_ONCE(ctl->cq_head);
}

static long oa_uacce_ioctl(struct uacce_queue *q, unsigned int cmd,
			   unsigned long arg)
{
	struct oa_uacce_queue *uq = q->priv;

	if (cmd != OA_UACCE_CMD_WAKE || !uq->started)
		return -EINVAL;
	oa_engine_kick(uq->q->dev);
	return 0;
}

/* Inserts a bo's pages at addr; the mapping holds a reference on each page. */
static int map_bo(struct vm_area_struct *vma, unsigned long *addr,
		  struct oa_bo *bo)
{
	unsigned long n = bo->base.base.size >> PAGE_SHIFT;
	int ret = vm_insert_pages(vma, *addr, bo->base.pages, &n);

	*addr += bo->base.base.size;
	return ret;
}

static int oa_uacce_mmap(struct uacce_queue *q, struct vm_area_struct *vma,
			 struct uacce_qfile_region *qfr)
{
	struct oa_uacce_queue *uq = q->priv;
	struct oa_queue *oq = uq->q;
	unsigned long addr = vma->vm_start;
	int ret;

	if (vma_pages(vma) != q->uacce->qf_pg_num[qfr->type])
		return -EINVAL;
	if (is_cow_mapping(vma->vm_flags))
		return -EINVAL;
	if (vma->vm_flags & VM_EXEC)
		return -EPERM;
	vm_flags_clear(vma, VM_MAYEXEC);
	if (qfr->type == UACCE_QFRT_MMIO)
		return map_bo(vma, &addr, oq->doorbell);
	ret = map_bo(vma, &addr, oq->control);
	if (!ret)
		ret = map_bo(vma, &addr, oq->status);
	if (!ret)
		ret = map_bo(vma, &addr, oq->sq);
	if (!ret)
		ret = map_bo(vma, &addr, oq->cq);
	if (!ret)
		ret = map_bo(vma, &addr, uq->data);
	return ret;
}

static const struct uacce_ops oa_uacce_ops = {
	.get_available_instances = oa_uacce_available,
	.get_queue = oa_uacce_get_queue,
	.put_queue = oa_uacce_put_queue,
	.start_queue = oa_uacce_start_queue,
	.stop_queue = oa_uacce_stop_queue,
	.is_q_updated = oa_uacce_is_q_updated,
	.mmap = oa_uacce_mmap,
	.ioctl = oa_uacce_ioctl,
};

/* The algorithms attribute: the functions the engine implements, one per line. */
static void list_algs(struct oa_dev *d, char *buf, size_t size)
{
	size_t len = 0;
	int op;

	buf[0] = '\0';
	for (op = 0; op < OA_NUM_OPCODES; op++)
		if ((d->functions & BIT_ULL(op)) && oa_uacce_algs[op])
			len += scnprintf(buf + len, size - len, "%s%s",
					 len ? "\n" : "", oa_uacce_algs[op]);
}

/* Registers device 0 with UACCE when uacce.ko is loaded; without it, or on failure, nothing changes. */
void oa_uacce_add(struct oa_dev *d, struct device *parent)
{
	struct uacce_interface iface = { .name = OA_UACCE_NAME, .ops = &oa_uacce_ops };
	struct uacce_device *(*alloc)(struct device *parent,
				      struct uacce_interface *iface);
	int (*reg)(struct uacce_device *uacce);
	struct oa_uacce *u;
	int ret;

	BUILD_BUG_ON(OA_UACCE_SQ_ENTRIES * OA_SQE_SIZE > PAGE_SIZE ||
		     OA_UACCE_CQ_ENTRIES * OA_CQE_SIZE > PAGE_SIZE);
	if (d->index != 0 || oa_uacce)
		return;
	alloc = symbol_get(uacce_alloc);
	reg = symbol_get(uacce_register);
	u = kzalloc(sizeof(*u), GFP_KERNEL);
	if (u)
		u->remove = symbol_get(uacce_remove);
	if (!alloc || !reg || !u || !u->remove)
		goto out;
	u->dev = d;
	list_algs(d, u->algs, sizeof(u->algs));
	u->uacce = alloc(parent, &iface);
	if (IS_ERR(u->uacce)) {
		dev_err(parent, "uacce_alloc: %pe\n", u->uacce);
		goto out;
	}
	u->uacce->algs = u->algs;
	u->uacce->api_ver = OA_UACCE_API;
	u->uacce->qf_pg_num[UACCE_QFRT_MMIO] = OA_UACCE_MMIO_PAGES;
	u->uacce->qf_pg_num[UACCE_QFRT_DUS] = dus_pages();
	u->uacce->priv = d;
	ret = reg(u->uacce);
	if (ret) {
		dev_err(parent, "uacce_register: %d\n", ret);
		u->remove(u->uacce); /* frees what uacce_alloc made */
		goto out;
	}
	dev_info(parent, "UACCE queues at /dev/%s\n", dev_name(&u->uacce->dev));
	oa_uacce = u;
	u = NULL;
out:
	if (alloc)
		symbol_put(uacce_alloc);
	if (reg)
		symbol_put(uacce_register);
	if (u && u->remove)
		symbol_put(uacce_remove);
	kfree(u);
}

/* Before the engine stops: UACCE puts every open queue (off the engine) and unmaps it. */
void oa_uacce_remove(struct oa_dev *d)
{
	struct oa_uacce *u = oa_uacce;

	if (!u || u->dev != d)
		return;
	oa_uacce = NULL;
	u->remove(u->uacce);
	symbol_put(uacce_remove);
	kfree(u);
}
