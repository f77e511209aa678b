// SPDX-License-Identifier: GPL-2.0-only
/*
 * vhostx_vdpa IOTLB: mappings arrive as struct vhost_msg (v1) or struct
 * vhost_msg_v2 written to the file. An update pins the user pages behind
 * [uaddr, uaddr + size) for as long as the mapping exists (FOLL_LONGTERM,
 * charged to the owner's pinned_vm against RLIMIT_MEMLOCK) and programs
 * the device:
 *  - dma_map()/dma_unmap() devices get each physically contiguous run as
 *    it is made or removed;
 *  - set_map() devices get the whole address space after each change, or
 *    once at VHOST_IOTLB_BATCH_END inside a batch. Removals are pushed at
 *    once even inside a batch, so no page is unpinned while the device may
 *    still reach it.
 *
 * Each address space has a shadow IOTLB (the kernel's vhost_iotlb library)
 * with one entry per physically contiguous run: IOVA range -> physical
 * address. Entries are byte exact: the device reaches exactly the bytes it
 * was given. The entries of one update share a tag, and an invalidation
 * removes every update it touches, whole, as QEMU and DPDK expect (they
 * unmap what they mapped).
 *
 * A device without either (the platform IOMMU model, e.g. vdpax_pci) is
 * reached through an IOMMU domain of the file's own, attached to the
 * device's DMA device from open() to release(): each run is iommu_map()ped
 * there and iommu_unmap()ped (which waits for the IOTLB flush) before its
 * pages are unpinned. The IOMMU works in pages, so such a device takes only
 * updates whose IOVA and size are page aligned: no two updates ever share
 * an IOMMU page, and removing one never unmaps another's bytes.
 */
#include <linux/iommu.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/uio.h>

#include "vdpa_internal.h"

static unsigned int max_iotlb_entries = 32768;
module_param(max_iotlb_entries, uint, 0444);
MODULE_PARM_DESC(max_iotlb_entries,
		 "Most mappings (physically contiguous runs) per address space (default 32768)");

/* Pages covered by an entry. */
static unsigned long vxvdpa_map_pages(const struct vhost_iotlb_map *map)
{
	return PFN_DOWN(map->addr + map->size - 1) - PFN_DOWN(map->addr) + 1;
}

static void vxvdpa_unpin(struct vxvdpa *v, unsigned long pfn, unsigned long npages,
			 bool dirty)
{
	lockdep_assert_held(&v->mutex);
	unpin_user_page_range_dirty_lock(pfn_to_page(pfn), npages, dirty);
	atomic64_sub(npages, &v->mm->pinned_vm);
	v->pinned -= npages;
}

/* Forget an entry the device no longer reaches. */
static void vxvdpa_drop_entry(struct vxvdpa *v, struct vhost_iotlb *iotlb,
			      struct vhost_iotlb_map *map)
{
	vxvdpa_unpin(v, PFN_DOWN(map->addr), vxvdpa_map_pages(map), map->perm & VHOST_MAP_WO);
	vhost_iotlb_map_free(iotlb, map);
}

/*
 * Push the address space to a set_map() device. If that fails the device
 * may still hold the old map: empty it, so that the pages the caller is
 * about to unpin are out of its reach whatever happens.
 */
static int vxvdpa_push_map(struct vxvdpa *v, u32 asid)
{
	const struct vdpax_config_ops *ops = v->vdpa->config;
	int err;

	err = ops->set_map(v->vdpa, asid, v->as[asid]);
	if (err && ops->reset_map(v->vdpa, asid))
		dev_err_ratelimited(&v->dev, "address space %u: set_map and reset_map failed\n",
				    asid);
	return err;
}

/*
 * set_map() devices: take the entries touching [@start, @last] out of the
 * tree into @gone, push the smaller map, then unpin. Without memory for
 * @gone, one entry at a time.
 */
