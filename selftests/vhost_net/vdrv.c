// SPDX-License-Identifier: GPL-2.0-only
/*
 * vdrv: userspace virtio-net "guest driver" for the vhost-net selftests.
 * See vdrv.h for the model.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <dirent.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <linux/sockios.h>

#include "vdrv.h"

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "vdrv drives VERSION_1 rings and assumes a little-endian host"
#endif

#define PAGE_SZ		4096UL
#define ALIGN_UP(x, a)	(((x) + (a) - 1) & ~((size_t)(a) - 1))
#define INDIR_STRIDE	((VDRV_MAX_SEGS + 2) * sizeof(struct vring_desc))

const char *vdrv_dev_path(void)
{
	const char *p = getenv("VHOST_NET_DEV");

	return p && *p ? p : "/dev/vhost-net";
}

bool vdrv_is_vhostx(void)
{
	return access("/sys/module/vhostx_net", F_OK) == 0;
}

bool vdrv_node_expected(void)
{
	const char *p = getenv("VHOST_NET_DEV");

	return (p && *p) || access("/sys/module/vhostx", F_OK) == 0 ||
	       access("/sys/module/vhostx_net", F_OK) == 0;
}

const char *vdrv_module_name(void)
{
	return vdrv_is_vhostx() ? "vhostx_net" : "vhost_net";
}

uint64_t vdrv_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int vdrv_open(struct vdrv_dev *d)
{
	int i;

	memset(d, 0, sizeof(*d));
	d->fd = -1;
	d->memfd = -1;
	for (i = 0; i < VDRV_NVQ; i++) {
		d->vq[i].kick = -1;
		d->vq[i].call = -1;
		d->vq[i].err = -1;
	}
	d->fd = open(vdrv_dev_path(), O_RDWR | O_CLOEXEC);
	if (d->fd < 0) {
		d->failed = "open";
		return -errno;
	}
	return 0;
}

static size_t vdrv_alloc(struct vdrv_dev *d, size_t size, size_t align)
{
	size_t off = ALIGN_UP(d->brk, align);

	d->brk = off + size;
	return off;
}

int vdrv_mem_init(struct vdrv_dev *d, const struct vdrv_cfg *cfg)
{
	unsigned int num = cfg->num ? cfg->num : 256;
	size_t slot = ALIGN_UP(cfg->slot_size ? cfg->slot_size : 4096, 64);
	/* The packed layout fits in the split ring's space. */
	size_t ringsz = vxr_legacy_size(num, false, PAGE_SZ);
	size_t off_ring[VDRV_NVQ], off_indir[VDRV_NVQ], off_slots[VDRV_NVQ];
	size_t split;
	int i;

	if (num > 32768 || (num & (num - 1)))
		return -EINVAL;
	d->features = cfg->features;
	d->hdr_len = (cfg->features & (VDRV_F(VIRTIO_NET_F_MRG_RXBUF) |
				       VDRV_F(VIRTIO_F_VERSION_1))) ?
		     sizeof(struct virtio_net_hdr_mrg_rxbuf) :
		     sizeof(struct virtio_net_hdr);
	d->nregions = cfg->nregions == 2 ? 2 : 1;

	/* Rings and indirect tables first (region 0), then the data slots. */
	d->brk = PAGE_SZ;	/* keep gpa 0 page unused */
	for (i = 0; i < VDRV_NVQ; i++)
		off_ring[i] = vdrv_alloc(d, ringsz, PAGE_SZ);
	for (i = 0; i < VDRV_NVQ; i++)
		off_indir[i] = vdrv_alloc(d, num * INDIR_STRIDE, 64);
	for (i = 0; i < VDRV_NVQ; i++)
		off_slots[i] = vdrv_alloc(d, num * slot, PAGE_SZ);
	d->mem_size = ALIGN_UP(d->brk, PAGE_SZ);

	d->memfd = memfd_create("vdrv-guest", MFD_CLOEXEC);
	if (d->memfd < 0)
		return -errno;
	if (ftruncate(d->memfd, d->mem_size) < 0)
		return -errno;
	d->mem = mmap(NULL, d->mem_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      d->memfd, 0);
	if (d->mem == MAP_FAILED) {
		d->mem = NULL;
		return -errno;
	}

	/*
	 * With two regions the border falls inside the TX (or RX) slots,
	 * half-way through the ring, so chains there get split across regions.
	 */
	split = d->mem_size;
	if (d->nregions == 2) {
		size_t base = off_slots[cfg->split_rx ? VDRV_RX : VDRV_TX];

		split = base + (num / 2) * slot + slot / 2;
		split &= ~(PAGE_SZ - 1);
		if (split <= base)
			split = base + PAGE_SZ;
	}
	d->reg[0].gpa = VDRV_GPA_BASE0;
	d->reg[0].size = split;
	d->reg[0].hva = d->mem;
	if (d->nregions == 2) {
		d->reg[1].gpa = VDRV_GPA_BASE1;
		d->reg[1].size = d->mem_size - split;
		d->reg[1].hva = d->mem + split;
	}

	for (i = 0; i < VDRV_NVQ; i++) {
		struct vdrv_vq *vq = &d->vq[i];
		unsigned int j;

		vq->dev = d;
		vq->index = i;
		vq->num = num;
		vq->num_max = num;
		vxr_init_legacy(&vq->r, d->mem, (uintptr_t)d->mem, off_ring[i], num,
				cfg->features & VDRV_F(VIRTIO_F_RING_PACKED), PAGE_SZ);
		vq->free_descs = num;
		vq->indir = d->mem + off_indir[i];
		vq->slots = d->mem + off_slots[i];
		vq->slot_size = slot;
		vq->free_stack = calloc(num, sizeof(uint16_t));
		vq->r.chain_descs = calloc(num, sizeof(uint16_t));
		vq->inflight = calloc(num, 1);
		if (!vq->free_stack || !vq->r.chain_descs || !vq->inflight)
			return -ENOMEM;
		for (j = 0; j < num; j++)
			vq->free_stack[j] = num - 1 - j;
		vq->free_top = num;
		vq->kick = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		vq->call = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		vq->err = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (vq->kick < 0 || vq->call < 0 || vq->err < 0)
			return -errno;
	}
	return 0;
}

