// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Memory as GEM objects on the shmem helpers: device memory (GEM_CREATE, accounted in the pool),
 * imports, and the queue regions, which are GEM objects no handle names. Exports go through DRM's
 * PRIME helpers with CPU access that waits for the device's fences.
 */
#include <drm/drm_drv.h>
#include <drm/drm_gem.h>
#include <drm/drm_prime.h>
#include <linux/dma-buf.h>
#include <linux/dma-resv.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include "oa_drv.h"

/* CPU access waits for what the engine still writes or reads (the fences in the object's dma_resv). */
static int oa_dmabuf_begin_cpu_access(struct dma_buf *dmabuf,
				      enum dma_data_direction dir)
{
	struct drm_gem_object *obj = dmabuf->priv;
	long ret = dma_resv_wait_timeout(obj->resv,
					 dma_resv_usage_rw(dir != DMA_TO_DEVICE),
					 true, MAX_SCHEDULE_TIMEOUT);

	return ret < 0 ? ret : 0;
}

static int oa_dmabuf_end_cpu_access(struct dma_buf *dmabuf,
				    enum dma_data_direction dir)
{
	return 0; /* shmem pages are cacheable and coherent with a software engine */
}

static const struct dma_buf_ops oa_dmabuf_ops = {
	.attach = drm_gem_map_attach,
	.detach = drm_gem_map_detach,
	.map_dma_buf = drm_gem_map_dma_buf,
	.unmap_dma_buf = drm_gem_unmap_dma_buf,
	.release = drm_gem_dmabuf_release,
	.mmap = drm_gem_dmabuf_mmap,
	.vmap = drm_gem_dmabuf_vmap,
	.vunmap = drm_gem_dmabuf_vunmap,
	.begin_cpu_access = oa_dmabuf_begin_cpu_access,
	.end_cpu_access = oa_dmabuf_end_cpu_access,
};

static struct dma_buf *oa_gem_export(struct drm_gem_object *obj, int flags)
{
	struct dma_buf_export_info exp = {
		.exp_name = KBUILD_MODNAME,
		.owner = obj->dev->driver->fops->owner,
		.ops = &oa_dmabuf_ops,
		.size = obj->size,
		.flags = flags,
		.priv = obj,
		.resv = obj->resv,
	};

	if (to_oa_bo(obj)->kind != OA_BO_MEMORY)
		return ERR_PTR(-EINVAL);
	return drm_gem_dmabuf_export(obj->dev, &exp);
}

static void oa_gem_free(struct drm_gem_object *obj)
{
	struct oa_bo *bo = to_oa_bo(obj);

	if (bo->vaddr) {
		struct iosys_map map = IOSYS_MAP_INIT_VADDR(bo->vaddr);

		drm_gem_vunmap_unlocked(obj, &map);
	}
	if (bo->pool)
		atomic64_sub(bo->pool_bytes, &bo->pool->used);
	mutex_destroy(&bo->vmap_lock);
	drm_gem_shmem_object_free(obj);
}

/* PROT_EXEC never; the status region and the CQ read-only (the mmap rules of the spec, in order). */
static int oa_gem_mmap(struct drm_gem_object *obj, struct vm_area_struct *vma)
{
	struct oa_bo *bo = to_oa_bo(obj);

	if (is_cow_mapping(vma->vm_flags))
		return -EINVAL;
	if (vma->vm_flags & VM_EXEC)
		return -EPERM;
	if (bo->kind == OA_BO_REGION_RO) {
		if (vma->vm_flags & VM_WRITE)
			return -EPERM;
		vm_flags_clear(vma, VM_MAYWRITE);
	}
	vm_flags_clear(vma, VM_MAYEXEC);
	return drm_gem_shmem_object_mmap(obj, vma);
}

/*
 * Every GEM handle of a file (GEM_CREATE, PRIME import) counts against the file's limits: DRM calls
 * open when it makes the handle and undoes the handle when open fails. ENOSPC is what DRM answers when
 * its handle table is full; ENOMEM is GEM_CREATE's out_of_memory.
 */
static int oa_gem_open(struct drm_gem_object *obj, struct drm_file *file)
{
	struct oa_file *of = file->driver_priv;
	u64 max_bytes = (u64)READ_ONCE(oa_file_max_memory_mib) << 20;

	if (atomic_inc_return(&of->objects) > READ_ONCE(oa_file_max_objects)) {
		atomic_dec(&of->objects);
		return -ENOSPC;
	}
	if (atomic64_add_return(obj->size, &of->object_bytes) > max_bytes) {
		atomic64_sub(obj->size, &of->object_bytes);
		atomic_dec(&of->objects);
		return -ENOMEM;
	}
	return 0;
}

static void oa_gem_close(struct drm_gem_object *obj, struct drm_file *file)
{
	struct oa_file *of = file->driver_priv;

	atomic64_sub(obj->size, &of->object_bytes);
	atomic_dec(&of->objects);
}

static const struct drm_gem_object_funcs oa_gem_funcs = {
	.free = oa_gem_free,
	.open = oa_gem_open,
	.close = oa_gem_close,
	.print_info = drm_gem_shmem_object_print_info,
	.pin = drm_gem_shmem_object_pin,
	.unpin = drm_gem_shmem_object_unpin,
	.get_sg_table = drm_gem_shmem_object_get_sg_table,
	.vmap = drm_gem_shmem_object_vmap,
	.vunmap = drm_gem_shmem_object_vunmap,
	.mmap = oa_gem_mmap,
	.export = oa_gem_export,
	.vm_ops = &drm_gem_shmem_vm_ops,
};