static int vxvdpa_unmap_set_map(struct vxvdpa *v, u32 asid, u64 start, u64 last)
{
	struct vhost_iotlb *iotlb = v->as[asid];
	struct vhost_iotlb_map *map;
	struct vhost_iotlb *gone;
	unsigned long pfn, npages;
	unsigned int parked = 0;
	int err = 0, ret;
	bool dirty;

	gone = vhost_iotlb_alloc(UINT_MAX, 0);
	while ((map = vhost_iotlb_itree_first(iotlb, start, last))) {
		if (gone && !vhost_iotlb_add_range_ctx(gone, map->start, map->last, map->addr,
						       map->perm, NULL)) {
			vhost_iotlb_map_free(iotlb, map);
			parked++;
			continue;
		}
		/* No memory to remember it: this entry alone. */
		pfn = PFN_DOWN(map->addr);
		npages = vxvdpa_map_pages(map);
		dirty = map->perm & VHOST_MAP_WO;
		vhost_iotlb_map_free(iotlb, map);
		ret = vxvdpa_push_map(v, asid);
		if (ret)
			err = ret;
		vxvdpa_unpin(v, pfn, npages, dirty);
	}
	if (!gone)
		return err;
	if (parked) {
		ret = vxvdpa_push_map(v, asid);
		if (ret)
			err = ret;
	}
	while ((map = vhost_iotlb_itree_first(gone, 0, U64_MAX)))
		vxvdpa_drop_entry(v, gone, map);
	vhost_iotlb_free(gone);
	return err;
}

/*
 * Take an entry out of the file's IOMMU domain. Its IOVA range is whole
 * pages (see the file comment); iommu_unmap() returns after the IOTLB
 * flush, so the pages may be unpinned right after.
 */
static void vxvdpa_domain_unmap(struct vxvdpa *v, struct vhost_iotlb_map *map)
{
	size_t done = iommu_unmap(v->domain, map->start, map->size);

	if (done != map->size)
		dev_err_ratelimited(&v->dev, "IOMMU unmap of [0x%llx, 0x%llx] removed 0x%zx bytes\n",
				    map->start, map->last, done);
}

/*
 * Widen [@start, @last] to the whole updates it touches: the entries made
 * by one VHOST_IOTLB_UPDATE carry the same tag and sit next to each other.
 */
static void vxvdpa_whole_updates(struct vhost_iotlb *iotlb, u64 *start, u64 *last)
{
	struct vhost_iotlb_map *first, *final, *n;

	first = vhost_iotlb_itree_first(iotlb, *start, *last);
	if (!first)
		return;
	for (final = first; (n = vhost_iotlb_itree_next(final, *start, *last)); final = n)
		;
	while (first->start &&
	       (n = vhost_iotlb_itree_first(iotlb, first->start - 1, first->start - 1)) &&
	       n->opaque == first->opaque)
		first = n;
	while (final->last != U64_MAX &&
	       (n = vhost_iotlb_itree_first(iotlb, final->last + 1, final->last + 1)) &&
	       n->opaque == final->opaque)
		final = n;
	*start = min(*start, first->start);
	*last = max(*last, final->last);
}

/* Remove every update of @asid touching [@start, @last], whole. */
static int vxvdpa_unmap_range(struct vxvdpa *v, u32 asid, u64 start, u64 last)
{
	const struct vdpax_config_ops *ops = v->vdpa->config;
	struct vhost_iotlb *iotlb = v->as[asid];
	struct vhost_iotlb_map *map;

	lockdep_assert_held(&v->mutex);
	if (!iotlb)
		return 0;
	vxvdpa_whole_updates(iotlb, &start, &last);
	if (v->domain) {
		while ((map = vhost_iotlb_itree_first(iotlb, start, last))) {
			vxvdpa_domain_unmap(v, map);
			vxvdpa_drop_entry(v, iotlb, map);
		}
		return 0;
	}
	if (!ops->dma_unmap)
		return vxvdpa_unmap_set_map(v, asid, start, last);
	while ((map = vhost_iotlb_itree_first(iotlb, start, last))) {
		ops->dma_unmap(v->vdpa, asid, map->start, map->size);
		vxvdpa_drop_entry(v, iotlb, map);
	}
	return 0;
}