void vdrv_mem_table(struct vdrv_dev *d, struct vhost_memory *m)
{
	int i;

	m->nregions = d->nregions;
	m->padding = 0;
	for (i = 0; i < d->nregions; i++) {
		m->regions[i].guest_phys_addr = d->reg[i].gpa;
		m->regions[i].memory_size = d->reg[i].size;
		m->regions[i].userspace_addr = (uintptr_t)d->reg[i].hva;
		m->regions[i].flags_padding = 0;
	}
}

/* ioctl on the device; on failure remember the step, return -errno. */
static int vdrv_ioctl(struct vdrv_dev *d, const char *step, unsigned long req,
		      void *arg)
{
	if (ioctl(d->fd, req, arg) < 0) {
		d->failed = step;
		return -errno;
	}
	return 0;
}

int vdrv_vq_reinit(struct vdrv_vq *vq, unsigned int num)
{
	unsigned int j;

	if (!num || num > vq->num_max || (num & (num - 1)))
		return -EINVAL;
	memset(vq->r.mem + vq->r.off, 0, vxr_legacy_size(vq->num_max, false, PAGE_SZ));
	vq->num = num;
	vxr_resize(&vq->r, num);
	vq->free_descs = num;
	memset(vq->inflight, 0, vq->num_max);
	memset(vq->r.chain_descs, 0, vq->num_max * sizeof(uint16_t));
	vq->ninflight = 0;
	for (j = 0; j < num; j++)
		vq->free_stack[j] = num - 1 - j;
	vq->free_top = num;
	return 0;
}

uint32_t vdrv_vq_base(const struct vdrv_vq *vq)
{
	const struct vxr *r = &vq->r;

	if (!r->packed)
		return r->avail_idx;
	return (r->next_avail | (uint32_t)r->avail_wrap << 15) |
	       (r->next_used | (uint32_t)r->used_wrap << 15) << 16;
}

/* The address the device is given for a ring area (user address or IOVA). */
static uint64_t vdrv_ring_addr(struct vdrv_dev *d, const void *p)
{
	return d->iova_base ? vdrv_dma(d, p) : (uintptr_t)p;
}