/* A dma-buf this driver exported comes back as the same object, whichever device exported it. */
struct drm_gem_object *oa_gem_prime_import(struct drm_device *drm,
					   struct dma_buf *dmabuf)
{
	struct drm_gem_object *obj = dmabuf->priv;

	if (dmabuf->ops == &oa_dmabuf_ops && obj->dev == drm) {
		drm_gem_object_get(obj);
		return obj;
	}
	return drm_gem_prime_import(drm, dmabuf);
}

/* drm_driver.gem_create_object: every GEM object of the driver, created or imported, is an oa_bo. */
struct drm_gem_object *oa_gem_create_object(struct drm_device *drm,
					    size_t size)
{
	struct oa_bo *bo = kzalloc(sizeof(*bo), GFP_KERNEL_ACCOUNT);

	if (!bo)
		return ERR_PTR(-ENOMEM);
	/* Until a creator says otherwise it is an import: only the import path leaves it so. */
	bo->kind = OA_BO_IMPORTED;
	bo->memory_id = OA_MEMORY_ID_IMPORTED;
	mutex_init(&bo->vmap_lock);
	bo->base.base.funcs = &oa_gem_funcs;
	return &bo->base.base;
}

/* The kernel address of a bo, mapped on first use and kept until it is freed; NULL if it cannot be. */
void *oa_bo_vaddr(struct oa_bo *bo)
{
	struct iosys_map map;
	void *vaddr;

	mutex_lock(&bo->vmap_lock);
	if (!bo->vaddr && !drm_gem_vmap_unlocked(&bo->base.base, &map)) {
		if (map.is_iomem) /* an import the CPU cannot address plainly */
			drm_gem_vunmap_unlocked(&bo->base.base, &map);
		else
			bo->vaddr = map.vaddr;
	}
	vaddr = bo->vaddr;
	mutex_unlock(&bo->vmap_lock);
	return vaddr;
}

/* A bo of the driver's own: pages allocated and mapped now, so the engine never allocates. */
struct oa_bo *oa_bo_create(struct oa_dev *d, size_t size, enum oa_bo_kind kind)
{
	struct drm_gem_shmem_object *shmem;
	struct oa_bo *bo;
	int ret;

	shmem = drm_gem_shmem_create(&d->drm, size);
	if (IS_ERR(shmem))
		return ERR_CAST(shmem);
	bo = container_of(shmem, struct oa_bo, base);
	bo->kind = kind;
	bo->memory_id = 0;
	ret = drm_gem_create_mmap_offset(&shmem->base);
	if (!ret && !oa_bo_vaddr(bo))
		ret = -ENOMEM;
	if (ret) {
		drm_gem_object_put(&shmem->base);
		return ERR_PTR(ret);
	}
	return bo;
}

int oa_query_memory(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct oa_dev *d = to_oa_dev(drm);
	struct oa_memory_info *a = data;
	int ret = oa_ctx_check(file->driver_priv, 0, 0, false, false);

	if (ret)
		return ret;
	if (a->memory_id != 0)
		return -ENOENT;
	a->kind = OA_MEMORY_HBM;
	a->properties = OA_MEMORY_CPU_VISIBLE |
			(d->ndevices > 1 ? OA_MEMORY_SHARED : 0);
	a->alloc_align = d->pool ? PAGE_SIZE : 0;
	a->size = d->pool ? d->pool->size : 0;
	a->free = d->pool ? d->pool->size - atomic64_read(&d->pool->used) : 0;
	return 0;
}

/* Takes size bytes from the pool, or fails without taking any. */
static bool pool_take(struct oa_pool *pool, u64 size)
{
	s64 used = atomic64_read(&pool->used);

	do {
		if (size > pool->size - used)
			return false;
	} while (!atomic64_try_cmpxchg(&pool->used, &used, used + size));
	return true;
}

int oa_gem_create(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct oa_dev *d = to_oa_dev(drm);
	struct oa_gem_create *a = data;
	struct oa_bo *bo;
	u32 handle;
	int ret = oa_ctx_check(file->driver_priv, a->flags,
			       OA_GEM_CREATE_FLAGS_VALID_MASK, a->reserved,
			       false);

	if (ret)
		return ret;
	if (a->memory_id != 0)
		return -ENOENT;
	if (!d->pool)
		return -EOPNOTSUPP;
	if (!a->size || !IS_ALIGNED(a->size, PAGE_SIZE))
		return -EINVAL;
	if (!pool_take(d->pool, a->size))
		return -ENOMEM;
	bo = oa_bo_create(d, a->size, OA_BO_MEMORY);
	if (IS_ERR(bo)) {
		atomic64_sub(a->size, &d->pool->used);
		return PTR_ERR(bo);
	}
	bo->pool = d->pool;
	bo->pool_bytes = a->size;
	/* The handle is the last step: nothing is left to undo once user space can name the object. */
	ret = drm_gem_handle_create(file, &bo->base.base, &handle);
	drm_gem_object_put(&bo->base.base);
	if (ret)
		return ret;
	a->handle = handle;
	return 0;
}

int oa_gem_info(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct oa_gem_info *a = data;
	struct drm_gem_object *obj;
	struct oa_bo *bo;
	int ret = oa_ctx_check(file->driver_priv, a->flags,
			       OA_GEM_INFO_FLAGS_VALID_MASK, a->reserved, false);

	if (ret)
		return ret;
	obj = drm_gem_object_lookup(file, a->handle);
	if (!obj)
		return -ENOENT;
	bo = to_oa_bo(obj);
	ret = drm_gem_create_mmap_offset(obj);
	if (!ret) {
		a->memory_id = bo->memory_id;
		a->size = obj->size;
		a->mmap_offset = drm_vma_node_offset_addr(&obj->vma_node);
	}
	drm_gem_object_put(obj);
	return ret;
}
