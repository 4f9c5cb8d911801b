// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * OpenAccel reference kernel driver: a software accelerator serving the OpenAccel uAPI from the kernel.
 * Character devices /dev/openaccel/accelN, the openaccel sysfs class, one engine thread per device.
 */
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include "oa.h"

static unsigned int devices = 2;
unsigned int oa_device_count;
module_param(devices, uint, 0444);
MODULE_PARM_DESC(
	devices,
	"Number of devices (1-8); with 2 or more, accel0 and accel1 share memory and are linked peer to peer");
static bool link = true;
module_param(link, bool, 0444);
MODULE_PARM_DESC(link, "Link accel0 and accel1 peer to peer (needs 2 devices)");
static unsigned int memory_mib = 64;
module_param(memory_mib, uint, 0444);
MODULE_PARM_DESC(
	memory_mib,
	"Size of the device memory shared by all devices, in MiB (0 for none)");
static unsigned int max_queues = 64;
module_param(max_queues, uint, 0444);
MODULE_PARM_DESC(max_queues, "Queues per device (1-1024)");
unsigned int oa_engine_spin_us = 200;
module_param_named(engine_spin_us, oa_engine_spin_us, uint, 0644);
MODULE_PARM_DESC(
	engine_spin_us,
	"How long an idle engine polls before it sleeps, in microseconds");

struct class *oa_class;
static dev_t oa_devt;
static struct oa_dev *oa_devs[OA_MAX_DEVICES];
static unsigned int oa_ndevs;
static struct oa_pool oa_pool;

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
static char *oa_devnode(const struct device *dev, umode_t *mode)
#else
static char *oa_devnode(struct device *dev, umode_t *mode)
#endif
{
	if (mode)
		*mode = 0666;
	return kasprintf(GFP_KERNEL, "openaccel/%s", dev_name(dev));
}

static void oa_dev_free(struct oa_dev *d)
{
	vfree(d->deflate_ws);
	vfree(d->inflate_ws);
	kfree(d);
}

static int oa_dev_create(int index)
{
	struct oa_dev *d;
	int ret;

	d = kzalloc(sizeof(*d), GFP_KERNEL);
	if (!d)
		return -ENOMEM;
	d->index = index;
	snprintf(d->name, sizeof(d->name), "accel%d", index);
	snprintf(d->model, sizeof(d->model), "openaccel-kmod");
	d->devt = MKDEV(MAJOR(oa_devt), index);
	d->max_queues = max_queues;
	d->pool = memory_mib ? &oa_pool : NULL;
	d->functions = BIT_ULL(OA_OP_NOP) | BIT_ULL(OA_OP_COPY) |
		       BIT_ULL(OA_OP_FILL) | BIT_ULL(OA_OP_CRC32C) |
		       BIT_ULL(OA_OP_SHA256) | BIT_ULL(OA_OP_DEFLATE) |
		       BIT_ULL(OA_OP_INFLATE) | BIT_ULL(OA_OP_AES_GCM_ENCRYPT) |
		       BIT_ULL(OA_OP_AES_GCM_DECRYPT);
	/* No OA_CAP_SVA: a software engine has no IOMMU to bind a PASID with. */
	d->caps = OA_CAP_DMABUF_IMPORT | OA_CAP_DMABUF_EXPORT | OA_CAP_EVENTFD |
		  (d->pool ? OA_CAP_DEVICE_MEMORY : 0);
	atomic_set(&d->next_ctx_id, 1);
	mutex_init(&d->qlock);
	INIT_LIST_HEAD(&d->queues);
	init_waitqueue_head(&d->engine_wq);
	init_waitqueue_head(&d->done_wq);
	d->deflate_ws = vzalloc(oa_deflate_ws_size());
	d->inflate_ws = vzalloc(oa_inflate_ws_size());
	if (!d->deflate_ws || !d->inflate_ws) {
		oa_dev_free(d);
		return -ENOMEM;
	}
	cdev_init(&d->cdev, &oa_fops);
	d->cdev.owner = THIS_MODULE;
	ret = cdev_add(&d->cdev, d->devt, 1);
	if (ret) {
		oa_dev_free(d);
		return ret;
	}
	d->device = device_create_with_groups(oa_class, NULL, d->devt, d,
					      oa_dev_groups, "%s", d->name);
	if (IS_ERR(d->device)) {
		ret = PTR_ERR(d->device);
		cdev_del(&d->cdev);
		oa_dev_free(d);
		return ret;
	}
	ret = oa_sysfs_add(d, link ? devices : 1);
	if (!ret)
		ret = oa_engine_start(d);
	if (ret) {
		oa_sysfs_remove(d);
		device_destroy(oa_class, d->devt);
		cdev_del(&d->cdev);
		oa_dev_free(d);
		return ret;
	}
	oa_devs[index] = d;
	return 0;
}

static void oa_dev_destroy(struct oa_dev *d)
{
	oa_engine_stop(d);
	oa_sysfs_remove(d);
	device_destroy(oa_class, d->devt);
	cdev_del(&d->cdev);
	oa_dev_free(d);
}

static int __init oa_init(void)
{
	unsigned int i;
	int ret;

	if (devices < 1 || devices > OA_MAX_DEVICES || max_queues < 1 ||
	    max_queues > 1024)
		return -EINVAL;
	oa_device_count = devices;
	spin_lock_init(&oa_pool.lock);
	oa_pool.size = (u64)memory_mib << 20;
	ret = alloc_chrdev_region(&oa_devt, 0, OA_MAX_DEVICES, "openaccel");
	if (ret)
		return ret;
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
	oa_class = class_create("openaccel");
#else
	oa_class = class_create(THIS_MODULE, "openaccel");
#endif
	if (IS_ERR(oa_class)) {
		unregister_chrdev_region(oa_devt, OA_MAX_DEVICES);
		return PTR_ERR(oa_class);
	}
	oa_class->devnode = oa_devnode;
	for (i = 0; i < devices; i++) {
		ret = oa_dev_create(i);
		if (ret)
			goto fail;
		oa_ndevs++;
	}
	pr_info("openaccel: %u device(s), %u MiB shared device memory, uAPI %d.%d\n",
		devices, memory_mib, OA_API_VERSION_MAJOR,
		OA_API_VERSION_MINOR);
	return 0;
fail:
	while (oa_ndevs)
		oa_dev_destroy(oa_devs[--oa_ndevs]);
	class_destroy(oa_class);
	unregister_chrdev_region(oa_devt, OA_MAX_DEVICES);
	return ret;
}

static void __exit oa_exit(void)
{
	while (oa_ndevs)
		oa_dev_destroy(oa_devs[--oa_ndevs]);
	class_destroy(oa_class);
	unregister_chrdev_region(oa_devt, OA_MAX_DEVICES);
}

module_init(oa_init);
module_exit(oa_exit);
MODULE_LICENSE("Dual MIT/GPL");
MODULE_DESCRIPTION(
	"OpenAccel reference driver: the OpenAccel uAPI served by a software engine");
MODULE_IMPORT_NS(DMA_BUF);