int vdrv_vq_program(struct vdrv_dev *d, unsigned int index)
{
	struct vdrv_vq *vq = &d->vq[index];
	struct vhost_vring_state num = { .index = index, .num = vq->num };
	struct vhost_vring_state base = { .index = index, .num = vdrv_vq_base(vq) };
	/* Packed: descriptor ring, driver area, device area (the same fields). */
	struct vhost_vring_addr a = {
		.index = index,
		.desc_user_addr = vdrv_ring_addr(d, vq->r.desc),
		.avail_user_addr = vdrv_ring_addr(d, vq->r.avail),
		.used_user_addr = vdrv_ring_addr(d, vq->r.used),
	};
	struct vhost_vring_file kick = { .index = index, .fd = vq->kick };
	struct vhost_vring_file call = { .index = index, .fd = vq->call };
	struct vhost_vring_file err = { .index = index, .fd = vq->err };
	/* In the order QEMU programs a ring; the first failure stops it. */
	const struct {
		const char *step;
		unsigned long req;
		void *arg;
	} steps[] = {
		{ "SET_VRING_NUM", VHOST_SET_VRING_NUM, &num },
		{ "SET_VRING_BASE", VHOST_SET_VRING_BASE, &base },
		{ "SET_VRING_ADDR", VHOST_SET_VRING_ADDR, &a },
		{ "SET_VRING_KICK", VHOST_SET_VRING_KICK, &kick },
		{ "SET_VRING_CALL", VHOST_SET_VRING_CALL, &call },
		{ "SET_VRING_ERR", VHOST_SET_VRING_ERR, &err },
	};
	unsigned int i;
	int r;

	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		r = vdrv_ioctl(d, steps[i].step, steps[i].req, steps[i].arg);
		if (r)
			return r;
	}
	return 0;
}

int vdrv_configure(struct vdrv_dev *d)
{
	struct vhost_memory *m;
	uint64_t offered;
	int i, r;

	r = vdrv_ioctl(d, "SET_OWNER", VHOST_SET_OWNER, NULL);
	if (r)
		return r;
	r = vdrv_ioctl(d, "GET_FEATURES", VHOST_GET_FEATURES, &offered);
	if (r)
		return r;
	if (d->features & ~offered) {
		d->failed = "feature not offered";
		return -EOPNOTSUPP;
	}
	r = vdrv_ioctl(d, "SET_FEATURES", VHOST_SET_FEATURES, &d->features);
	if (r)
		return r;

	m = calloc(1, sizeof(*m) + d->nregions * sizeof(m->regions[0]));
	if (!m)
		return -ENOMEM;
	vdrv_mem_table(d, m);
	r = ioctl(d->fd, VHOST_SET_MEM_TABLE, m);
	free(m);
	if (r < 0) {
		d->failed = "SET_MEM_TABLE";
		return -errno;
	}
	for (i = 0; i < VDRV_NVQ; i++) {
		r = vdrv_vq_program(d, i);
		if (r)
			return r;
	}
	return 0;
}

int vdrv_init(struct vdrv_dev *d, const struct vdrv_cfg *cfg)
{
	int r;

	r = vdrv_open(d);
	if (r)
		return r;
	r = vdrv_mem_init(d, cfg);
	if (r) {
		d->failed = "guest memory";
		return r;
	}
	return vdrv_configure(d);
}

int vdrv_set_backend(struct vdrv_dev *d, unsigned int index, int fd)
{
	struct vhost_vring_file f = { .index = index, .fd = fd };

	if (ioctl(d->fd, VHOST_NET_SET_BACKEND, &f) < 0) {
		d->failed = "SET_BACKEND";
		return -errno;
	}
	return 0;
}

static void vdrv_closefd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

void vdrv_close(struct vdrv_dev *d)
{
	int i;

	vdrv_closefd(&d->fd);
	for (i = 0; i < VDRV_NVQ; i++) {
		struct vdrv_vq *vq = &d->vq[i];

		vdrv_closefd(&vq->kick);
		vdrv_closefd(&vq->call);
		vdrv_closefd(&vq->err);
		free(vq->free_stack);
		free(vq->r.chain_descs);
		free(vq->inflight);
		vq->free_stack = NULL;
		vq->r.chain_descs = NULL;
		vq->inflight = NULL;
	}
	if (d->mem)
		munmap(d->mem, d->mem_size);
	d->mem = NULL;
	vdrv_closefd(&d->memfd);
}

uint64_t vdrv_dma(struct vdrv_dev *d, const void *hva)
{
	if (d->iova_base)
		return d->iova_base + ((const uint8_t *)hva - d->mem);
	return vdrv_hva2gpa(d, hva);
}

uint64_t vdrv_hva2gpa(struct vdrv_dev *d, const void *hva)
{
	const uint8_t *p = hva;
	int i;

	for (i = 0; i < d->nregions; i++)
		if (p >= d->reg[i].hva && p < d->reg[i].hva + d->reg[i].size)
			return d->reg[i].gpa + (p - d->reg[i].hva);
	return 0;
}

