/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The OpenAccel queue bound to UACCE (drivers/misc/uacce): what a user-space driver that matches the
 * device's api attribute relies on. Each open of /dev/openaccel-N is one queue of the 2.0 ring formats
 * (struct oa_sqe, oa_cqe, oa_doorbell, oa_queue_control, oa_queue_status of <drm/openaccel_accel.h>),
 * without SVA: operands name the queue's data area, which the DUS region maps.
 */
#ifndef OA_UACCE_H
#define OA_UACCE_H

#include <linux/ioctl.h>

#define OA_UACCE_API "openaccel-2.0-uacce"
#define OA_UACCE_NAME "openaccel"

#define OA_UACCE_SQ_ENTRIES 64
#define OA_UACCE_CQ_ENTRIES 64

/* UACCE_QFRT_MMIO: one page, struct oa_doorbell at offset 0. */
#define OA_UACCE_MMIO_PAGES 1
/* UACCE_QFRT_DUS, page by page: control, status, SQ, CQ, then the data area to the end. */
#define OA_UACCE_DUS_CONTROL_PAGE 0
#define OA_UACCE_DUS_STATUS_PAGE 1
#define OA_UACCE_DUS_SQ_PAGE 2
#define OA_UACCE_DUS_CQ_PAGE 3
#define OA_UACCE_DUS_DATA_PAGE 4
#define OA_UACCE_DATA_SIZE (1024 * 1024)

/* The handle of an operand in the data area; its address is a byte offset in that area. */
#define OA_UACCE_HANDLE_DATA 1

/*
 * The system call of rule ring.wakeup: after a doorbell store, a user who sees OA_QUEUE_NEED_WAKEUP in
 * the status flags makes this call to wake the engine. EINVAL on a queue that is not started.
 */
#define OA_UACCE_CMD_WAKE _IO(0xd7, 0x40)

#endif
