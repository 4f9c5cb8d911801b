// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * OpenAccel 2.0 reference driver: a software accelerator as a DRM accel driver. Each device is a
 * platform device of the module with a drm_device on it (/dev/accel/accelN); the DRM core serves the
 * node, GEM, PRIME and syncobjs, and this driver adds the OpenAccel ioctls, queues and the engine.
 */
#include <drm/drm_accel.h>
#include <drm/drm_drv.h>
#include <drm/drm_gem.h>
#include <drm/drm_ioctl.h>
#include <drm/drm_prime.h>
#include <linux/dma-mapping.h>
#include <linux/compat.h>
#include <linux/module.h>
#include <linux/pagemap.h>
#include <linux/platform_device.h>
#include <linux/slab.h>
#include <linux/version.h>
#include "oa_drv.h"

#define OA_MAX_DEVICES 8

static unsigned int devices = 2;
module_param(devices, uint, 0444);
MODULE_PARM_DESC(devices, "Number of devices (1-8); with 2 or more, accel0 and accel1 share memory and are linked");
static unsigned int memory_mib = 64;
module_param(memory_mib, uint, 0444);
MODULE_PARM_DESC(memory_mib, "Device memory shared by all devices, in MiB (0 for none)");
static unsigned int max_queues = 64;
module_param(max_queues, uint, 0444);
MODULE_PARM_DESC(max_queues, "Queues per device (1-1024)");
unsigned int oa_engine_spin_us = 200;
module_param_named(engine_spin_us, oa_engine_spin_us, uint, 0644);
MODULE_PARM_DESC(engine_spin_us, "How long an idle engine polls before it sleeps, in microseconds");
/* Bounds on what a user makes the kernel hold, per file; queues are bounded per device (max_queues). */
unsigned int oa_file_max_objects = 4096;
module_param_named(file_max_objects, oa_file_max_objects, uint, 0644);
MODULE_PARM_DESC(file_max_objects, "GEM handles per open file (GEM_CREATE, PRIME import); past it ENOSPC");
unsigned int oa_file_max_memory_mib = 1024;
module_param_named(file_max_memory_mib, oa_file_max_memory_mib, uint, 0644);
MODULE_PARM_DESC(file_max_memory_mib, "Bytes of the GEM objects an open file holds handles to, in MiB; past it ENOMEM");
unsigned int oa_file_max_syncobjs = 4096;
module_param_named(file_max_syncobjs, oa_file_max_syncobjs, uint, 0644);
MODULE_PARM_DESC(file_max_syncobjs, "Syncobj handles per open file; past it ENOSPC");
unsigned int oa_queue_max_held_submits = 1024;
module_param_named(queue_max_held_submits, oa_queue_max_held_submits, uint, 0444);
MODULE_PARM_DESC(queue_max_held_submits, "SUBMITs a syncobj queue holds (spec: at least 1024); past it ENOMEM");

static struct oa_pool oa_pool;
static struct platform_device *oa_pdevs[OA_MAX_DEVICES];
static struct oa_dev *oa_devs[OA_MAX_DEVICES];

/* The process that bound the context, compared by struct pid: a reused pid number never matches. */
bool oa_is_owner(struct oa_file *of)
{
	/* acquire: pairs with the release in BIND_CONTEXT */
	struct pid *owner = smp_load_acquire(&of->owner);

	return owner && owner == task_tgid(current);
}

static int oa_open(struct drm_device *drm, struct drm_file *file)
{
	struct oa_file *of = kzalloc(sizeof(*of), GFP_KERNEL_ACCOUNT);

	if (!of)
		return -ENOMEM;
	of->dev = to_oa_dev(drm);
	of->file = file;
	mutex_init(&of->lock);
	xa_init_flags(&of->queues, XA_FLAGS_ALLOC);
	file->driver_priv = of;
	return 0;
}

static void oa_postclose(struct drm_device *drm, struct drm_file *file)
{
	struct oa_file *of = file->driver_priv;

	/* oa_release stopped the queues already; this catches a file DRM frees without a release. */
	oa_file_stop_queues(of);
	xa_destroy(&of->queues);
	oa_sva_unbind(of);
	put_pid(of->owner);
	mutex_destroy(&of->lock);
	kfree(of);
}