void *vdrv_gpa2hva(struct vdrv_dev *d, uint64_t gpa)
{
	int i;

	for (i = 0; i < d->nregions; i++)
		if (gpa >= d->reg[i].gpa && gpa - d->reg[i].gpa < d->reg[i].size)
			return d->reg[i].hva + (gpa - d->reg[i].gpa);
	return NULL;
}

uint8_t *vdrv_slot(struct vdrv_vq *vq, unsigned int head)
{
	return vq->slots + (size_t)head * vq->slot_size;
}

struct vring_desc *vdrv_indir(struct vdrv_vq *vq, unsigned int head)
{
	return (struct vring_desc *)(vq->indir + head * INDIR_STRIDE);
}

void vdrv_desc_set(struct vdrv_vq *vq, unsigned int i, uint64_t addr,
		   uint32_t len, uint16_t flags, uint16_t next)
{
	struct vring_desc *desc = &vq->r.desc[i];

	desc->addr = addr;
	desc->len = len;
	desc->flags = flags;
	desc->next = next;
}

void vdrv_publish(struct vdrv_vq *vq, uint16_t head)
{
	/* The entry is visible before the index that exposes it. */
	vxr_add_avail(&vq->r, head);
	vxr_publish(&vq->r);
}

/* Split [p, p + total) into @nsegs pieces and then at region borders. */
static int vdrv_build_segs(struct vdrv_dev *d, uint8_t *p, size_t total,
			   unsigned int nsegs, uint16_t flags, struct vxr_seg *out, int max)
{
	size_t base = total / nsegs, extra = total % nsegs;
	unsigned int k;
	int n = 0, i;

	for (k = 0; k < nsegs; k++) {
		size_t l = base + (k < extra ? 1 : 0);

		while (l) {
			size_t take = l;

			for (i = 0; i < d->nregions; i++) {
				struct vdrv_region *r = &d->reg[i];

				if (p >= r->hva && p < r->hva + r->size) {
					if ((size_t)(r->hva + r->size - p) < take)
						take = r->hva + r->size - p;
					break;
				}
			}
			if (i == d->nregions || n == max)
				return -EINVAL;
			out[n].addr = vdrv_dma(d, p);
			out[n].len = take;
			out[n].flags = flags;
			n++;
			p += take;
			l -= take;
		}
	}
	return n;
}

static int vdrv_post(struct vdrv_vq *vq, size_t total, unsigned int nsegs,
		     bool indirect, bool write, const void *hdr, size_t hdrlen,
		     const void *frame, size_t len)
{
	struct vxr_seg segs[VDRV_MAX_SEGS + 2];
	uint16_t descs[VDRV_MAX_SEGS + 2];
	uint16_t flags = write ? VRING_DESC_F_WRITE : 0;
	unsigned int head, i, need;
	uint8_t *slot;
	int n;

	if (total > vq->slot_size || !total)
		return -EMSGSIZE;
	if (!nsegs)
		nsegs = 1;
	if (nsegs > VDRV_MAX_SEGS)
		return -EINVAL;
	if (nsegs > total)
		nsegs = total;
	if (!vq->free_top)
		return -ENOSPC;
	head = vq->free_stack[--vq->free_top];
	slot = vdrv_slot(vq, head);
	n = vdrv_build_segs(vq->dev, slot, total, nsegs, flags, segs,
			    VDRV_MAX_SEGS + 2);
	/* Split chains take more descriptor indices; packed ones ring entries. */
	need = indirect || vq->r.packed ? 0 : n - 1;
	if (n < 0 || vq->free_top < need) {
		vq->free_top++;
		return n < 0 ? n : -ENOSPC;
	}
	if (vq->r.packed && !indirect && vq->free_descs < (unsigned int)n) {
		vq->free_top++;
		return -ENOSPC;
	}
	if (write) {
		memset(slot, 0xa5, total);
	} else {
		memcpy(slot, hdr, hdrlen);
		memcpy(slot + hdrlen, frame, len);
	}
	if (vq->r.packed && indirect && !vq->free_descs) {
		vq->free_top++;
		return -ENOSPC;
	}

	/*
	 * Split: the head, then descriptors from the free stack; packed: the
	 * chain's ring entries from next_avail on, each carrying the head as
	 * buffer id, the first one's flags stored last. Indirect: one
	 * descriptor (entry) pointing at the head's table.
	 */
	if (indirect) {
		void *t = vdrv_indir(vq, head);

		vxr_add_indirect(&vq->r, head, t, vdrv_dma(vq->dev, t), segs, n);
		need = 1;
	} else {
		descs[0] = head;
		if (!vq->r.packed)
			for (i = 1; i < (unsigned int)n; i++)
				descs[i] = vq->free_stack[--vq->free_top];
		vxr_add_chain_at(&vq->r, head, descs, segs, n);
		need = n;
	}
	if (vq->r.packed)
		vq->free_descs -= need;
	vq->inflight[head] = 1;
	vq->ninflight++;
	vxr_publish(&vq->r);
	return head;
}

