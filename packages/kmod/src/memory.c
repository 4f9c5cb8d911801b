// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Memory handles. Device memory is vmalloc'ed from a pool all devices share and is a dma-buf exporter;
 * imported dma-bufs (this driver's, the system dma-heap's, udmabuf's) are reached through dma_buf_vmap,
 * which is what a software engine needs: a kernel address, no DMA mapping.
 */
#include <linux/dma-buf.h>
#include <linux/mm.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include "oa.h"

static void devmem_free(struct kref *k)
{
	struct oa_devmem *m = container_of(k, struct oa_devmem, ref);
	struct oa_pool *p = m->dev->pool;

	spin_lock(&p->lock);
	p->used -= m->size;
	spin_unlock(&p->lock);
	vfree(m->vaddr);
	kfree(m);
}

/* ---- device memory as a dma-buf */

static struct sg_table *oa_map_dma_buf(struct dma_buf_attachment *at,
				       enum dma_data_direction dir)
{
	struct oa_devmem *m = at->dmabuf->priv;
	unsigned int i, n = m->size >> PAGE_SHIFT;
	struct page **pages;
	struct sg_table *sgt;
	int ret;

	sgt = kzalloc(sizeof(*sgt), GFP_KERNEL);
	pages = kvmalloc_array(n, sizeof(*pages), GFP_KERNEL);
	if (!sgt || !pages) {
		ret = -ENOMEM;
		goto fail;
	}
	for (i = 0; i < n; i++)
		pages[i] =
			vmalloc_to_page(m->vaddr + ((size_t)i << PAGE_SHIFT));
	ret = sg_alloc_table_from_pages(sgt, pages, n, 0, m->size, GFP_KERNEL);
	if (ret)
		goto fail;
	ret = dma_map_sgtable(at->dev, sgt, dir, 0);
	if (ret) {
		sg_free_table(sgt);
		goto fail;
	}
	kvfree(pages);
	return sgt;
fail:
	kvfree(pages);
	kfree(sgt);
	return ERR_PTR(ret);
}

static void oa_unmap_dma_buf(struct dma_buf_attachment *at,
			     struct sg_table *sgt, enum dma_data_direction dir)
{
	dma_unmap_sgtable(at->dev, sgt, dir, 0);
	sg_free_table(sgt);
	kfree(sgt);
}

static void oa_dmabuf_release(struct dma_buf *buf)
{
	kref_put(&((struct oa_devmem *)buf->priv)->ref, devmem_free);
}

static int oa_dmabuf_mmap(struct dma_buf *buf, struct vm_area_struct *vma)
{
	struct oa_devmem *m = buf->priv;

	return remap_vmalloc_range(vma, m->vaddr, vma->vm_pgoff);
}

static int oa_dmabuf_vmap(struct dma_buf *buf, struct iosys_map *map)
{
	iosys_map_set_vaddr(map, ((struct oa_devmem *)buf->priv)->vaddr);
	return 0;
}

static const struct dma_buf_ops oa_dmabuf_ops = {
	.map_dma_buf = oa_map_dma_buf,
	.unmap_dma_buf = oa_unmap_dma_buf,
	.release = oa_dmabuf_release,
	.mmap = oa_dmabuf_mmap,
	.vmap = oa_dmabuf_vmap,
};

/* ---- handles */

static void mem_free(struct oa_mem *h)
{
	if (h->dmabuf) {
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
		dma_buf_vunmap_unlocked(h->dmabuf, &h->map);
#else
		dma_buf_vunmap(h->dmabuf, &h->map);
#endif
		dma_buf_put(h->dmabuf);
	}
	if (h->devmem)
		kref_put(&h->devmem->ref, devmem_free);
	kfree(h);
}

/* Removes a handle; under the device's qlock, so the engine never holds a freed one mid-command. */
static int mem_remove(struct oa_ctx *ctx, u32 handle)
{
	struct oa_mem *h;

	mutex_lock(&ctx->dev->qlock);
	h = xa_erase(&ctx->mems, handle);
	mutex_unlock(&ctx->dev->qlock);
	if (!h)
		return -ENOENT;
	mem_free(h);
	return 0;
}

static int mem_add(struct oa_ctx *ctx, struct oa_mem *h, u32 *handle)
{
	int ret;

	mutex_lock(&ctx->dev->qlock);
	ret = xa_alloc(&ctx->mems, handle, h, xa_limit_32b, GFP_KERNEL);
	mutex_unlock(&ctx->dev->qlock);
	return ret;
}

long oa_query_memory(struct oa_ctx *ctx, struct oa_memory_info *a)
{
	struct oa_pool *p = ctx->dev->pool;

	if (!p || a->memory_id != 0)
		return -ENOENT;
	a->kind = OA_MEMORY_HBM;
	a->properties = (oa_device_count > 1 ? OA_MEMORY_SHARED : 0) |
			OA_MEMORY_CPU_VISIBLE;
	a->numa_node = -1;
	a->reserved = 0;
	a->total_bytes = p->size;
	spin_lock(&p->lock);
	a->free_bytes = p->size - p->used;
	spin_unlock(&p->lock);
	return 0;
}

long oa_alloc_memory(struct oa_ctx *ctx, struct oa_alloc_memory *a)
{
	struct oa_dev *d = ctx->dev;
	struct oa_devmem *m;
	struct oa_mem *h;
	int ret;

	if (!d->pool || a->memory_id != 0)
		return -ENOENT;
	if (!(d->caps & OA_CAP_DEVICE_MEMORY))
		return -EOPNOTSUPP;
	if (a->length == 0 || a->length % OA_MEMORY_ALIGN)
		return -EINVAL;
	spin_lock(&d->pool->lock);
	if (a->length > d->pool->size - d->pool->used) {
		spin_unlock(&d->pool->lock);
		return -ENOMEM;
	}
	d->pool->used += a->length;
	spin_unlock(&d->pool->lock);
	m = kzalloc(sizeof(*m), GFP_KERNEL);
	h = kzalloc(sizeof(*h), GFP_KERNEL);
	if (m)
		m->vaddr = vmalloc_user(a->length);
	if (!m || !h || !m->vaddr) {
		spin_lock(&d->pool->lock);
		d->pool->used -= a->length;
		spin_unlock(&d->pool->lock);
		if (m)
			vfree(m->vaddr);
		kfree(m);
		kfree(h);
		return -ENOMEM;
	}
	kref_init(&m->ref);
	m->dev = d;
	m->size = a->length;
	h->devmem = m;
	h->vaddr = m->vaddr;
	h->size = m->size;
	ret = mem_add(ctx, h, &a->handle);
	if (ret)
		mem_free(h);
	return ret;
}

long oa_free_memory(struct oa_ctx *ctx, u32 handle)
{
	return mem_remove(ctx, handle);
}

long oa_import_dmabuf(struct oa_ctx *ctx, struct oa_import_dmabuf *a)
{
	struct dma_buf *buf;
	struct oa_mem *h;
	int ret;

	if (!(ctx->dev->caps & OA_CAP_DMABUF_IMPORT))
		return -EOPNOTSUPP;
	buf = dma_buf_get(
		a->fd); /* EBADF for a closed fd, EINVAL for a file that is not a dma-buf */
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	h = kzalloc(sizeof(*h), GFP_KERNEL);
	if (!h) {
		dma_buf_put(buf);
		return -ENOMEM;
	}
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
	ret = dma_buf_vmap_unlocked(buf, &h->map);
#else
	ret = dma_buf_vmap(buf, &h->map);
#endif
	if (ret || h->map.is_iomem) {
		dma_buf_put(buf);
		kfree(h);
		return ret ? ret : -EINVAL;
	}
	h->dmabuf = buf;
	h->vaddr = h->map.vaddr;
	h->size = buf->size;
	a->length = buf->size;
	ret = mem_add(ctx, h, &a->handle);
	if (ret)
		mem_free(h);
	return ret;
}

long oa_export_dmabuf(struct oa_ctx *ctx, struct oa_export_dmabuf *a)
{
	DEFINE_DMA_BUF_EXPORT_INFO(info);
	struct oa_mem *h = xa_load(&ctx->mems, a->handle);
	struct dma_buf *buf;
	int fd;

	if (!(ctx->dev->caps & OA_CAP_DMABUF_EXPORT))
		return -EOPNOTSUPP;
	if (!h)
		return -ENOENT;
	if (h->dmabuf) {
		/* An imported buffer exports as a new fd of the same dma-buf. */
		get_dma_buf(h->dmabuf);
		buf = h->dmabuf;
	} else {
		info.ops = &oa_dmabuf_ops;
		info.size = h->size;
		info.flags = O_RDWR;
		info.priv = h->devmem;
		kref_get(&h->devmem->ref);
		buf = dma_buf_export(&info);
		if (IS_ERR(buf)) {
			kref_put(&h->devmem->ref, devmem_free);
			return PTR_ERR(buf);
		}
	}
	fd = dma_buf_fd(
		buf, O_RDWR | ((a->flags & OA_EXPORT_CLOEXEC) ? O_CLOEXEC : 0));
	if (fd < 0) {
		dma_buf_put(buf);
		return fd == -EMFILE ? -EMFILE : fd;
	}
	a->fd = fd;
	return 0;
}

void oa_ctx_drop_mems(struct oa_ctx *ctx)
{
	struct oa_mem *h;
	unsigned long id;

	xa_for_each(&ctx->mems, id, h)
		mem_remove(ctx, id);
}
