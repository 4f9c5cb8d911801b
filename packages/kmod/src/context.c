// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * A context per open file. The ioctl dispatcher applies the spec's common rules in their order
 * (unknown_ioctl, foreign_process, arg_fault, size_too_small, size_mismatch, nonzero_tail,
 * unknown_flags, reserved_nonzero, not_bound), then the ioctl's own.
 */
#include <linux/fs.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include "oa.h"

union oa_args {
	struct oa_device_info info;
	struct oa_bind_context bind;
	struct oa_create_queue create;
	struct oa_destroy_queue destroy;
	struct oa_set_eventfd eventfd;
	struct oa_submit submit;
	struct oa_memory_info memory;
	struct oa_alloc_memory alloc;
	struct oa_free_memory free;
	struct oa_import_dmabuf import;
	struct oa_export_dmabuf export;
};

static long oa_get_info(struct oa_ctx *ctx, union oa_args *a)
{
	struct oa_dev *d = ctx->dev;
	struct oa_device_info *i = &a->info;

	i->api_major = OA_API_VERSION_MAJOR;
	i->api_minor = OA_API_VERSION_MINOR;
	i->caps = d->caps;
	i->functions = d->functions;
	i->vendor_id = 0;
	i->device_id = 0;
	i->max_queues = d->max_queues;
	i->free_queues = d->max_queues - atomic_read(&d->queues_in_use);
	i->max_sq_entries = OA_MAX_SQ_ENTRIES;
	i->max_cq_entries = OA_MAX_CQ_ENTRIES;
	i->sqe_size = OA_SQE_SIZE;
	i->cqe_size = OA_CQE_SIZE;
	i->num_memories = d->pool ? 1 : 0;
	i->pasid_bits = 0;
	i->numa_node = d->index % num_online_nodes();
	i->max_transfer_bytes = OA_MAX_TRANSFER;
	i->doorbell_size = OA_DOORBELL_REGION_SIZE;
	memset(i->name, 0, sizeof(i->name));
	strscpy(i->name, d->model, sizeof(i->name));
	return 0;
}

static long oa_bind(struct oa_ctx *ctx, union oa_args *a)
{
	if (ctx->bound)
		return -EBUSY;
	if (a->bind.flags & OA_BIND_SVA)
		return -EOPNOTSUPP; /* no OA_CAP_SVA */
	ctx->bound = true;
	ctx->tgid = current->tgid;
	a->bind.pasid = 0;
	a->bind.context_id = ctx->id;
	return 0;
}

static long do_create(struct oa_ctx *c, union oa_args *a)
{
	return oa_create_queue(c, &a->create);
}
static long do_destroy(struct oa_ctx *c, union oa_args *a)
{
	return oa_destroy_queue(c, a->destroy.queue_id);
}
static long do_eventfd(struct oa_ctx *c, union oa_args *a)
{
	return oa_set_eventfd(c, &a->eventfd);
}
static long do_submit(struct oa_ctx *c, union oa_args *a)
{
	return oa_submit(c, &a->submit);
}
static long do_query(struct oa_ctx *c, union oa_args *a)
{
	return oa_query_memory(c, &a->memory);
}
static long do_alloc(struct oa_ctx *c, union oa_args *a)
{
	return oa_alloc_memory(c, &a->alloc);
}
static long do_free(struct oa_ctx *c, union oa_args *a)
{
	return oa_free_memory(c, a->free.handle);
}
static long do_import(struct oa_ctx *c, union oa_args *a)
{
	return oa_import_dmabuf(c, &a->import);
}
static long do_export(struct oa_ctx *c, union oa_args *a)
{
	return oa_export_dmabuf(c, &a->export);
}

struct oa_ioctl_desc {
	unsigned int cmd;
	size_t size;
	long (*fn)(struct oa_ctx *ctx, union oa_args *a);
	bool unbound_ok;
	/* Whether the handler takes ctx->lock itself (it may sleep for long). */
	bool self_locked;
	int flags_off; /* offset of the input flags field, or -1 */
	u32 flags_mask;
	int reserved_off; /* offset of a reserved u32, or -1 */
};

#define OA_DESC(c, s, f, ub, sl, fo, fm, ro) \
	[_IOC_NR(c)] = { c, sizeof(struct s), f, ub, sl, fo, fm, ro }

