// SPDX-License-Identifier: GPL-2.0-only
/*
 * vhostx_vdpa virtqueues: the per-queue ioctls, which go straight to the
 * device through the bus config ops, and the eventfd plumbing:
 *  - a kick eventfd's wake-up calls the device's kick_vq() directly (both
 *    run in any context and never sleep): the vhost core's poll in inline
 *    mode, no thread in between;
 *  - the device's used-buffer callback signals the call eventfd.
 */
#include <linux/file.h>
#include <linux/nospec.h>
#include <linux/uaccess.h>
#include <linux/virtio_ring.h>
#include <vhostx/ring.h>
#include <vhostx/vhost.h>

#include "vdpa_internal.h"

/* Device callback: private is the eventfd context itself. */
static void vxvdpa_eventfd_cb(void *private)
{
	vhostx_eventfd_signal(private);
}

/* Kick eventfd wake-up, under its wait-queue lock: ring the doorbell. */
static void vxvdpa_kick_wake(struct vhostx_poll *poll)
{
	struct vxvdpa_vq *vq = container_of(poll, struct vxvdpa_vq, kick_poll);

	vq->vdpa->config->kick_vq(vq->vdpa, vq->index);
}

static void vxvdpa_kick_stop(struct vxvdpa_vq *vq)
{
	lockdep_assert_held(&vq->v->mutex);
	/* Takes the wait-queue lock: no wake-up runs after this. */
	vhostx_poll_stop(&vq->kick_poll);
	if (vq->kick) {
		fput(vq->kick);
		vq->kick = NULL;
	}
}

static long vxvdpa_set_kick(struct vxvdpa_vq *vq, int fd)
{
	struct file *file = NULL;
	long ret;

	lockdep_assert_held(&vq->v->mutex);
	if (fd != VHOST_FILE_UNBIND) {
		file = eventfd_fget(fd);
		if (IS_ERR(file))
			return PTR_ERR(file);
	}
	vxvdpa_kick_stop(vq);
	if (!file)
		return 0;

	vq->kick = file;
	/* Kicks that came before we listened ring the doorbell now. */
	ret = vhostx_poll_start(&vq->kick_poll, file);
	if (ret)
		vxvdpa_kick_stop(vq);
	return ret;
}

static void vxvdpa_call_stop(struct vxvdpa_vq *vq)
{
	lockdep_assert_held(&vq->v->mutex);
	if (!vq->call_ctx)
		return;
	/* Once set_vq_cb() returns, the old callback no longer runs. */
	vq->vdpa->config->set_vq_cb(vq->vdpa, vq->index, NULL);
	eventfd_ctx_put(vq->call_ctx);
	vq->call_ctx = NULL;
}

static long vxvdpa_set_call(struct vxvdpa_vq *vq, int fd)
{
	struct vdpax_callback cb = { .callback = vxvdpa_eventfd_cb };
	struct eventfd_ctx *ctx = vhostx_eventfd_fdget(fd);

	lockdep_assert_held(&vq->v->mutex);
	if (IS_ERR(ctx))
		return PTR_ERR(ctx);
	vxvdpa_call_stop(vq);
	if (!ctx)
		return 0;
	vq->call_ctx = ctx;
	cb.private = ctx;
	vq->vdpa->config->set_vq_cb(vq->vdpa, vq->index, &cb);
	return 0;
}

/**
 * vxvdpa_set_config_call() - VHOST_VDPA_SET_CONFIG_CALL
 * @v: the device, mutex held
 * @argp: user pointer to an eventfd number, or VHOST_FILE_UNBIND
 *
 * Return: 0 or -errno.
 */
long vxvdpa_set_config_call(struct vxvdpa *v, int __user *argp)
{
	const struct vdpax_config_ops *ops = v->vdpa->config;
	struct vdpax_callback cb = { .callback = vxvdpa_eventfd_cb };
	struct eventfd_ctx *ctx;
	int fd;

	lockdep_assert_held(&v->mutex);
	if (get_user(fd, argp))
		return -EFAULT;
	ctx = vhostx_eventfd_fdget(fd);
	if (IS_ERR(ctx))
		return PTR_ERR(ctx);
	if (v->config_ctx) {
		ops->set_config_cb(v->vdpa, NULL);
		eventfd_ctx_put(v->config_ctx);
	}
	v->config_ctx = ctx;
	if (ctx) {
		cb.private = ctx;
		ops->set_config_cb(v->vdpa, &cb);
	}
	return 0;
}