int vdrv_tx_post(struct vdrv_vq *vq, const void *hdr, size_t hdrlen,
		 const void *frame, size_t len, unsigned int nsegs, bool indirect)
{
	return vdrv_post(vq, hdrlen + len, nsegs, indirect, false, hdr, hdrlen,
			 frame, len);
}

int vdrv_rx_post(struct vdrv_vq *vq, size_t buflen, unsigned int nsegs,
		 bool indirect)
{
	return vdrv_post(vq, buflen, nsegs, indirect, true, NULL, 0, NULL, 0);
}

int vdrv_rx_fill(struct vdrv_vq *vq, size_t buflen, unsigned int nsegs,
		 bool indirect)
{
	int r, n = 0;

	vq->rx_buflen = buflen;
	vq->rx_nsegs = nsegs;
	vq->rx_indirect = indirect;
	vq->rx_refill = true;
	for (;;) {
		r = vdrv_rx_post(vq, buflen, nsegs, indirect);
		if (r == -ENOSPC)
			return n;
		if (r < 0)
			return r;
		n++;
	}
}

unsigned int vdrv_used_pending(struct vdrv_vq *vq)
{
	return vxr_used_pending(&vq->r);
}

/* Split: the chain of @head back on the free stack, following next. */
static void vdrv_free_chain(struct vdrv_vq *vq, unsigned int head)
{
	unsigned int i = head, k;

	for (k = 0; k < vq->r.chain_descs[head]; k++) {
		vq->free_stack[vq->free_top++] = i;
		i = vq->r.desc[i].next;
	}
}

/*
 * A split entry is taken before its id is checked (a bad one is lost); a
 * packed one stays in place when its id is bad (the ring cannot be walked
 * past it).
 */
int vdrv_used_get(struct vdrv_vq *vq, uint32_t *len)
{
	bool event = (vq->dev->features & VDRV_F(VIRTIO_RING_F_EVENT_IDX)) &&
		     !vq->manual_event;
	struct vxr *r = &vq->r;
	uint32_t id, l;

	if (!vxr_peek_used(r, &id, &l))
		return -EAGAIN;
	if (!r->packed) {
		vxr_take_used(r, id);
		if (event)
			vxr_event_next(r);
	}
	if (id >= vq->num || !vq->inflight[id])
		return -EPROTO;
	if (len)
		*len = l;
	vq->inflight[id] = 0;
	vq->ninflight--;
	if (r->packed) {
		vxr_take_used(r, id);
		vq->free_descs += r->chain_descs[id];
		vq->free_stack[vq->free_top++] = id;
		if (event)
			vxr_event_next(r);
	} else {
		vdrv_free_chain(vq, id);
	}
	r->chain_descs[id] = 0;
	return id;
}

uint64_t vdrv_evt_count(int efd)
{
	uint64_t v = 0;

	if (read(efd, &v, sizeof(v)) != sizeof(v))
		return 0;
	return v;
}

int vdrv_evt_wait(int efd, int timeout_ms)
{
	struct pollfd p = { .fd = efd, .events = POLLIN };

	if (poll(&p, 1, timeout_ms) <= 0)
		return 0;
	vdrv_evt_count(efd);
	return 1;
}

int vdrv_wait_used(struct vdrv_vq *vq, int timeout_ms)
{
	uint64_t end = vdrv_now_ms() + timeout_ms;

	for (;;) {
		struct pollfd p = { .fd = vq->call, .events = POLLIN };
		uint64_t now;

		if (vdrv_used_pending(vq))
			return 1;
		now = vdrv_now_ms();
		if (now >= end)
			return 0;
		/* Short sleeps: a suppressed call must not hide progress. */
		if (poll(&p, 1, end - now > 20 ? 20 : end - now) > 0)
			vdrv_evt_count(vq->call);
	}
}

