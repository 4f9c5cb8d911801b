/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * OpenAccel reference kernel driver: shared definitions. The uAPI itself is the generated
 * <linux/openaccel.h>; nothing of it is restated here.
 */
#ifndef OA_DRV_H
#define OA_DRV_H

#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/dma-buf.h>
#include <linux/eventfd.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/openaccel.h>
#include <linux/version.h>
#include <linux/wait.h>
#include <linux/xarray.h>

#define OA_MAX_DEVICES 8
#define OA_MAX_TRANSFER (256 * 1024)
#define OA_MAX_SQ_ENTRIES 4096
#define OA_MAX_CQ_ENTRIES 8192

/* Memory shared by every device of the module (the "HBM" of the module parameters). */
struct oa_pool {
	spinlock_t lock;
	u64 size;
	u64 used;
};

struct oa_dev {
	int index;
	char name[16];
	char model[OA_NAME_LEN];
	dev_t devt;
	struct cdev cdev;
	struct device *device;
	u64 functions; /* bit n: opcode n implemented */
	u32 caps; /* OA_CAP_* */
	u32 max_queues;
	atomic_t queues_in_use;
	atomic_t next_ctx_id;
	struct oa_pool *pool;
	/* The engine: one kernel thread polling every queue of the device. */
	struct mutex
		qlock; /* protects queues and what the engine reads of contexts */
	struct list_head queues;
	struct task_struct *engine;
	wait_queue_head_t engine_wq;
	atomic_t kick;
	wait_queue_head_t done_wq; /* OA_IOCTL_SUBMIT waiters */
	void *deflate_ws;
	void *inflate_ws;
	struct kobject *memories_kobj;
	struct kobject *memory0_kobj;
	struct kobject *links_kobj;
	struct kobject *link0_kobj;
};

/* A vmalloc'ed region mapped to user space; freed when the queue and every mapping have let go. */
struct oa_region {
	struct kref ref;
	void *vaddr;
	size_t size;
	u64 offset;
	bool mapped;
};

struct oa_queue {
	struct list_head node; /* in dev->queues, under dev->qlock */
	struct oa_ctx *ctx;
	u32 id;
	u32 sq_entries;
	u32 cq_entries;
	struct oa_region *db;
	struct oa_region *sq;
	struct oa_region *cq;
	u32 sq_head; /* engine's copies of the device-owned indices */
	u32 cq_tail;
	struct eventfd_ctx *efd;
	bool stopped;
};

/* Device memory: vmalloc'ed, accounted in the pool, exportable as a dma-buf. */
struct oa_devmem {
	struct kref ref;
	struct oa_dev *dev;
	void *vaddr;
	size_t size;
};

/* A memory handle of a context: device memory or an imported dma-buf, both reached by kernel address. */
struct oa_mem {
	struct oa_devmem *devmem; /* or NULL */
	struct dma_buf *dmabuf; /* imported, or NULL */
	struct iosys_map map;
	void *vaddr;
	size_t size;
};

struct oa_ctx {
	struct oa_dev *dev;
	struct mutex lock;
	bool bound;
	pid_t tgid;
	u32 id;
	struct xarray queues; /* id -> oa_queue */
	struct xarray mems; /* handle -> oa_mem */
};

extern struct class *oa_class;
extern unsigned int oa_engine_spin_us;
extern unsigned int oa_device_count;

/* sysfs.c */
extern const struct attribute_group *oa_dev_groups[];
int oa_sysfs_add(struct oa_dev *d, int ndevices);
void oa_sysfs_remove(struct oa_dev *d);

/* context.c */
extern const struct file_operations oa_fops;

/* queue.c */
long oa_create_queue(struct oa_ctx *ctx, struct oa_create_queue *a);
long oa_destroy_queue(struct oa_ctx *ctx, u32 id);
long oa_set_eventfd(struct oa_ctx *ctx, struct oa_set_eventfd *a);
long oa_submit(struct oa_ctx *ctx, struct oa_submit *a);
int oa_mmap(struct file *f, struct vm_area_struct *vma);
void oa_ctx_drop_queues(struct oa_ctx *ctx);

/* memory.c */
long oa_query_memory(struct oa_ctx *ctx, struct oa_memory_info *a);
long oa_alloc_memory(struct oa_ctx *ctx, struct oa_alloc_memory *a);
long oa_free_memory(struct oa_ctx *ctx, u32 handle);
long oa_import_dmabuf(struct oa_ctx *ctx, struct oa_import_dmabuf *a);
long oa_export_dmabuf(struct oa_ctx *ctx, struct oa_export_dmabuf *a);
void oa_ctx_drop_mems(struct oa_ctx *ctx);

/* engine.c */
int oa_engine_start(struct oa_dev *d);
void oa_engine_stop(struct oa_dev *d);
void oa_engine_kick(struct oa_dev *d);

/* functions.c */
u32 oa_crc32c(u32 previous, const u8 *data, size_t len);
int oa_aes_gcm(bool encrypt, const struct oa_aes_gcm_params *p, const u8 *src,
	       u8 *dst, size_t len, u8 tag_out[OA_AES_GCM_TAG_SIZE]);
int oa_deflate(void *ws, const u8 *src, size_t len, u8 *dst, size_t cap,
	       int level, size_t *out);
int oa_inflate(void *ws, const u8 *src, size_t len, u8 *dst, size_t cap,
	       size_t *out);
size_t oa_deflate_ws_size(void);
size_t oa_inflate_ws_size(void);

#endif
