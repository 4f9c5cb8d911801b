/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * OpenAccel 2.0 kernel driver: shared definitions. The uAPI is the generated <drm/openaccel_accel.h>;
 * nothing of it is restated here.
 */
#ifndef OA_DRV_H
#define OA_DRV_H

#include <drm/drm_device.h>
#include <drm/drm_file.h>
#include <drm/drm_gem_shmem_helper.h>
#include <drm/openaccel_accel.h>
#include <linux/dma-fence.h>
#include <linux/eventfd.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/pid.h>
#include <linux/wait.h>
#include <linux/xarray.h>

#define OA_NUM_OPCODES (OA_OP_AES_GCM_DECRYPT + 1)
#define OA_MAX_TRANSFER (256 * 1024)
#define OA_MAX_SQ_ENTRIES 4096
#define OA_MAX_CQ_ENTRIES 8192
#define OA_MAX_SYNCOBJ_POINTS 16
/* Commands one engine pass takes from a queue before it looks at the others. */
#define OA_ENGINE_BATCH 64

struct crypto_aead;

/* Device memory shared by every device of the module (memory 0, "hbm0"); accounts GEM_CREATE. */
struct oa_pool {
	atomic64_t used;
	u64 size;
};

struct oa_dev {
	struct drm_device drm;
	int index;
	char model[OA_NAME_LEN];
	u64 functions; /* bit n: opcode n implemented */
	u32 caps; /* OA_CAP_* */
	u32 max_queues;
	atomic_t queues_in_use;
	struct oa_pool *pool;
	int ndevices; /* devices of the module, for sysfs peers */
	/* The engine: one kernel thread per device polls the queues on its list. */
	struct mutex list_lock; /* protects queues (membership only) */
	struct list_head queues;
	struct task_struct *engine;
	wait_queue_head_t engine_wq;
	atomic_t kick;
	/* Engine-only state: used by the engine thread alone, never under a lock users wait on. */
	void *deflate_ws;
	void *inflate_ws;
	struct crypto_aead *gcm;
	u8 *gcm_buf;
	u8 *sva_buf[3]; /* bounce buffers of SVA operands (src, dst, param) */
	u64 cmd_fence_context; /* the fences of commands, in the dma_resv of the objects they use */
	u64 cmd_fence_seqno;
	struct kobject *oa_kobj;
	struct kobject *memories_kobj;
	struct kobject *memory0_kobj;
	struct kobject *shared_kobj;
	struct kobject *links_kobj;
	struct kobject *link0_kobj;
};

static inline struct oa_dev *to_oa_dev(struct drm_device *drm)
{
	return container_of(drm, struct oa_dev, drm);
}

enum oa_bo_kind {
	OA_BO_MEMORY, /* GEM_CREATE: device memory */
	OA_BO_IMPORTED, /* a dma-buf of another driver */
	OA_BO_REGION_RW, /* a queue region the user writes */
	OA_BO_REGION_RO, /* a queue region the user only reads */
};

/* A GEM object: shmem pages, mapped in the kernel for the engine. */
struct oa_bo {
	struct drm_gem_shmem_object base;
	enum oa_bo_kind kind;
	u32 memory_id;
	u64 pool_bytes; /* returned to the pool on free */
	struct oa_pool *pool;
	struct mutex vmap_lock;
	void *vaddr; /* kernel mapping, made on first use and kept until free */
};

static inline struct oa_bo *to_oa_bo(struct drm_gem_object *obj)
{
	return container_of(to_drm_gem_shmem_obj(obj), struct oa_bo, base);
}

/* Per-file (per-context) state: drm_file.driver_priv. */
struct oa_file {
	struct oa_dev *dev;
	struct drm_file *file;
	struct mutex lock; /* bind and queue creation */
	struct pid *owner; /* the process that bound the context (a struct pid, never a number) */
	struct mm_struct *sva_mm; /* OA_BIND_SVA: the binder's mm (mmgrab), set once with owner */
	/* What the file makes the kernel hold, against the per-file limits of drv.c */
	atomic_t objects; /* GEM handles */
	atomic64_t object_bytes;
	atomic_t syncobjs_pending; /* SYNCOBJ_CREATE/FD_TO_HANDLE calls in flight */
	struct xarray queues; /* id -> oa_queue */
	u32 nqueues;
	atomic64_t engine_ns[OA_NUM_OPCODES];
};

struct oa_batch;

