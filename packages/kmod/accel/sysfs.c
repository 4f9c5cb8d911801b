// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * sysfs of a device (spec/sysfs accel-openaccel): a kobject "openaccel" under the accel device with the
 * device attributes, and memories/0 and links/0 below it. Peers are symlinks to their accel devices, and
 * every kobject is announced with a uevent.
 */
#include <drm/drm_file.h>
#include <linux/cache.h>
#include <linux/kobject.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include "oa_drv.h"

/* Every kobject of the layout knows its device. */
struct oa_kobj {
	struct kobject kobj;
	struct oa_dev *d;
};

#define to_d(ko) (container_of(ko, struct oa_kobj, kobj)->d)

static const char *const cap_words[] = {
	"sva",	   "dmabuf_import", "dmabuf_export",
	"device_memory", "eventfd",	    "syncobj",
	"syncobj_timeline", "mmio_doorbell", "cq_tail",
};

static const char *const fn_words[OA_NUM_OPCODES] = {
	"nop",	   "copy",    "fill",	"crc32c",	   "sha256",
	"deflate", "inflate", "aes_gcm_encrypt", "aes_gcm_decrypt",
};

static ssize_t words(char *buf, u64 bits, const char *const *names, int n)
{
	ssize_t len = 0;
	int i;

	for (i = 0; i < n; i++)
		if (bits & BIT_ULL(i))
			len += sysfs_emit_at(buf, len, "%s%s", len ? " " : "",
					     names[i]);
	return len + sysfs_emit_at(buf, len, "\n");
}

#define OA_ATTR(name, fmt, ...)                                            \
	static ssize_t name##_show(struct kobject *k,                       \
				   struct kobj_attribute *a, char *buf)     \
	{                                                                   \
		struct oa_dev *d = to_d(k);                                 \
		(void)d;                                                    \
		return sysfs_emit(buf, fmt "\n", __VA_ARGS__);                \
	}                                                                   \
	static struct kobj_attribute name##_attr = __ATTR_RO(name)

static ssize_t caps_show(struct kobject *k, struct kobj_attribute *a, char *buf)
{
	return words(buf, to_d(k)->caps, cap_words, ARRAY_SIZE(cap_words));
}
static struct kobj_attribute caps_attr = __ATTR_RO(caps);

static ssize_t functions_show(struct kobject *k, struct kobj_attribute *a,
			      char *buf)
{
	return words(buf, to_d(k)->functions, fn_words, ARRAY_SIZE(fn_words));
}
static struct kobj_attribute functions_attr = __ATTR_RO(functions);

OA_ATTR(api_version, "%d.%d", OA_API_VERSION_MAJOR, OA_API_VERSION_MINOR);
OA_ATTR(model, "%s", d->model);
OA_ATTR(max_queues, "%u", d->max_queues);
OA_ATTR(free_queues, "%u", d->max_queues - atomic_read(&d->queues_in_use));
OA_ATTR(max_sq_entries, "%u", OA_MAX_SQ_ENTRIES);
OA_ATTR(max_cq_entries, "%u", OA_MAX_CQ_ENTRIES);
OA_ATTR(max_transfer_bytes, "%u", OA_MAX_TRANSFER);
OA_ATTR(page_size, "%lu", PAGE_SIZE);
OA_ATTR(cache_line_size, "%u",
	min_t(u32, cache_line_size(), OA_CACHE_LINE_MAX));
OA_ATTR(num_opcodes, "%u", OA_NUM_OPCODES);
OA_ATTR(numa_node, "%d", dev_to_node(d->drm.dev));

static struct attribute *dev_attrs[] = {
	&api_version_attr.attr,	   &model_attr.attr,
	&caps_attr.attr,	   &functions_attr.attr,
	&max_queues_attr.attr,	   &free_queues_attr.attr,
	&max_sq_entries_attr.attr, &max_cq_entries_attr.attr,
	&max_transfer_bytes_attr.attr, &page_size_attr.attr,
	&cache_line_size_attr.attr, &num_opcodes_attr.attr,
	&numa_node_attr.attr,	   NULL,
};
ATTRIBUTE_GROUPS(dev);

OA_ATTR(kind, "%s", "hbm");
OA_ATTR(size_bytes, "%llu", d->pool ? d->pool->size : 0);
OA_ATTR(alloc_align, "%lu", d->pool ? PAGE_SIZE : 0);
static struct kobj_attribute mem_numa_node_attr =
	__ATTR(numa_node, 0444, numa_node_show, NULL);
OA_ATTR(cpu_visible, "%d", 1);