/* Add one physically contiguous run to the shadow IOTLB and the device. */
static int vxvdpa_map_run(struct vxvdpa *v, u32 asid, u64 start, u64 last, u64 pa, u32 perm,
			  void *tag)
{
	const struct vdpax_config_ops *ops = v->vdpa->config;
	struct vhost_iotlb *iotlb = v->as[asid];
	int err;

	err = vhost_iotlb_add_range_ctx(iotlb, start, last, pa, perm, tag);
	if (err)
		return err;
	if (v->domain) {
		int prot = IOMMU_CACHE | (perm & VHOST_MAP_RO ? IOMMU_READ : 0) |
			   (perm & VHOST_MAP_WO ? IOMMU_WRITE : 0);

		/* Whole pages: the update was checked to be page aligned. */
		err = iommu_map(v->domain, start, pa, last - start + 1, prot);
		if (err)
			vhost_iotlb_del_range(iotlb, start, last);
		return err;
	}
	if (ops->dma_map) {
		err = ops->dma_map(v->vdpa, asid, start, last - start + 1, pa, perm, NULL);
		if (err) {
			vhost_iotlb_del_range(iotlb, start, last);
			return err;
		}
	}
	return 0;
}

/*
 * Pin [@uaddr, @uaddr + @size - 1] and map it at @iova, one entry per
 * physically contiguous run of pages. All or nothing.
 */
static int vxvdpa_pin_map(struct vxvdpa *v, u32 asid, u64 iova, u64 size, u64 uaddr,
			  u32 perm)
{
	const unsigned long batch = PAGE_SIZE / sizeof(struct page *);
	unsigned int gup = FOLL_LONGTERM | (perm & VHOST_MAP_WO ? FOLL_WRITE : 0);
	u64 ulast = uaddr + size - 1, ubase = uaddr & PAGE_MASK;
	unsigned long npages, done = 0, run_pfn = 0, run_len = 0, run_idx = 0;
	unsigned long limit, i, accounted;
	struct page **pages;
	u64 delta = iova - uaddr;	/* same page offset: a multiple of PAGE_SIZE */
	u64 ustart, uend;
	void *tag;
	long got;
	int err = 0;

	npages = PFN_DOWN(ulast) - PFN_DOWN(uaddr) + 1;
	limit = rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT;
	if (npages > limit ||
	    atomic64_add_return(npages, &v->mm->pinned_vm) > limit) {
		if (npages <= limit)
			atomic64_sub(npages, &v->mm->pinned_vm);
		return -ENOMEM;
	}
	accounted = npages;
	/* Tags the entries of this update; never NULL. */
	if (!++v->map_tag)
		++v->map_tag;
	tag = (void *)v->map_tag;

	pages = (struct page **)__get_free_page(GFP_KERNEL);
	if (!pages) {
		err = -ENOMEM;
		goto out_unaccount;
	}

	while (done < npages) {
		unsigned long want = min(npages - done, batch);

		if (fatal_signal_pending(current)) {
			err = -EINTR;
			break;
		}
		got = pin_user_pages_fast(ubase + done * PAGE_SIZE, want, gup, pages);
		if (got <= 0) {
			err = got ? got : -EFAULT;
			break;
		}
		for (i = 0; i < got; i++) {
			unsigned long pfn = page_to_pfn(pages[i]);

			if (run_len && pfn == run_pfn + run_len) {
				run_len++;
				continue;
			}
			if (run_len) {
				/* Close the run [run_idx, run_idx + run_len) of the range. */
				ustart = max(uaddr, ubase + run_idx * PAGE_SIZE);
				uend = ubase + (run_idx + run_len - 1) * PAGE_SIZE + PAGE_SIZE - 1;
				err = vxvdpa_map_run(v, asid, ustart + delta, uend + delta,
						     PFN_PHYS(run_pfn) + offset_in_page(ustart),
						     perm, tag);
				if (err) {
					unpin_user_pages(pages + i, got - i);
					goto out_run;
				}
				v->pinned += run_len;
				accounted -= run_len;
			}
			run_pfn = pfn;
			run_idx = done + i;
			run_len = 1;
		}
		done += got;
	}
	if (!err) {
		ustart = max(uaddr, ubase + run_idx * PAGE_SIZE);
		err = vxvdpa_map_run(v, asid, ustart + delta, ulast + delta,
				     PFN_PHYS(run_pfn) + offset_in_page(ustart), perm, tag);
		if (!err) {
			v->pinned += run_len;
			accounted -= run_len;
			run_len = 0;
		}
	}

out_run:
	/* Pages of the open run are pinned but in no entry. */
	if (run_len)
		unpin_user_page_range_dirty_lock(pfn_to_page(run_pfn), run_len, false);
	free_page((unsigned long)pages);
	if (err)
		/* Entries made so far give back their own pages and charge. */
		vxvdpa_unmap_range(v, asid, iova, iova + size - 1);
out_unaccount:
	atomic64_sub(accounted, &v->mm->pinned_vm);
	return err;
}