static const struct oa_ioctl_desc oa_ioctls[] = {
	OA_DESC(OA_IOCTL_GET_INFO, oa_device_info, oa_get_info, true, false,
		offsetof(struct oa_device_info, flags),
		OA_INFO_FLAGS_VALID_MASK, -1),
	OA_DESC(OA_IOCTL_BIND_CONTEXT, oa_bind_context, oa_bind, true, false,
		offsetof(struct oa_bind_context, flags),
		OA_BIND_FLAGS_VALID_MASK, -1),
	OA_DESC(OA_IOCTL_CREATE_QUEUE, oa_create_queue, do_create, false, false,
		offsetof(struct oa_create_queue, flags),
		OA_QUEUE_FLAGS_VALID_MASK, -1),
	OA_DESC(OA_IOCTL_DESTROY_QUEUE, oa_destroy_queue, do_destroy, false,
		false, -1, 0, -1),
	OA_DESC(OA_IOCTL_SET_EVENTFD, oa_set_eventfd, do_eventfd, false, false,
		offsetof(struct oa_set_eventfd, flags),
		OA_EVENTFD_FLAGS_VALID_MASK, -1),
	OA_DESC(OA_IOCTL_SUBMIT, oa_submit, do_submit, false, true,
		offsetof(struct oa_submit, flags), OA_SUBMIT_FLAGS_VALID_MASK,
		-1),
	OA_DESC(OA_IOCTL_QUERY_MEMORY, oa_memory_info, do_query, true, false,
		-1, 0, offsetof(struct oa_memory_info, reserved)),
	OA_DESC(OA_IOCTL_ALLOC_MEMORY, oa_alloc_memory, do_alloc, false, false,
		offsetof(struct oa_alloc_memory, flags),
		OA_ALLOC_FLAGS_VALID_MASK, -1),
	OA_DESC(OA_IOCTL_FREE_MEMORY, oa_free_memory, do_free, false, false, -1,
		0, -1),
	OA_DESC(OA_IOCTL_IMPORT_DMABUF, oa_import_dmabuf, do_import, false,
		false, offsetof(struct oa_import_dmabuf, flags),
		OA_IMPORT_FLAGS_VALID_MASK, -1),
	OA_DESC(OA_IOCTL_EXPORT_DMABUF, oa_export_dmabuf, do_export, false,
		false, offsetof(struct oa_export_dmabuf, flags),
		OA_EXPORT_FLAGS_VALID_MASK, -1),
};

static long oa_ioctl(struct file *f, unsigned int cmd, unsigned long uarg)
{
	struct oa_ctx *ctx = f->private_data;
	const struct oa_ioctl_desc *io;
	void __user *up = (void __user *)uarg;
	union oa_args a;
	size_t usize;
	u32 size_field, v;
	long ret;

	if (_IOC_TYPE(cmd) != OA_IOCTL_TYPE ||
	    _IOC_NR(cmd) >= ARRAY_SIZE(oa_ioctls))
		return -ENOTTY;
	io = &oa_ioctls[_IOC_NR(cmd)];
	if (!io->fn || _IOC_DIR(cmd) != _IOC_DIR(io->cmd))
		return -ENOTTY;
	if (READ_ONCE(ctx->bound) && current->tgid != ctx->tgid)
		return -EPERM;
	usize = _IOC_SIZE(cmd);
	if (usize < io->size)
		return -EINVAL;
	if (get_user(size_field, (u32 __user *)up))
		return -EFAULT;
	if (size_field != usize)
		return -EINVAL;
	ret = copy_struct_from_user(&a, io->size, up, usize);
	if (ret)
		return ret;
	if (io->flags_off >= 0) {
		memcpy(&v, (u8 *)&a + io->flags_off, 4);
		if (v & ~io->flags_mask)
			return -EINVAL;
	}
	if (io->reserved_off >= 0) {
		memcpy(&v, (u8 *)&a + io->reserved_off, 4);
		if (v)
			return -EINVAL;
	}
	if (!READ_ONCE(ctx->bound) && !io->unbound_ok)
		return -EBADFD;
	if (io->self_locked) {
		ret = io->fn(ctx, &a);
	} else {
		mutex_lock(&ctx->lock);
		ret = io->fn(ctx, &a);
		mutex_unlock(&ctx->lock);
	}
	if (ret)
		return ret;
	if ((_IOC_DIR(cmd) & _IOC_READ) &&
	    copy_to_user(up, &a, min(usize, io->size)))
		return -EFAULT;
	return 0;
}

static int oa_open(struct inode *inode, struct file *f)
{
	struct oa_dev *d = container_of(inode->i_cdev, struct oa_dev, cdev);
	struct oa_ctx *ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);

	if (!ctx)
		return -ENOMEM;
	ctx->dev = d;
	ctx->id = atomic_inc_return(&d->next_ctx_id);
	mutex_init(&ctx->lock);
	xa_init_flags(&ctx->queues, XA_FLAGS_ALLOC1);
	xa_init_flags(&ctx->mems, XA_FLAGS_ALLOC1);
	f->private_data = ctx;
	return 0;
}

/* close(): every queue and handle of the context goes at once (rule context.lifetime). */
static int oa_release(struct inode *inode, struct file *f)
{
	struct oa_ctx *ctx = f->private_data;

	oa_ctx_drop_queues(ctx);
	oa_ctx_drop_mems(ctx);
	xa_destroy(&ctx->queues);
	xa_destroy(&ctx->mems);
	kfree(ctx);
	return 0;
}

const struct file_operations oa_fops = {
	.owner = THIS_MODULE,
	.open = oa_open,
	.release = oa_release,
	.unlocked_ioctl = oa_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = oa_mmap,
	.llseek = noop_llseek,
};
