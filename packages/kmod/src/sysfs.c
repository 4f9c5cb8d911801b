// SPDX-License-Identifier: GPL-2.0 OR MIT
/* The openaccel sysfs class: every attribute of spec/sysfs, plus memories/0 and links/0 directories. */
#include <linux/kobject.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include "oa.h"

#define to_oa(dev) ((struct oa_dev *)dev_get_drvdata(dev))

static const char *const cap_words[] = { "sva", "dmabuf_import",
					 "dmabuf_export", "device_memory",
					 "eventfd" };
static const char *const fn_words[] = { "nop",
					"copy",
					"fill",
					"crc32c",
					"sha256",
					"deflate",
					"inflate",
					"aes_gcm_encrypt",
					"aes_gcm_decrypt" };

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

#define OA_U32_ATTR(name, expr)                                              \
	static ssize_t name##_show(struct device *dev,                       \
				   struct device_attribute *attr, char *buf) \
	{                                                                    \
		struct oa_dev *d = to_oa(dev);                               \
		(void)d;                                                     \
		return sysfs_emit(buf, "%u\n", (unsigned int)(expr));        \
	}                                                                    \
	static DEVICE_ATTR_RO(name)

static ssize_t api_version_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d.%d\n", OA_API_VERSION_MAJOR,
			  OA_API_VERSION_MINOR);
}
static DEVICE_ATTR_RO(api_version);

static ssize_t model_show(struct device *dev, struct device_attribute *attr,
			  char *buf)
{
	return sysfs_emit(buf, "%s\n", to_oa(dev)->model);
}
static DEVICE_ATTR_RO(model);

static ssize_t caps_show(struct device *dev, struct device_attribute *attr,
			 char *buf)
{
	return words(buf, to_oa(dev)->caps, cap_words, ARRAY_SIZE(cap_words));
}
static DEVICE_ATTR_RO(caps);

static ssize_t functions_show(struct device *dev, struct device_attribute *attr,
			      char *buf)
{
	return words(buf, to_oa(dev)->functions, fn_words,
		     ARRAY_SIZE(fn_words));
}
static DEVICE_ATTR_RO(functions);

static ssize_t numa_node_show(struct device *dev, struct device_attribute *attr,
			      char *buf)
{
	return sysfs_emit(buf, "%d\n", to_oa(dev)->index % num_online_nodes());
}
static DEVICE_ATTR_RO(numa_node);

OA_U32_ATTR(max_queues, d->max_queues);
OA_U32_ATTR(free_queues, d->max_queues - atomic_read(&d->queues_in_use));
OA_U32_ATTR(max_sq_entries, OA_MAX_SQ_ENTRIES);
OA_U32_ATTR(max_cq_entries, OA_MAX_CQ_ENTRIES);
OA_U32_ATTR(max_transfer_bytes, OA_MAX_TRANSFER);
OA_U32_ATTR(sqe_size, OA_SQE_SIZE);
OA_U32_ATTR(cqe_size, OA_CQE_SIZE);
OA_U32_ATTR(doorbell_size, OA_DOORBELL_REGION_SIZE);
OA_U32_ATTR(pasid_bits, 0);

static struct attribute *oa_dev_attrs[] = {
	&dev_attr_api_version.attr,
	&dev_attr_model.attr,
	&dev_attr_caps.attr,
	&dev_attr_functions.attr,
	&dev_attr_max_queues.attr,
	&dev_attr_free_queues.attr,
	&dev_attr_max_sq_entries.attr,
	&dev_attr_max_cq_entries.attr,
	&dev_attr_max_transfer_bytes.attr,
	&dev_attr_sqe_size.attr,
	&dev_attr_cqe_size.attr,
	&dev_attr_doorbell_size.attr,
	&dev_attr_numa_node.attr,
	&dev_attr_pasid_bits.attr,
	NULL,
};
static const struct attribute_group oa_dev_group = { .attrs = oa_dev_attrs };
const struct attribute_group *oa_dev_groups[] = { &oa_dev_group, NULL };

/* memories/<i> and links/<i>: small kobjects that know their device. */
struct oa_kobj {
	struct kobject kobj;
	struct oa_dev *d;
};

#define to_d(ko) (container_of(ko, struct oa_kobj, kobj)->d)

static void oa_kobj_release(struct kobject *kobj)
{
	kfree(container_of(kobj, struct oa_kobj, kobj));
}