static long vxvdpa_set_num(struct vxvdpa_vq *vq, u32 num)
{
	const struct vdpax_config_ops *ops = vq->vdpa->config;
	u16 min = ops->get_vq_num_min ? ops->get_vq_num_min(vq->vdpa) : 1;

	if (!num || num > 0xffff || !is_power_of_2(num) ||
	    num > ops->get_vq_num_max(vq->vdpa) || num < min)
		return -EINVAL;
	ops->set_vq_num(vq->vdpa, vq->index, num);
	return 0;
}

/* Did the driver accept packed virtqueues (VIRTIO_F_RING_PACKED)? */
static bool vxvdpa_packed(struct vxvdpa *v)
{
	return v->vdpa->config->get_driver_features(v->vdpa) & BIT_ULL(VIRTIO_F_RING_PACKED);
}

static long vxvdpa_set_addr(struct vxvdpa_vq *vq, struct vhost_vring_addr __user *argp)
{
	struct vhost_vring_addr a;

	if (copy_from_user(&a, argp, sizeof(a)))
		return -EFAULT;
	/* No dirty log: live migration goes through suspend and vring bases. */
	if (a.flags)
		return -EOPNOTSUPP;
	if (!vhostx_vring_addr_aligned(&a, vxvdpa_packed(vq->v)))
		return -EINVAL;
	if (vq->vdpa->config->set_vq_address(vq->vdpa, vq->index, a.desc_user_addr,
					     a.avail_user_addr, a.used_user_addr))
		return -EINVAL;
	return 0;
}

static long vxvdpa_get_group(struct vxvdpa *v, struct vxvdpa_vq *vq,
			     struct vhost_vring_state *s)
{
	const struct vdpax_config_ops *ops = v->vdpa->config;

	s->num = ops->get_vq_group ? ops->get_vq_group(v->vdpa, vq->index) : 0;
	/* A device answer we cannot pass on as it is. */
	if (s->num >= v->vdpa->ngroups)
		return -EIO;
	return 0;
}

static long vxvdpa_set_group_asid(struct vxvdpa *v, const struct vhost_vring_state *s)
{
	const struct vdpax_config_ops *ops = v->vdpa->config;

	if (s->index >= v->vdpa->ngroups || s->num >= v->nas)
		return -EINVAL;
	if (!ops->set_group_asid)
		return s->num ? -EOPNOTSUPP : 0;
	return ops->set_group_asid(v->vdpa, s->index, s->num);
}

/*
 * VHOST_SET_VRING_BASE for a packed ring, in the vhost core's encoding
 * (vhostx_packed_base_split()). Positions beyond the ring are the
 * device's to refuse (set_vq_state).
 */
static void vxvdpa_packed_state(struct vdpax_vq_state *st, u32 num)
{
	u16 avail, used;

	vhostx_packed_base_split(num, &avail, &used);
	st->packed.last_avail_idx = avail & VHOSTX_PACKED_BASE_POS;
	st->packed.last_avail_counter = !!(avail & VHOSTX_PACKED_BASE_WRAP);
	st->packed.last_used_idx = used & VHOSTX_PACKED_BASE_POS;
	st->packed.last_used_counter = !!(used & VHOSTX_PACKED_BASE_WRAP);
}

/* VHOST_GET_VRING_BASE for a packed ring, the same encoding. */
static u32 vxvdpa_packed_base(const struct vdpax_vq_state *st)
{
	return vhostx_packed_base_join(vhostx_packed_base_half(st->packed.last_avail_idx,
							       st->packed.last_avail_counter),
				       vhostx_packed_base_half(st->packed.last_used_idx,
							       st->packed.last_used_counter));
}

/**
 * vxvdpa_vring_ioctl() - the per-queue calls (and SET_GROUP_ASID, whose
 *                        index is a group)
 * @v: the device, mutex held
 * @cmd: the ioctl
 * @argp: user argument; every one starts with a u32 index
 *
 * Return: 0 or -errno; -ENOIOCTLCMD for unknown commands, -EPERM if the
 * caller is not the owner, -ENOBUFS for an index out of range.
 */