void vdrv_kick(struct vdrv_vq *vq)
{
	uint64_t one = 1;

	/* Publish everything before the device looks. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (write(vq->kick, &one, sizeof(one)) != sizeof(one))
		perror("vdrv: kick");
}

void vdrv_set_used_event(struct vdrv_vq *vq, uint16_t v)
{
	*vxr_used_event(&vq->r) = v;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

uint16_t vdrv_avail_event(struct vdrv_vq *vq)
{
	return __atomic_load_n(vxr_avail_event(&vq->r), __ATOMIC_ACQUIRE);
}

void vdrv_set_avail_flags(struct vdrv_vq *vq, uint16_t flags)
{
	vq->r.avail->flags = flags;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

ssize_t vdrv_rx_frame(struct vdrv_vq *vq, struct virtio_net_hdr_mrg_rxbuf *hdr,
		      void *buf, size_t cap, unsigned int *nbufs, int timeout_ms)
{
	struct vdrv_dev *d = vq->dev;
	bool mrg = d->features & VDRV_F(VIRTIO_NET_F_MRG_RXBUF);
	uint64_t end = vdrv_now_ms() + timeout_ms;
	size_t total = 0;
	unsigned int nb = 1, k;
	ssize_t ret = 0;

	for (k = 0; k < nb; k++) {
		uint64_t now = vdrv_now_ms();
		size_t off = 0, take;
		uint32_t len;
		uint8_t *p;
		int head;

		if (!vdrv_wait_used(vq, now < end ? end - now : 0)) {
			ret = -ETIMEDOUT;
			break;
		}
		head = vdrv_used_get(vq, &len);
		if (head < 0) {
			ret = head;
			break;
		}
		p = vdrv_slot(vq, head);
		if (len > vq->rx_buflen && vq->rx_buflen) {
			ret = -EPROTO;
			break;
		}
		if (k == 0) {
			if (len < d->hdr_len) {
				ret = -EPROTO;
				break;
			}
			memset(hdr, 0, sizeof(*hdr));
			memcpy(hdr, p, d->hdr_len);
			off = d->hdr_len;
			if (mrg) {
				nb = hdr->num_buffers;
				if (!nb) {
					ret = -EPROTO;
					break;
				}
			}
		}
		take = len - off;
		if (total < cap)
			memcpy((uint8_t *)buf + total, p + off,
			       take < cap - total ? take : cap - total);
		total += take;
		if (vq->rx_refill)
			vdrv_rx_post(vq, vq->rx_buflen, vq->rx_nsegs, vq->rx_indirect);
	}
	if (vq->rx_refill)
		vdrv_kick(vq);
	if (nbufs)
		*nbufs = k;
	return ret ? ret : (ssize_t)total;
}

/* ---- host side ---- */

int vdrv_tap_open(const char *name, int extra, int hdr_sz)
{
	return nu_tun_open(name, IFF_TAP | IFF_NO_PI | extra, hdr_sz);
}

static const uint8_t vdrv_mac_dst[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };
static const uint8_t vdrv_mac_src[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };

static void vdrv_eth(uint8_t *buf, const uint8_t *dst, const uint8_t *src,
		     uint16_t proto)
{
	memcpy(buf, dst ? dst : vdrv_mac_dst, 6);
	memcpy(buf + 6, src ? src : vdrv_mac_src, 6);
	buf[12] = proto >> 8;
	buf[13] = proto & 0xff;
}

static void vdrv_pattern(uint8_t *p, size_t len, uint32_t seq)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(seq * 31 + i * 7 + (i >> 8));
}

void vdrv_frame_fill(uint8_t *buf, size_t len, uint32_t seq,
		     const uint8_t *dst, const uint8_t *src)
{
	vdrv_eth(buf, dst, src, VDRV_ETH_P_TEST);
	buf[14] = seq >> 24;
	buf[15] = seq >> 16;
	buf[16] = seq >> 8;
	buf[17] = seq;
	vdrv_pattern(buf + 18, len - 18, seq);
}

uint32_t vdrv_frame_seq(const uint8_t *buf)
{
	return (uint32_t)buf[14] << 24 | (uint32_t)buf[15] << 16 |
	       (uint32_t)buf[16] << 8 | buf[17];
}

uint16_t vdrv_frame_proto(const uint8_t *buf)
{
	return (uint16_t)buf[12] << 8 | buf[13];
}

