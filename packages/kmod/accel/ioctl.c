// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The driver-private ioctl table (dispatched and bounds-checked by drm_ioctl), the common checks of
 * every ioctl, the device queries, BIND_CONTEXT and fdinfo.
 */
#include <drm/drm_drv.h>
#include <drm/drm_gem.h>
#include <drm/drm_ioctl.h>
#include <drm/drm_print.h>
#include <linux/cache.h>
#include <linux/uaccess.h>
#include "oa_drv.h"

/* Common rules 5-8 of the spec, in their order: foreign process, flags, reserved, not bound. */
int oa_ctx_check(struct oa_file *of, u32 flags, u32 valid, bool reserved,
		 bool need_bind)
{
	/* acquire: pairs with the release in BIND_CONTEXT */
	struct pid *owner = smp_load_acquire(&of->owner);

	if (owner && owner != task_tgid(current))
		return -EPERM;
	if (flags & ~valid)
		return -EINVAL;
	if (reserved)
		return -EINVAL;
	if (need_bind && !owner)
		return -EBADFD;
	return 0;
}

static int oa_get_info(struct drm_device *drm, void *data,
		       struct drm_file *file)
{
	struct oa_dev *d = to_oa_dev(drm);
	struct oa_device_info *a = data;
	int ret = oa_ctx_check(file->driver_priv, a->flags,
			       OA_INFO_FLAGS_VALID_MASK, false, false);

	if (ret)
		return ret;
	a->api_major = OA_API_VERSION_MAJOR;
	a->api_minor = OA_API_VERSION_MINOR;
	a->caps = d->caps;
	a->vendor_id = 0;
	a->device_id = 0;
	a->max_queues = d->max_queues;
	a->free_queues = d->max_queues - atomic_read(&d->queues_in_use);
	a->max_sq_entries = OA_MAX_SQ_ENTRIES;
	a->max_cq_entries = OA_MAX_CQ_ENTRIES;
	a->sqe_size = OA_SQE_SIZE;
	a->cqe_size = OA_CQE_SIZE;
	a->num_memories = 1;
	a->numa_node = dev_to_node(drm->dev);
	a->max_transfer_bytes = OA_MAX_TRANSFER;
	a->num_opcodes = OA_NUM_OPCODES;
	a->page_size = PAGE_SIZE;
	a->cache_line_size = min_t(u32, cache_line_size(), OA_CACHE_LINE_MAX);
	a->max_syncobj_points = OA_MAX_SYNCOBJ_POINTS;
	strscpy_pad(a->name, d->model, sizeof(a->name));
	return 0;
}

static int oa_query_functions(struct drm_device *drm, void *data,
			      struct drm_file *file)
{
	struct oa_dev *d = to_oa_dev(drm);
	struct oa_query_functions *a = data;
	u32 needed = DIV_ROUND_UP(OA_NUM_OPCODES, 64);
	u64 word = d->functions;
	int ret = oa_ctx_check(file->driver_priv, a->flags,
			       OA_QUERY_FUNCTIONS_FLAGS_VALID_MASK, false,
			       false);

	if (ret)
		return ret;
	BUILD_BUG_ON(OA_NUM_OPCODES > 64);
	if (a->num_words &&
	    copy_to_user(u64_to_user_ptr(a->bitmap_ptr), &word, sizeof(word)))
		return -EFAULT;
	a->num_words = needed;
	return 0;
}

static int oa_bind_context(struct drm_device *drm, void *data,
			   struct drm_file *file)
{
	struct oa_dev *d = to_oa_dev(drm);
	struct oa_file *of = file->driver_priv;
	struct oa_bind_context *a = data;
	int ret = oa_ctx_check(of, a->flags, OA_BIND_FLAGS_VALID_MASK, false,
			       false);

	if (ret)
		return ret;
	mutex_lock(&of->lock);
	if (of->owner)
		ret = -EBUSY;
	else if ((a->flags & OA_BIND_SVA) && !(d->caps & OA_CAP_SVA))
		ret = -EOPNOTSUPP;
	else if (a->flags & OA_BIND_SVA)
		ret = oa_sva_bind(of);
	if (!ret)
		/* release: the owner (and sva_mm) published whole (rule context.lifetime) */
		smp_store_release(&of->owner, get_pid(task_tgid(current)));
	mutex_unlock(&of->lock);
	if (!ret)
		a->context_id = lower_32_bits(file->client_id);
	return ret;
}

#define OA_IOCTL(name, fn) \
	DRM_IOCTL_DEF_DRV(OA_##name, fn, DRM_RENDER_ALLOW)

const struct drm_ioctl_desc oa_ioctls[] = {
	OA_IOCTL(GET_INFO, oa_get_info),
	OA_IOCTL(QUERY_FUNCTIONS, oa_query_functions),
	OA_IOCTL(BIND_CONTEXT, oa_bind_context),
	OA_IOCTL(CREATE_QUEUE, oa_create_queue),
	OA_IOCTL(DESTROY_QUEUE, oa_destroy_queue),
	OA_IOCTL(SET_EVENTFD, oa_set_eventfd),
	OA_IOCTL(SUBMIT, oa_submit),
	OA_IOCTL(QUERY_MEMORY, oa_query_memory),
	OA_IOCTL(GEM_CREATE, oa_gem_create),
	OA_IOCTL(GEM_INFO, oa_gem_info),
};

const int oa_num_ioctls = ARRAY_SIZE(oa_ioctls);

static const char *const oa_op_names[OA_NUM_OPCODES] = {
	"nop",	  "copy",    "fill",	"crc32c",	   "sha256",
	"deflate", "inflate", "aes_gcm_encrypt", "aes_gcm_decrypt",
};

/* fdinfo keys of the drm-usage-stats document; drm_show_fdinfo printed drm-driver and drm-client-id. */
void oa_show_fdinfo(struct drm_printer *p, struct drm_file *file)
{
	struct oa_file *of = file->driver_priv;
	struct drm_memory_stats mem = {}, imported = {};
	struct drm_gem_object *obj;
	struct oa_bo *bo;
	int i, id;

	for (i = 0; i < OA_NUM_OPCODES; i++)
		drm_printf(p, "drm-engine-%s:\t%llu ns\n", oa_op_names[i],
			   (u64)atomic64_read(&of->engine_ns[i]));
	spin_lock(&file->table_lock);
	idr_for_each_entry(&file->object_idr, obj, id) {
		struct drm_memory_stats *s;

		bo = to_oa_bo(obj);
		s = bo->kind == OA_BO_IMPORTED ? &imported : &mem;
		if (obj->handle_count > 1 || obj->dma_buf ||
		    obj->import_attach)
			s->shared += obj->size;
		else
			s->private += obj->size;
		if (bo->kind == OA_BO_IMPORTED || bo->base.pages)
			s->resident += obj->size;
	}
	spin_unlock(&file->table_lock);
	drm_print_memory_stats(p, &mem, DRM_GEM_OBJECT_RESIDENT, "hbm0");
	drm_print_memory_stats(p, &imported, DRM_GEM_OBJECT_RESIDENT,
			       "system");
	mutex_lock(&of->lock);
	drm_printf(p, "openaccel-queues:\t%u\n", of->nqueues);
	mutex_unlock(&of->lock);
	drm_printf(p, "openaccel-sva:\t%d\n", oa_sva_live(of));
}