long vxvdpa_vring_ioctl(struct vxvdpa *v, unsigned int cmd, void __user *argp)
{
	const struct vdpax_config_ops *ops = v->vdpa->config;
	struct vhost_vring_state s;
	struct vhost_vring_file f;
	struct vdpax_vq_state st;
	struct vxvdpa_vq *vq;
	u32 idx;
	long ret;

	lockdep_assert_held(&v->mutex);
	if (!vhostx_is_vring_ioctl(cmd) && cmd != VHOST_VDPA_SET_VRING_ENABLE &&
	    cmd != VHOST_VDPA_GET_VRING_GROUP && cmd != VHOST_VDPA_SET_GROUP_ASID)
		return -ENOIOCTLCMD;
	ret = vxvdpa_check_owner(v);
	if (ret)
		return ret;

	if (cmd == VHOST_VDPA_SET_GROUP_ASID) {
		/* Its index is a group, not a queue. */
		if (copy_from_user(&s, argp, sizeof(s)))
			return -EFAULT;
		return vxvdpa_set_group_asid(v, &s);
	}
	ret = vhostx_vring_index(argp, v->nvqs, &idx);
	if (ret)
		return ret;
	vq = &v->vqs[idx];

	switch (cmd) {
	case VHOST_SET_VRING_ADDR:
		return vxvdpa_set_addr(vq, argp);
	case VHOST_SET_VRING_KICK:
	case VHOST_SET_VRING_CALL:
	case VHOST_SET_VRING_ERR:
		if (copy_from_user(&f, argp, sizeof(f)))
			return -EFAULT;
		if (cmd == VHOST_SET_VRING_KICK)
			return vxvdpa_set_kick(vq, f.fd);
		if (cmd == VHOST_SET_VRING_CALL)
			return vxvdpa_set_call(vq, f.fd);
		return vhostx_eventfd_replace(&vq->err_ctx, f.fd);
	}

	if (copy_from_user(&s, argp, sizeof(s)))
		return -EFAULT;
	switch (cmd) {
	case VHOST_SET_VRING_NUM:
		return vxvdpa_set_num(vq, s.num);
	case VHOST_SET_VRING_BASE:
		memset(&st, 0, sizeof(st));
		if (vxvdpa_packed(v)) {
			vxvdpa_packed_state(&st, s.num);
		} else {
			if (s.num > 0xffff)
				return -EINVAL;
			st.avail_index = s.num;
			st.used_index = s.num;
		}
		return ops->set_vq_state(v->vdpa, idx, &st);
	case VHOST_GET_VRING_BASE:
		memset(&st, 0, sizeof(st));
		ret = ops->get_vq_state(v->vdpa, idx, &st);
		if (ret)
			return ret;
		if (vxvdpa_packed(v))
			s.num = vxvdpa_packed_base(&st);
		else
			s.num = st.avail_index;
		break;
	case VHOST_SET_VRING_BUSYLOOP_TIMEOUT:
		vq->busyloop_timeout = s.num;
		return 0;
	case VHOST_GET_VRING_BUSYLOOP_TIMEOUT:
		s.num = vq->busyloop_timeout;
		break;
	case VHOST_VDPA_SET_VRING_ENABLE:
		ops->set_vq_ready(v->vdpa, idx, !!s.num);
		return 0;
	case VHOST_VDPA_GET_VRING_GROUP:
		ret = vxvdpa_get_group(v, vq, &s);
		if (ret)
			return ret;
		break;
	default:
		/* A generic queue command this device does not serve (yet). */
		return -ENOIOCTLCMD;
	}
	s.index = idx;
	return copy_to_user(argp, &s, sizeof(s)) ? -EFAULT : 0;
}

/**
 * vxvdpa_vqs_init() - set up the queues of a new device
 * @v: the device, not yet visible
 */
void vxvdpa_vqs_init(struct vxvdpa *v)
{
	u32 i;

	for (i = 0; i < v->nvqs; i++) {
		struct vxvdpa_vq *vq = &v->vqs[i];

		vq->v = v;
		vq->vdpa = v->vdpa;
		vq->index = i;
		vhostx_poll_init_inline(&vq->kick_poll, vxvdpa_kick_wake, EPOLLIN);
	}
}

/**
 * vxvdpa_vqs_release() - drop every queue's eventfds
 * @v: the device, mutex held
 *
 * Kicks stop reaching the device and its callbacks are cleared before the
 * eventfds are put.
 */
void vxvdpa_vqs_release(struct vxvdpa *v)
{
	u32 i;

	lockdep_assert_held(&v->mutex);
	for (i = 0; i < v->nvqs; i++) {
		struct vxvdpa_vq *vq = &v->vqs[i];

		vxvdpa_kick_stop(vq);
		vxvdpa_call_stop(vq);
		vhostx_eventfd_replace(&vq->err_ctx, VHOST_FILE_UNBIND);
		vq->busyloop_timeout = 0;
	}
}