static uint32_t vdrv_sum(const uint8_t *p, size_t len, uint32_t sum)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint16_t vdrv_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

void vdrv_frame_ipv4(uint8_t *buf, size_t len, uint32_t seq, int ipproto,
		     const uint8_t *dst, const uint8_t *src)
{
	uint8_t *ip = buf + 14, *l4 = buf + 34;
	size_t iplen = len - 14, l4len = len - 34, hl;
	uint16_t s;

	vdrv_eth(buf, dst, src, 0x0800);
	memset(ip, 0, 20);
	ip[0] = 0x45;
	ip[2] = iplen >> 8;
	ip[3] = iplen;
	ip[4] = seq >> 8;
	ip[5] = seq;
	ip[8] = 64;
	ip[9] = ipproto;
	ip[12] = 192; ip[13] = 0; ip[14] = 2; ip[15] = 1;
	ip[16] = 192; ip[17] = 0; ip[18] = 2; ip[19] = 2;
	s = ~vdrv_fold(vdrv_sum(ip, 20, 0));
	ip[10] = s >> 8;
	ip[11] = s;

	hl = ipproto == 6 ? 20 : 8;
	memset(l4, 0, hl);
	l4[0] = (1024 + seq % 30000) >> 8;
	l4[1] = (1024 + seq % 30000) & 0xff;
	l4[2] = 0;
	l4[3] = 9;
	if (ipproto == 6) {
		l4[4] = seq >> 24; l4[5] = seq >> 16; l4[6] = seq >> 8; l4[7] = seq;
		l4[12] = 5 << 4;
		l4[13] = 0x18;		/* PSH|ACK */
		l4[14] = 0xff;
		l4[15] = 0xff;
	} else {
		l4[4] = l4len >> 8;
		l4[5] = l4len;
	}
	vdrv_pattern(l4 + hl, l4len - hl, seq);
	/* Pseudo-header sum only, as left for the device to complete. */
	s = vdrv_fold(vdrv_sum(ip + 12, 8, ipproto + (uint32_t)l4len));
	if (ipproto == 6) {
		l4[16] = s >> 8;
		l4[17] = s;
	} else {
		l4[6] = s >> 8;
		l4[7] = s;
	}
}

int vdrv_cmp(const void *a, const void *b, size_t len)
{
	const uint8_t *x = a, *y = b;
	size_t i;

	for (i = 0; i < len; i++) {
		if (x[i] != y[i]) {
			fprintf(stderr, "vdrv: first difference at byte %zu of %zu: %02x != %02x\n",
				i, len, x[i], y[i]);
			return 1;
		}
	}
	return 0;
}

/* ---- composite helpers ---- */

int vdrv_env_tap(struct vdrv_env *e, const char *name, int extra, int hdr_sz)
{
	int r;

	memset(e, 0, sizeof(*e));
	e->tap = e->cap = e->inj = -1;
	snprintf(e->name, sizeof(e->name), "%s", name);
	e->tap = vdrv_tap_open(name, extra, hdr_sz);
	if (e->tap < 0)
		return e->tap;
	r = vdrv_link_mtu(name, 65521);	/* tun max: 65535 - ETH_HLEN */
	if (!r)
		r = vdrv_link_up(name);
	if (r)
		return r;
	e->cap = vdrv_pkt_open(name, true, true);
	if (e->cap < 0)
		return e->cap;
	e->inj = vdrv_pkt_open(name, false, true);
	if (e->inj < 0)
		return e->inj;
	return 0;
}

void vdrv_env_close(struct vdrv_env *e)
{
	vdrv_closefd(&e->inj);
	vdrv_closefd(&e->cap);
	vdrv_closefd(&e->tap);
}

