// SPDX-License-Identifier: GPL-2.0-only
/*
 * vdpax_sim_net address spaces: the IOTLB ops of the bus contract and the
 * copy routines the datapath uses to reach driver memory through them.
 *
 * Every IOTLB entry maps an IOVA range to physical addresses. The copy
 * routines refuse holes, missing permissions and page frames the kernel does
 * not know, and never wrap around the address space: a bad address from a
 * driver is an error, never an access elsewhere.
 */
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/pfn.h>

#include "sim.h"

static int vdpasim_pa_copy(u64 pa, void *buf, size_t len, bool to_pa)
{
	while (len) {
		unsigned long pfn = PHYS_PFN(pa);
		size_t off = offset_in_page(pa);
		size_t n = min_t(size_t, len, PAGE_SIZE - off);
		void *p;

		if (!pfn_valid(pfn))
			return -EFAULT;
		p = kmap_local_page(pfn_to_page(pfn));
		if (to_pa)
			memcpy(p + off, buf, n);
		else
			memcpy(buf, p + off, n);
		kunmap_local(p);
		pa += n;
		buf += n;
		len -= n;
	}
	return 0;
}

static int vdpasim_iova_copy(struct vhost_iotlb *iotlb, u64 iova, void *buf,
			     size_t len, bool to_iova)
{
	u32 perm = to_iova ? VHOST_MAP_WO : VHOST_MAP_RO;

	if (len && iova + len - 1 < iova)
		return -EFAULT;

	while (len) {
		struct vhost_iotlb_map *map;
		u64 room;
		size_t n;
		int err;

		map = vhost_iotlb_itree_first(iotlb, iova, iova);
		if (!map || !(map->perm & perm))
			return -EFAULT;
		room = map->last - iova;	/* bytes left in the entry, minus one */
		n = (u64)len - 1 > room ? (size_t)room + 1 : len;
		err = vdpasim_pa_copy(map->addr + (iova - map->start), buf, n, to_iova);
		if (err)
			return err;
		iova += n;
		buf += n;
		len -= n;
	}
	return 0;
}

/**
 * vdpasim_iova_read() - copy from IOVA space into a kernel buffer
 * @iotlb: address space
 * @iova: source IOVA
 * @buf: destination
 * @len: bytes
 *
 * Context: the device lock held (the IOTLB must not change underneath).
 * Return: 0 or -EFAULT.
 */
int vdpasim_iova_read(struct vhost_iotlb *iotlb, u64 iova, void *buf, size_t len)
{
	return vdpasim_iova_copy(iotlb, iova, buf, len, false);
}

/**
 * vdpasim_iova_write() - copy a kernel buffer into IOVA space
 * @iotlb: address space
 * @iova: destination IOVA
 * @buf: source
 * @len: bytes
 *
 * Context: the device lock held.
 * Return: 0 or -EFAULT.
 */
int vdpasim_iova_write(struct vhost_iotlb *iotlb, u64 iova, const void *buf, size_t len)
{
	return vdpasim_iova_copy(iotlb, iova, (void *)buf, len, true);
}

/* Checks shared by set_map and dma_map. */
static int vdpasim_check_map(u64 iova, u64 last, u64 pa, u32 perm)
{
	if (last < iova)
		return -EINVAL;
	if (pa + (last - iova) < pa)
		return -EINVAL;
	if (!perm || (perm & ~VHOST_MAP_RW))
		return -EINVAL;
	return 0;
}

int vdpasim_set_map(struct vdpax_device *vdpa, unsigned int asid,
		    struct vhost_iotlb *src)
{
	struct vdpasim_net *sim = vdpa_to_sim(vdpa);
	struct vhost_iotlb_map *map;
	struct vhost_iotlb *new, *old;
	unsigned long flags;
	int err;

	if (asid >= VDPASIM_NAS)
		return -EINVAL;

	new = vhost_iotlb_alloc(VDPASIM_IOTLB_LIMIT, 0);
	if (!new)
		return -ENOMEM;
	for (map = vhost_iotlb_itree_first(src, 0, U64_MAX); map;
	     map = vhost_iotlb_itree_next(map, 0, U64_MAX)) {
		err = vdpasim_check_map(map->start, map->last, map->addr, map->perm);
		if (err)
			goto err_free;
		if (vhost_iotlb_itree_first(new, map->start, map->last)) {
			err = -EINVAL;
			goto err_free;
		}
		err = vhost_iotlb_add_range_ctx(new, map->start, map->last, map->addr,
						map->perm, map->opaque);
		if (err)
			goto err_free;
	}

	spin_lock_irqsave(&sim->lock, flags);
	old = sim->iotlb[asid];
	sim->iotlb[asid] = new;
	spin_unlock_irqrestore(&sim->lock, flags);
	vhost_iotlb_free(old);
	return 0;

err_free:
	vhost_iotlb_free(new);
	return err;
}

int vdpasim_dma_map(struct vdpax_device *vdpa, unsigned int asid, u64 iova,
		    u64 size, u64 pa, u32 perm, void *opaque)
{
	struct vdpasim_net *sim = vdpa_to_sim(vdpa);
	struct vhost_iotlb *iotlb;
	unsigned long flags;
	u64 last;
	int err;

	if (asid >= VDPASIM_NAS || !size)
		return -EINVAL;
	last = iova + size - 1;
	err = vdpasim_check_map(iova, last, pa, perm);
	if (err)
		return err;

	spin_lock_irqsave(&sim->lock, flags);
	iotlb = sim->iotlb[asid];
	if (vhost_iotlb_itree_first(iotlb, iova, last))
		err = -EEXIST;
	else
		err = vhost_iotlb_add_range_ctx(iotlb, iova, last, pa, perm, opaque);
	spin_unlock_irqrestore(&sim->lock, flags);
	return err;
}

int vdpasim_dma_unmap(struct vdpax_device *vdpa, unsigned int asid, u64 iova,
		      u64 size)
{
	struct vdpasim_net *sim = vdpa_to_sim(vdpa);
	unsigned long flags;

	if (asid >= VDPASIM_NAS || !size || iova + size - 1 < iova)
		return -EINVAL;

	spin_lock_irqsave(&sim->lock, flags);
	vhost_iotlb_del_range(sim->iotlb[asid], iova, iova + size - 1);
	spin_unlock_irqrestore(&sim->lock, flags);
	return 0;
}

int vdpasim_reset_map(struct vdpax_device *vdpa, unsigned int asid)
{
	struct vdpasim_net *sim = vdpa_to_sim(vdpa);
	unsigned long flags;

	if (asid >= VDPASIM_NAS)
		return -EINVAL;

	spin_lock_irqsave(&sim->lock, flags);
	vhost_iotlb_reset(sim->iotlb[asid]);
	spin_unlock_irqrestore(&sim->lock, flags);
	return 0;
}