static int vxvdpa_update(struct vxvdpa *v, u32 asid, const struct vhost_iotlb_msg *msg)
{
	const struct vdpax_config_ops *ops = v->vdpa->config;
	u64 last = msg->iova + msg->size - 1;
	int err;

	if (!msg->size || last < msg->iova || msg->uaddr + msg->size - 1 < msg->uaddr)
		return -EINVAL;
	if (msg->iova < v->range.first || last > v->range.last)
		return -EINVAL;
	if (!msg->perm || (msg->perm & ~VHOST_ACCESS_RW))
		return -EINVAL;
	/* IOVA and user address share the offset in their page. */
	if ((msg->iova ^ msg->uaddr) & ~PAGE_MASK)
		return -EINVAL;
	/* An IOMMU maps pages: nothing less (see the file comment). */
	if (v->domain && ((msg->iova | msg->size) & ~PAGE_MASK))
		return -EINVAL;

	if (!v->as[asid]) {
		v->as[asid] = vhost_iotlb_alloc(max_iotlb_entries, 0);
		if (!v->as[asid])
			return -ENOMEM;
	}
	if (vhost_iotlb_itree_first(v->as[asid], msg->iova, last))
		return -EEXIST;

	err = vxvdpa_pin_map(v, asid, msg->iova, msg->size, msg->uaddr, msg->perm);
	if (err || v->domain || ops->dma_map || v->in_batch)
		return err;
	err = ops->set_map(v->vdpa, asid, v->as[asid]);
	if (err)
		vxvdpa_unmap_range(v, asid, msg->iova, last);
	return err;
}

static int vxvdpa_invalidate(struct vxvdpa *v, u32 asid, const struct vhost_iotlb_msg *msg)
{
	u64 last = msg->iova + msg->size - 1;

	if (!msg->size || last < msg->iova)
		return -EINVAL;
	return vxvdpa_unmap_range(v, asid, msg->iova, last);
}

/* Apply one message; mutex held, the caller is the owner. */
static int vxvdpa_iotlb_msg(struct vxvdpa *v, u32 asid, const struct vhost_iotlb_msg *msg)
{
	const struct vdpax_config_ops *ops = v->vdpa->config;
	int err = 0;

	lockdep_assert_held(&v->mutex);
	if (asid >= v->nas)
		return -EINVAL;
	/* A batch covers one address space. */
	if (v->in_batch && v->batch_asid != asid)
		return -EINVAL;

	switch (msg->type) {
	case VHOST_IOTLB_UPDATE:
		return vxvdpa_update(v, asid, msg);
	case VHOST_IOTLB_INVALIDATE:
		return vxvdpa_invalidate(v, asid, msg);
	case VHOST_IOTLB_BATCH_BEGIN:
		v->in_batch = true;
		v->batch_asid = asid;
		return 0;
	case VHOST_IOTLB_BATCH_END:
		if (v->in_batch && !v->domain && !ops->dma_map && v->as[asid])
			err = ops->set_map(v->vdpa, asid, v->as[asid]);
		v->in_batch = false;
		return err;
	default:
		/* MISS and ACCESS_FAIL only travel from the kernel to users. */
		return -EINVAL;
	}
}