static struct attribute *mem_attrs[] = {
	&kind_attr.attr,	  &size_bytes_attr.attr, &alloc_align_attr.attr,
	&mem_numa_node_attr.attr, &cpu_visible_attr.attr, NULL,
};
ATTRIBUTE_GROUPS(mem);

static ssize_t link_kind_show(struct kobject *k, struct kobj_attribute *a,
			      char *buf)
{
	return sysfs_emit(buf, "onchip\n");
}
static struct kobj_attribute link_kind_attr =
	__ATTR(kind, 0444, link_kind_show, NULL);
OA_ATTR(bandwidth_mbps, "%u", 10000);
OA_ATTR(latency_ns, "%u", 500);
OA_ATTR(coherent, "%d", 1);
OA_ATTR(p2p, "%d", 1);

static struct attribute *link_attrs[] = {
	&link_kind_attr.attr, &bandwidth_mbps_attr.attr, &latency_ns_attr.attr,
	&coherent_attr.attr,  &p2p_attr.attr,	    NULL,
};
ATTRIBUTE_GROUPS(link);

static void oa_kobj_release(struct kobject *kobj)
{
	kfree(container_of(kobj, struct oa_kobj, kobj));
}

static const struct kobj_type dev_ktype = { .release = oa_kobj_release,
					    .sysfs_ops = &kobj_sysfs_ops,
					    .default_groups = dev_groups };
static const struct kobj_type mem_ktype = { .release = oa_kobj_release,
					    .sysfs_ops = &kobj_sysfs_ops,
					    .default_groups = mem_groups };
static const struct kobj_type link_ktype = { .release = oa_kobj_release,
					     .sysfs_ops = &kobj_sysfs_ops,
					     .default_groups = link_groups };
static const struct kobj_type dir_ktype = { .release = oa_kobj_release,
					    .sysfs_ops = &kobj_sysfs_ops };

static struct kobject *add(struct oa_dev *d, const struct kobj_type *t,
			   struct kobject *parent, const char *name)
{
	struct oa_kobj *k = kzalloc(sizeof(*k), GFP_KERNEL);

	if (!k)
		return NULL;
	k->d = d;
	if (kobject_init_and_add(&k->kobj, t, parent, "%s", name)) {
		kobject_put(&k->kobj);
		return NULL;
	}
	kobject_uevent(&k->kobj, KOBJ_ADD);
	return &k->kobj;
}

static void put(struct kobject **k)
{
	if (*k)
		kobject_put(*k);
	*k = NULL;
}

int oa_sysfs_add(struct oa_dev *d)
{
	d->oa_kobj = add(d, &dev_ktype, &d->drm.accel->kdev->kobj,
			 "openaccel");
	if (d->oa_kobj)
		d->memories_kobj = add(d, &dir_ktype, d->oa_kobj, "memories");
	if (d->memories_kobj)
		d->memory0_kobj = add(d, &mem_ktype, d->memories_kobj, "0");
	if (d->memory0_kobj)
		d->shared_kobj = add(d, &dir_ktype, d->memory0_kobj,
				     "shared_with");
	if (d->shared_kobj)
		d->links_kobj = add(d, &dir_ktype, d->oa_kobj, "links");
	if (!d->links_kobj) {
		oa_sysfs_remove(d);
		return -ENOMEM;
	}
	return 0;
}

/* The peers of d among the module's devices: memory 0 is shared by all, link 0 joins accel0 and accel1. */
int oa_sysfs_link(struct oa_dev *d, struct oa_dev **all, int n)
{
	struct kobject *peer;
	int i, ret;

	for (i = 0; i < n; i++) {
		if (all[i] == d)
			continue;
		peer = &all[i]->drm.accel->kdev->kobj;
		ret = sysfs_create_link(d->shared_kobj, peer,
					dev_name(all[i]->drm.accel->kdev));
		if (ret)
			return ret;
	}
	if (d->index > 1 || n < 2)
		return 0;
	d->link0_kobj = add(d, &link_ktype, d->links_kobj, "0");
	if (!d->link0_kobj)
		return -ENOMEM;
	return sysfs_create_link(d->link0_kobj,
				 &all[d->index ^ 1]->drm.accel->kdev->kobj,
				 "peer");
}

void oa_sysfs_remove(struct oa_dev *d)
{
	put(&d->link0_kobj);
	put(&d->links_kobj);
	put(&d->shared_kobj);
	put(&d->memory0_kobj);
	put(&d->memories_kobj);
	put(&d->oa_kobj);
}