/*
 * Queues are stopped before DRM releases the file's GEM handles: the engine looks commands' handles up
 * in the file, and drm_release frees the handle table before it calls postclose.
 */
static int oa_release(struct inode *inode, struct file *filp)
{
	struct drm_file *file = filp->private_data;

	oa_file_stop_queues(file->driver_priv);
	return drm_release(inode, filp);
}

/*
 * drm_ioctl copies a result out after the handler ran, so a result that cannot be written would leave
 * its side effect (a queue, a GEM object, an installed PRIME fd) behind an EFAULT. The destination is
 * faulted in writable first, without writing to it, so such a call fails before it does anything.
 */
static int oa_check_out(unsigned int cmd, void __user *arg)
{
	if (!(_IOC_DIR(cmd) & _IOC_READ) || !_IOC_SIZE(cmd))
		return 0;
	return fault_in_safe_writeable(arg, _IOC_SIZE(cmd)) ? -EFAULT : 0;
}

/*
 * Syncobjs are the DRM core's, so their bound is kept here: the file's handles plus the calls that may
 * add one, counted before the call, never pass file_max_syncobjs (no lock is held across the call).
 */
static bool syncobj_reserve(struct drm_file *file, unsigned int cmd)
{
	struct oa_file *of = file->driver_priv;
	struct drm_syncobj *syncobj;
	unsigned int n;
	int id;

	if (cmd != DRM_IOCTL_SYNCOBJ_CREATE &&
	    cmd != DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE)
		return false;
	n = atomic_inc_return(&of->syncobjs_pending);
	spin_lock(&file->syncobj_table_lock);
	idr_for_each_entry(&file->syncobj_idr, syncobj, id)
		if (++n > READ_ONCE(oa_file_max_syncobjs))
			break;
	spin_unlock(&file->syncobj_table_lock);
	if (n > READ_ONCE(oa_file_max_syncobjs)) {
		atomic_dec(&of->syncobjs_pending);
		return true;
	}
	return false;
}

/*
 * The DRM core's syncobj array ioctls kmalloc count_handles entries without __GFP_NOWARN: a count
 * past the page allocator's largest order WARNs in the kernel log before it fails with ENOMEM. Any
 * client may ask that, so the count is bounded here first with the same ENOMEM (array_no_memory).
 */
#define OA_SYNCOBJ_ARRAY_MAX 65536

static int syncobj_array_count_ok(unsigned int cmd, void __user *uarg)
{
	size_t at;
	u32 count;

	/* drm_ioctl picks the handler by type and number: no size or direction hides it */
	if (_IOC_TYPE(cmd) != DRM_IOCTL_BASE)
		return 0;
	switch (_IOC_NR(cmd)) {
	case _IOC_NR(DRM_IOCTL_SYNCOBJ_WAIT):
		at = offsetof(struct drm_syncobj_wait, count_handles);
		break;
	case _IOC_NR(DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT):
		at = offsetof(struct drm_syncobj_timeline_wait, count_handles);
		break;
	case _IOC_NR(DRM_IOCTL_SYNCOBJ_RESET):
	case _IOC_NR(DRM_IOCTL_SYNCOBJ_SIGNAL):
		at = offsetof(struct drm_syncobj_array, count_handles);
		break;
	case _IOC_NR(DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL):
	case _IOC_NR(DRM_IOCTL_SYNCOBJ_QUERY):
		at = offsetof(struct drm_syncobj_timeline_array, count_handles);
		break;
	default:
		return 0;
	}
	/*
	 * drm_ioctl copies in only _IOC_SIZE bytes of an _IOC_WRITE command and zero-fills the rest: a
	 * size that ends inside count_handles gives it its first bytes from the caller and zeroes after.
	 */
	if (!(_IOC_DIR(cmd) & _IOC_WRITE) || _IOC_SIZE(cmd) <= at)
		return 0;
	count = 0;
	if (copy_from_user(&count, (u8 __user *)uarg + at,
			   min_t(size_t, _IOC_SIZE(cmd) - at, sizeof(count))))
		return -EFAULT;
	return count > OA_SYNCOBJ_ARRAY_MAX ? -ENOMEM : 0;
}