/**
 * vxvdpa_write_iter() - take one IOTLB message
 * @iocb: the write; the file is a vhost-vdpa device
 * @from: a struct vhost_msg or struct vhost_msg_v2
 *
 * With VHOST_BACKEND_F_IOTLB_ASID acked, the asid field of a v2 message
 * selects the address space; without it the field is reserved and ignored.
 *
 * Return: the bytes consumed: the message's size, or the length of the
 * write when that was shorter but still held the whole IOTLB entry (the
 * kernel's vhost answers the full size there, more than was written);
 * -EINVAL for a malformed or short message, -EPERM if the caller is not
 * the owner, -ENODEV after the device went away, and the errors of the
 * operation (-EEXIST overlap, -ENOMEM memlock limit or no memory, -ENOSPC
 * too many mappings, -EFAULT bad user address).
 */
ssize_t vxvdpa_write_iter(struct kiocb *iocb, struct iov_iter *from)
{
	struct vxvdpa *v = iocb->ki_filp->private_data;
	struct vhost_iotlb_msg msg;
	size_t len, count = iov_iter_count(from);
	u32 hdr[2], asid = 0;
	int err;

	BUILD_BUG_ON(sizeof(struct vhost_msg) != sizeof(hdr) + sizeof(((struct vhost_msg *)0)->padding));
	BUILD_BUG_ON(offsetof(struct vhost_msg, iotlb) != sizeof(hdr));
	BUILD_BUG_ON(offsetof(struct vhost_msg_v2, iotlb) != sizeof(hdr));

	/* Both formats: a u32 type, a u32 (hole or asid), then the message. */
	if (iov_iter_count(from) < sizeof(hdr))
		return -EINVAL;
	if (copy_from_iter(hdr, sizeof(hdr), from) != sizeof(hdr))
		return -EFAULT;
	switch (hdr[0]) {
	case VHOST_IOTLB_MSG:
		len = sizeof(struct vhost_msg);
		break;
	case VHOST_IOTLB_MSG_V2:
		len = sizeof(struct vhost_msg_v2);
		break;
	default:
		return -EINVAL;
	}
	if (iov_iter_count(from) < sizeof(msg))
		return -EINVAL;
	if (copy_from_iter(&msg, sizeof(msg), from) != sizeof(msg))
		return -EFAULT;

	mutex_lock(&v->mutex);
	if (!v->vdpa) {
		err = -ENODEV;
		goto out;
	}
	err = vxvdpa_check_owner(v);
	if (err)
		goto out;
	if (hdr[0] == VHOST_IOTLB_MSG_V2 &&
	    (v->backend_features & BIT_ULL(VHOST_BACKEND_F_IOTLB_ASID)))
		asid = hdr[1];
	err = vxvdpa_iotlb_msg(v, asid, &msg);
out:
	mutex_unlock(&v->mutex);
	return err ? err : min(len, count);
}

/**
 * vxvdpa_iotlb_release() - drop every mapping of every address space
 * @v: the device, mutex held; the device was reset (it no longer runs)
 *
 * The device's address spaces (or the file's IOMMU domain) are emptied
 * before the pages are unpinned. The domain stays attached.
 */