static ssize_t kind_show(struct kobject *k, struct kobj_attribute *a, char *buf)
{
	return sysfs_emit(buf, "hbm\n");
}
static ssize_t size_bytes_show(struct kobject *k, struct kobj_attribute *a,
			       char *buf)
{
	return sysfs_emit(buf, "%llu\n", to_d(k)->pool->size);
}
static ssize_t mem_numa_node_show(struct kobject *k, struct kobj_attribute *a,
				  char *buf)
{
	return sysfs_emit(buf, "-1\n");
}
static ssize_t shared_with_show(struct kobject *k, struct kobj_attribute *a,
				char *buf)
{
	struct oa_dev *d = to_d(k);
	unsigned int i;
	ssize_t len = 0;

	/* The pool is reached by every device of the module: accel0..accel<N-1>. */
	for (i = 0; i < oa_device_count; i++)
		if (i != d->index)
			len += sysfs_emit_at(buf, len, "%saccel%u",
					     len ? " " : "", i);
	return len + sysfs_emit_at(buf, len, "\n");
}
static ssize_t cpu_visible_show(struct kobject *k, struct kobj_attribute *a,
				char *buf)
{
	return sysfs_emit(buf, "1\n");
}

static struct kobj_attribute mem_kattrs[] = {
	__ATTR_RO(kind),
	__ATTR_RO(size_bytes),
	__ATTR(numa_node, 0444, mem_numa_node_show, NULL),
	__ATTR_RO(shared_with),
	__ATTR_RO(cpu_visible),
};
static struct attribute *mem_attrs[] = {
	&mem_kattrs[0].attr, &mem_kattrs[1].attr, &mem_kattrs[2].attr,
	&mem_kattrs[3].attr, &mem_kattrs[4].attr, NULL
};
ATTRIBUTE_GROUPS(mem);

static ssize_t peer_show(struct kobject *k, struct kobj_attribute *a, char *buf)
{
	return sysfs_emit(buf, "accel%d\n", to_d(k)->index ^ 1);
}
static ssize_t link_kind_show(struct kobject *k, struct kobj_attribute *a,
			      char *buf)
{
	return sysfs_emit(buf, "onchip\n");
}
static ssize_t bandwidth_mbps_show(struct kobject *k, struct kobj_attribute *a,
				   char *buf)
{
	return sysfs_emit(buf, "10000\n");
}
static ssize_t latency_ns_show(struct kobject *k, struct kobj_attribute *a,
			       char *buf)
{
	return sysfs_emit(buf, "500\n");
}
static ssize_t one_show(struct kobject *k, struct kobj_attribute *a, char *buf)
{
	return sysfs_emit(buf, "1\n");
}

static struct kobj_attribute link_kattrs[] = {
	__ATTR_RO(peer),
	__ATTR(kind, 0444, link_kind_show, NULL),
	__ATTR_RO(bandwidth_mbps),
	__ATTR_RO(latency_ns),
	__ATTR(coherent, 0444, one_show, NULL),
	__ATTR(p2p, 0444, one_show, NULL),
};
static struct attribute *link_attrs[] = { &link_kattrs[0].attr,
					  &link_kattrs[1].attr,
					  &link_kattrs[2].attr,
					  &link_kattrs[3].attr,
					  &link_kattrs[4].attr,
					  &link_kattrs[5].attr,
					  NULL };
ATTRIBUTE_GROUPS(link);

static const struct kobj_type mem_ktype = { .release = oa_kobj_release,
					    .sysfs_ops = &kobj_sysfs_ops,
					    .default_groups = mem_groups };
static const struct kobj_type link_ktype = { .release = oa_kobj_release,
					     .sysfs_ops = &kobj_sysfs_ops,
					     .default_groups = link_groups };

static struct kobject *oa_kobj_add(struct oa_dev *d, const struct kobj_type *t,
				   struct kobject *parent)
{
	struct oa_kobj *k = kzalloc(sizeof(*k), GFP_KERNEL);

	if (!k)
		return NULL;
	k->d = d;
	if (kobject_init_and_add(&k->kobj, t, parent, "0")) {
		kobject_put(&k->kobj);
		return NULL;
	}
	return &k->kobj;
}

/* memories/0 when the module has device memory; links/0 between accel0 and accel1 when there are two. */
int oa_sysfs_add(struct oa_dev *d, int ndevices)
{
	if (d->pool) {
		d->memories_kobj =
			kobject_create_and_add("memories", &d->device->kobj);
		if (!d->memories_kobj)
			return -ENOMEM;
		d->memory0_kobj = oa_kobj_add(d, &mem_ktype, d->memories_kobj);
		if (!d->memory0_kobj)
			return -ENOMEM;
	}
	if (ndevices >= 2 && d->index < 2) {
		d->links_kobj =
			kobject_create_and_add("links", &d->device->kobj);
		if (!d->links_kobj)
			return -ENOMEM;
		d->link0_kobj = oa_kobj_add(d, &link_ktype, d->links_kobj);
		if (!d->link0_kobj)
			return -ENOMEM;
	}
	return 0;
}

void oa_sysfs_remove(struct oa_dev *d)
{
	kobject_put(d->link0_kobj);
	kobject_put(d->links_kobj);
	kobject_put(d->memory0_kobj);
	kobject_put(d->memories_kobj);
}