static long oa_ioctl_bounded(struct file *filp, unsigned int cmd,
			     void __user *uarg, bool compat)
{
	struct drm_file *file = filp->private_data;
	bool counted = cmd == DRM_IOCTL_SYNCOBJ_CREATE ||
		       cmd == DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE;
	long ret = oa_check_out(cmd, uarg);

	if (!ret)
		ret = syncobj_array_count_ok(cmd, uarg);
	if (ret)
		return ret;
	if (syncobj_reserve(file, cmd))
		return -ENOSPC;
#ifdef CONFIG_COMPAT
	if (compat)
		ret = drm_compat_ioctl(filp, cmd, (unsigned long)uarg);
	else
#endif
		ret = drm_ioctl(filp, cmd, (unsigned long)uarg);
	if (counted)
		atomic_dec(&((struct oa_file *)file->driver_priv)->syncobjs_pending);
	return ret;
}

static long oa_ioctl(struct file *filp, unsigned int cmd, unsigned long arg)
{
	return oa_ioctl_bounded(filp, cmd, (void __user *)arg, false);
}

#ifdef CONFIG_COMPAT
static long oa_compat_ioctl(struct file *filp, unsigned int cmd,
			    unsigned long arg)
{
	return oa_ioctl_bounded(filp, cmd, compat_ptr(arg), true);
}
#else
#define oa_compat_ioctl NULL
#endif

static const struct file_operations oa_fops = {
	.owner = THIS_MODULE,
	.open = accel_open,
	.release = oa_release,
	.unlocked_ioctl = oa_ioctl,
	.compat_ioctl = oa_compat_ioctl,
	.poll = drm_poll,
	.read = drm_read,
	.llseek = noop_llseek,
	.mmap = drm_gem_mmap,
	.show_fdinfo = drm_show_fdinfo,
	.fop_flags = FOP_UNSIGNED_OFFSET,
};

static const struct drm_driver oa_drm_driver = {
	.driver_features = DRIVER_COMPUTE_ACCEL | DRIVER_GEM | DRIVER_SYNCOBJ |
			   DRIVER_SYNCOBJ_TIMELINE,
	.open = oa_open,
	.postclose = oa_postclose,
	.gem_create_object = oa_gem_create_object,
	.gem_prime_import = oa_gem_prime_import,
	.gem_prime_import_sg_table = drm_gem_shmem_prime_import_sg_table,
	.show_fdinfo = oa_show_fdinfo,
	.ioctls = oa_ioctls,
	.num_ioctls = DRM_OA_GEM_INFO + 1,
	.fops = &oa_fops,
	.name = "openaccel",
	.desc = "OpenAccel reference accelerator (software engine)",
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 14, 0)
	.date = "20261130",
#endif
	.major = OA_API_VERSION_MAJOR,
	.minor = OA_API_VERSION_MINOR,
};