int vdrv_tx_check(struct vdrv_vq *vq, int cap,
		  const struct virtio_net_hdr_mrg_rxbuf *hdr,
		  const uint8_t *frame, size_t len, unsigned int nsegs,
		  bool indirect, struct virtio_net_hdr *got)
{
	struct virtio_net_hdr_mrg_rxbuf zero = { 0 };
	size_t cap_len = len + sizeof(struct virtio_net_hdr) + 64;
	uint8_t *buf = malloc(cap_len);
	int head, r = -1, uh;
	uint32_t ulen;
	ssize_t n;

	if (!buf)
		return -1;
	head = vdrv_tx_post(vq, hdr ? hdr : &zero, vq->dev->hdr_len, frame,
			    len, nsegs, indirect);
	if (head < 0) {
		fprintf(stderr, "tx_check: post %zu bytes: %s\n", len, strerror(-head));
		goto out;
	}
	vdrv_kick(vq);
	if (!vdrv_wait_used(vq, 5000)) {
		fprintf(stderr, "tx_check: no used entry for %zu bytes\n", len);
		goto out;
	}
	uh = vdrv_used_get(vq, &ulen);
	if (uh != head) {
		fprintf(stderr, "tx_check: used head %d, posted %d\n", uh, head);
		goto out;
	}
	n = vdrv_pkt_recv(cap, buf, cap_len, 5000);
	if (n < 0) {
		fprintf(stderr, "tx_check: capture of %zu bytes: %s\n", len, strerror(-n));
		goto out;
	}
	if ((size_t)n != len + sizeof(struct virtio_net_hdr)) {
		fprintf(stderr, "tx_check: captured %zd bytes, sent %zu\n",
			n - (ssize_t)sizeof(struct virtio_net_hdr), len);
		goto out;
	}
	if (vdrv_cmp(buf + sizeof(struct virtio_net_hdr), frame, len))
		goto out;
	if (got)
		memcpy(got, buf, sizeof(*got));
	r = 0;
out:
	free(buf);
	return r;
}

int vdrv_rx_check(struct vdrv_vq *vq, int inj, const uint8_t *frame,
		  size_t len, struct virtio_net_hdr_mrg_rxbuf *hdr,
		  unsigned int *nbufs)
{
	struct virtio_net_hdr_mrg_rxbuf h;
	uint8_t *buf = malloc(len + 64);
	ssize_t n;
	int r = -1;

	if (!buf)
		return -1;
	n = send(inj, frame, len, 0);
	if (n != (ssize_t)len) {
		fprintf(stderr, "rx_check: inject %zu bytes: %s\n", len,
			n < 0 ? strerror(errno) : "short");
		goto out;
	}
	n = vdrv_rx_frame(vq, &h, buf, len + 64, nbufs, 5000);
	if (n < 0) {
		fprintf(stderr, "rx_check: receive of %zu bytes: %s\n", len, strerror(-n));
		goto out;
	}
	if ((size_t)n != len) {
		fprintf(stderr, "rx_check: received %zd bytes, sent %zu\n", n, len);
		goto out;
	}
	if (vdrv_cmp(buf, frame, len))
		goto out;
	if (hdr)
		*hdr = h;
	r = 0;
out:
	free(buf);
	return r;
}

int vdrv_traffic(struct vdrv_dev *d, struct vdrv_env *e, uint32_t seq, unsigned int n)
{
	uint8_t frame[777];

	for (unsigned int i = 0; i < n; i++) {
		vdrv_frame_fill(frame, sizeof(frame), seq + i, NULL, NULL);
		if (vdrv_tx_check(&d->vq[VDRV_TX], e->cap, NULL, frame,
				  sizeof(frame), 2, false, NULL))
			return -1;
		vdrv_frame_fill(frame, sizeof(frame) - i, seq + 100 + i, NULL, NULL);
		if (vdrv_rx_check(&d->vq[VDRV_RX], e->inj, frame, sizeof(frame) - i,
				  NULL, NULL))
			return -1;
	}
	return 0;
}

int vdrv_module_refcnt(const char *mod)
{
	char path[128], buf[32];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/sys/module/%s/refcnt", mod);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	return atoi(buf);
}

long long vdrv_stat_file(const char *path, const char *key)
{
	char name[64];
	long long v, r = -1;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fscanf(f, "%63s %lld", name, &v) == 2) {
		if (!strcmp(name, key)) {
			r = v;
			break;
		}
	}
	fclose(f);
	return r;
}

long long vdrv_stat(const char *q, const char *key)
{
	const char *root = "/sys/kernel/debug/vhostx";
	char want[32], path[600];
	struct dirent *de;
	DIR *dir;

	snprintf(want, sizeof(want), "%d-", (int)getpid());
	dir = opendir(root);
	if (!dir)
		return -1;
	path[0] = 0;
	while ((de = readdir(dir))) {
		if (!strncmp(de->d_name, want, strlen(want))) {
			snprintf(path, sizeof(path), "%s/%s/%s", root, de->d_name, q);
			break;
		}
	}
	closedir(dir);
	return path[0] ? vdrv_stat_file(path, key) : -1;
}