struct oa_queue {
	struct kref ref;
	struct list_head node; /* in dev->queues, under dev->list_lock */
	struct oa_dev *dev;
	struct oa_file *of;
	u32 id;
	u32 flags; /* OA_QUEUE_* of CREATE_QUEUE */
	u32 sq_entries;
	u32 cq_entries;
	struct oa_bo *doorbell; /* NULL on a syncobj queue */
	struct oa_bo *control;
	struct oa_bo *status;
	struct oa_bo *sq;
	struct oa_bo *cq;
	/* Held by the engine while it runs commands of this queue; never by a user's wait. */
	struct mutex lock;
	u32 sq_head; /* the device's indices; sq_head and done are read locklessly by SUBMIT */
	u32 cq_tail;
	u32 done; /* commands completed (free running, as sq_head) */
	bool stopped;
	bool cq_stalled; /* waiting for CQ space with NEED_WAKEUP set */
	wait_queue_head_t done_wq; /* SUBMIT with OA_SUBMIT_WAIT */
	spinlock_t efd_lock;
	struct eventfd_ctx *efd;
	/* Syncobj queues: the tail published by SUBMIT and the batches waiting on or signalling points. */
	spinlock_t batch_lock;
	u32 pub_tail;
	struct list_head batches;
	atomic_t held; /* batches on the list, at most oa_queue_max_held_submits (sync.held-submits) */
	u64 fence_context;
	u64 fence_seqno;
};

extern unsigned int oa_engine_spin_us;
extern unsigned int oa_file_max_objects;
extern unsigned int oa_file_max_memory_mib;
extern unsigned int oa_file_max_syncobjs;
extern unsigned int oa_queue_max_held_submits;

/* drv.c */
bool oa_is_owner(struct oa_file *of);

/* ioctl.c */
extern const struct drm_ioctl_desc oa_ioctls[];
extern const int oa_num_ioctls;
int oa_ctx_check(struct oa_file *of, u32 flags, u32 valid, bool reserved,
		 bool need_bind);
void oa_show_fdinfo(struct drm_printer *p, struct drm_file *file);

/* gem.c */
struct drm_gem_object *oa_gem_create_object(struct drm_device *drm,
					    size_t size);
struct drm_gem_object *oa_gem_prime_import(struct drm_device *drm,
					   struct dma_buf *dmabuf);
struct oa_bo *oa_bo_create(struct oa_dev *d, size_t size, enum oa_bo_kind kind);
void *oa_bo_vaddr(struct oa_bo *bo);
int oa_query_memory(struct drm_device *drm, void *data, struct drm_file *file);
int oa_gem_create(struct drm_device *drm, void *data, struct drm_file *file);
int oa_gem_info(struct drm_device *drm, void *data, struct drm_file *file);

/* queue.c */
int oa_create_queue(struct drm_device *drm, void *data, struct drm_file *file);
int oa_destroy_queue(struct drm_device *drm, void *data, struct drm_file *file);
int oa_set_eventfd(struct drm_device *drm, void *data, struct drm_file *file);
int oa_submit(struct drm_device *drm, void *data, struct drm_file *file);
void oa_file_stop_queues(struct oa_file *of);
void oa_queue_put(struct oa_queue *q);
void oa_queue_set_flags(struct oa_queue *q, u32 set, u32 clear);
void oa_queue_stop(struct oa_queue *q);

/* syncobj.c */
int oa_batch_submit(struct oa_queue *q, struct drm_file *file,
		    const struct oa_submit *a);
u32 oa_batch_ready_tail(struct oa_queue *q);
bool oa_batch_failed_at(struct oa_queue *q, u32 index);
void oa_batch_complete(struct oa_queue *q, u32 index, u32 status);
void oa_batch_cancel_all(struct oa_queue *q);
struct dma_fence *oa_fence_new(u64 context, u64 seqno);

/* engine.c */
int oa_engine_start(struct oa_dev *d);
void oa_engine_stop(struct oa_dev *d);
void oa_engine_kick(struct oa_dev *d);

/* sva.c */
struct oa_sva_range {
	u64 addr;
	u32 len;
	bool used;
};

int oa_sva_bind(struct oa_file *of);
void oa_sva_unbind(struct oa_file *of);
bool oa_sva_live(struct oa_file *of);
struct mm_struct *oa_sva_enter(struct oa_file *of);
void oa_sva_leave(struct mm_struct *mm);
bool oa_sva_copy_in(struct mm_struct *mm, const struct oa_sva_range *r,
		    bool read, bool write, u8 *buf);
bool oa_sva_copy_out(const struct oa_sva_range *r, const u8 *buf, u32 len);

/* functions.c */
int oa_functions_init(struct oa_dev *d);
void oa_functions_fini(struct oa_dev *d);
u32 oa_crc32c(u32 previous, const u8 *data, size_t len);
int oa_aes_gcm(struct oa_dev *d, bool encrypt,
	       const struct oa_aes_gcm_params *p, const u8 *src, u8 *dst,
	       size_t len, u8 tag_out[OA_AES_GCM_TAG_SIZE]);
int oa_deflate(void *ws, const u8 *src, size_t len, u8 *dst, size_t cap,
	       int level, size_t *out);
int oa_inflate(void *ws, const u8 *src, size_t len, u8 *dst, size_t cap,
	       size_t *out);

/* sysfs.c */
int oa_sysfs_add(struct oa_dev *d);
int oa_sysfs_link(struct oa_dev *d, struct oa_dev **all, int n);
void oa_sysfs_remove(struct oa_dev *d);

/* uacce.c */
void oa_uacce_add(struct oa_dev *d, struct device *parent);
void oa_uacce_remove(struct oa_dev *d);
struct drm_gem_object *oa_uacce_lookup(struct oa_file *of, u32 handle);

#endif