void vxvdpa_iotlb_release(struct vxvdpa *v)
{
	const struct vdpax_config_ops *ops = v->vdpa->config;
	struct vhost_iotlb_map *map;
	unsigned int asid;

	lockdep_assert_held(&v->mutex);
	for (asid = 0; asid < v->nas; asid++) {
		struct vhost_iotlb *iotlb = v->as[asid];

		if (!iotlb)
			continue;
		if (!v->domain && ops->reset_map(v->vdpa, asid))
			dev_err_ratelimited(&v->dev, "address space %u: reset_map failed\n", asid);
		while ((map = vhost_iotlb_itree_first(iotlb, 0, U64_MAX))) {
			if (v->domain)
				vxvdpa_domain_unmap(v, map);
			vxvdpa_drop_entry(v, iotlb, map);
		}
		vhost_iotlb_free(iotlb);
		v->as[asid] = NULL;
	}
	v->in_batch = false;
}

/**
 * vxvdpa_domain_attach() - give a platform IOMMU device the file's domain
 * @v: the device, mutex held, being opened
 *
 * Devices with their own IOTLB need nothing. For the others, allocate an
 * IOMMU domain and attach the device's DMA device to it, so that IOTLB
 * updates can be mapped there; the usable IOVA range shrinks to the
 * domain's aperture.
 *
 * Return: 0; -EOPNOTSUPP if no IOMMU translates for the DMA device (or
 * not cache coherently), with a rate-limited message; -ENOMEM; or the
 * error of iommu_attach_device() (-EINVAL: other devices share its IOMMU
 * group; -EBUSY: another domain has it).
 */
int vxvdpa_domain_attach(struct vxvdpa *v)
{
	struct device *dma_dev = vdpax_get_dma_dev(v->vdpa);
	struct iommu_domain *domain;
	struct iommu_group *group;
	int err;

	lockdep_assert_held(&v->mutex);
	if (vdpax_has_own_iotlb(v->vdpa))
		return 0;
	group = dma_dev->bus ? iommu_group_get(dma_dev) : NULL;
	if (!group) {
		dev_warn_ratelimited(&v->dev,
				     "%s is behind no IOMMU: its DMA cannot be confined to the owner's memory (boot with intel_iommu=on or amd_iommu=on)\n",
				     dev_name(dma_dev));
		return -EOPNOTSUPP;
	}
	iommu_group_put(group);
	if (!device_iommu_capable(dma_dev, IOMMU_CAP_CACHE_COHERENCY)) {
		dev_warn_ratelimited(&v->dev, "the IOMMU of %s does not keep DMA cache coherent\n",
				     dev_name(dma_dev));
		return -EOPNOTSUPP;
	}
	domain = iommu_domain_alloc(dma_dev->bus);
	if (!domain)
		return -ENOMEM;
	if (__ffs(domain->pgsize_bitmap) > PAGE_SHIFT) {
		dev_warn_ratelimited(&v->dev, "the IOMMU of %s maps nothing smaller than 0x%lx bytes\n",
				     dev_name(dma_dev), 1UL << __ffs(domain->pgsize_bitmap));
		err = -EOPNOTSUPP;
		goto err_free;
	}
	err = iommu_attach_device(domain, dma_dev);
	if (err) {
		dev_warn_ratelimited(&v->dev,
				     "cannot attach %s to an IOMMU domain of its own (%d): does it share its IOMMU group?\n",
				     dev_name(dma_dev), err);
		goto err_free;
	}
	if (domain->geometry.force_aperture) {
		v->range.first = max_t(u64, v->range.first, domain->geometry.aperture_start);
		v->range.last = min_t(u64, v->range.last, domain->geometry.aperture_end);
	}
	v->domain = domain;
	return 0;

err_free:
	iommu_domain_free(domain);
	return err;
}

/**
 * vxvdpa_domain_detach() - give the DMA device back to its default domain
 * @v: the device, mutex held; its mappings are gone (vxvdpa_iotlb_release())
 */
void vxvdpa_domain_detach(struct vxvdpa *v)
{
	lockdep_assert_held(&v->mutex);
	if (!v->domain)
		return;
	iommu_detach_device(v->domain, vdpax_get_dma_dev(v->vdpa));
	iommu_domain_free(v->domain);
	v->domain = NULL;
}