static int oa_probe(struct platform_device *pdev)
{
	struct oa_dev *d;
	int ret;

	ret = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(64));
	if (ret)
		return ret;
	d = devm_drm_dev_alloc(&pdev->dev, &oa_drm_driver, struct oa_dev, drm);
	if (IS_ERR(d))
		return PTR_ERR(d);
	d->index = pdev->id;
	d->ndevices = devices;
	snprintf(d->model, sizeof(d->model), "openaccel-kmod");
	d->max_queues = max_queues;
	d->pool = memory_mib ? &oa_pool : NULL;
	d->functions = GENMASK_ULL(OA_OP_AES_GCM_DECRYPT, OA_OP_NOP);
	d->cmd_fence_context = dma_fence_context_alloc(1);
	/* OA_CAP_SVA without a PASID: the engine enters the bound process's mm (sva.c). */
	d->caps = OA_CAP_SVA | OA_CAP_DMABUF_IMPORT | OA_CAP_DMABUF_EXPORT | OA_CAP_EVENTFD |
		  OA_CAP_SYNCOBJ | OA_CAP_SYNCOBJ_TIMELINE | OA_CAP_CQ_TAIL |
		  (d->pool ? OA_CAP_DEVICE_MEMORY : 0);
	mutex_init(&d->list_lock);
	INIT_LIST_HEAD(&d->queues);
	init_waitqueue_head(&d->engine_wq);
	ret = oa_functions_init(d);
	if (ret)
		return ret;
	ret = oa_engine_start(d);
	if (ret)
		goto err_functions;
	ret = drm_dev_register(&d->drm, 0);
	if (ret)
		goto err_engine;
	ret = oa_sysfs_add(d);
	if (ret)
		goto err_unregister;
	oa_uacce_add(d, &pdev->dev);
	platform_set_drvdata(pdev, d);
	return 0;
err_unregister:
	drm_dev_unregister(&d->drm);
err_engine:
	oa_engine_stop(d);
err_functions:
	oa_functions_fini(d);
	return ret;
}

static void oa_remove(struct platform_device *pdev)
{
	struct oa_dev *d = platform_get_drvdata(pdev);

	oa_uacce_remove(d);
	oa_sysfs_remove(d);
	drm_dev_unplug(&d->drm);
	oa_engine_stop(d);
	oa_functions_fini(d);
}

static struct platform_driver oa_platform_driver = {
	.probe = oa_probe,
	.remove = oa_remove,
	.driver = { .name = "openaccel" },
};

static void oa_unregister_devices(void)
{
	int i;

	for (i = OA_MAX_DEVICES - 1; i >= 0; i--) {
		if (!IS_ERR_OR_NULL(oa_pdevs[i]))
			platform_device_unregister(oa_pdevs[i]);
		oa_pdevs[i] = NULL;
		oa_devs[i] = NULL;
	}
}

static int __init oa_init(void)
{
	unsigned int i;
	int ret;

	if (devices < 1 || devices > OA_MAX_DEVICES || max_queues < 1 ||
	    max_queues > 1024)
		return -EINVAL;
	oa_pool.size = (u64)memory_mib << 20;
	atomic64_set(&oa_pool.used, 0);
	ret = platform_driver_register(&oa_platform_driver);
	if (ret)
		return ret;
	for (i = 0; i < devices; i++) {
		oa_pdevs[i] = platform_device_register_simple("openaccel", i,
							     NULL, 0);
		if (IS_ERR(oa_pdevs[i])) {
			ret = PTR_ERR(oa_pdevs[i]);
			goto fail;
		}
		/* probe runs synchronously: a device without a drm_device failed */
		oa_devs[i] = platform_get_drvdata(oa_pdevs[i]);
		if (!oa_devs[i]) {
			ret = -ENODEV;
			goto fail;
		}
	}
	/* Peers are symlinks to accel devices, so they are made once every device exists. */
	for (i = 0; i < devices; i++) {
		ret = oa_sysfs_link(oa_devs[i], oa_devs, devices);
		if (ret)
			goto fail;
	}
	pr_info("openaccel: %u device(s), %u MiB shared device memory, uAPI %d.%d\n",
		devices, memory_mib, OA_API_VERSION_MAJOR,
		OA_API_VERSION_MINOR);
	return 0;
fail:
	oa_unregister_devices();
	platform_driver_unregister(&oa_platform_driver);
	return ret;
}

static void __exit oa_exit(void)
{
	oa_unregister_devices();
	platform_driver_unregister(&oa_platform_driver);
}

module_init(oa_init);
module_exit(oa_exit);
MODULE_LICENSE("Dual MIT/GPL");
MODULE_DESCRIPTION("OpenAccel reference driver: the OpenAccel 2.0 uAPI as a DRM accel driver with a software engine");
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
MODULE_IMPORT_NS("DMA_BUF");
#else
MODULE_IMPORT_NS(DMA_BUF);
#endif
