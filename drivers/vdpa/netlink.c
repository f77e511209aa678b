// SPDX-License-Identifier: GPL-2.0-only
/*
 * The "vdpa" generic netlink family (version 1), as spoken by iproute2's
 * vdpa tool. Commands and attributes come from <uapi/linux/vdpa.h>.
 *
 * Every handler runs under vdpax_dev_lock (the family is parallel_ops, so
 * that lock is the only serialization), which also keeps any device it looks
 * up registered until the reply is built.
 */
#include <linux/etherdevice.h>
#include <linux/module.h>
#include <net/genetlink.h>
#include <uapi/linux/virtio_config.h>
#include <uapi/linux/virtio_ids.h>
#include <uapi/linux/virtio_net.h>

#include "core.h"

#define VDPAX_MGMTDEV_NAME_MAX	63

static struct genl_family vdpax_nl_family;

static const struct nla_policy vdpax_nl_policy[VDPA_ATTR_MAX] = {
	[VDPA_ATTR_MGMTDEV_BUS_NAME] = { .type = NLA_NUL_STRING, .len = VDPAX_MGMTDEV_NAME_MAX },
	[VDPA_ATTR_MGMTDEV_DEV_NAME] = { .type = NLA_NUL_STRING, .len = VDPAX_MGMTDEV_NAME_MAX },
	[VDPA_ATTR_DEV_NAME] = { .type = NLA_NUL_STRING, .len = VDPAX_NAME_MAX },
	[VDPA_ATTR_DEV_NET_CFG_MACADDR] = NLA_POLICY_ETH_ADDR,
	[VDPA_ATTR_DEV_NET_CFG_MTU] = { .type = NLA_U16 },
	[VDPA_ATTR_DEV_NET_CFG_MAX_VQP] = { .type = NLA_U16 },
	[VDPA_ATTR_DEV_QUEUE_INDEX] = { .type = NLA_U32 },
	[VDPA_ATTR_DEV_FEATURES] = { .type = NLA_U64 },
};

/* Config space fields are little-endian for VERSION_1, native otherwise. */
static u16 vdpax_cfg16(u64 features, __u16 raw)
{
	if (features & BIT_ULL(VIRTIO_F_VERSION_1))
		return le16_to_cpu((__force __le16)raw);
	return raw;
}

static int vdpax_put_mgmt_handle(struct sk_buff *msg, const struct vdpax_mgmt_dev *mdev)
{
	const struct device *dev = mdev->device;

	if (dev->bus && nla_put_string(msg, VDPA_ATTR_MGMTDEV_BUS_NAME, dev->bus->name))
		return -EMSGSIZE;
	if (nla_put_string(msg, VDPA_ATTR_MGMTDEV_DEV_NAME, dev_name(dev)))
		return -EMSGSIZE;
	return 0;
}

static int vdpax_mgmtdev_fill(struct sk_buff *msg, const struct vdpax_mgmt_dev *mdev,
			      u32 portid, u32 seq, int flags)
{
	const struct virtio_device_id *id;
	u64 classes = 0;
	void *hdr;

	hdr = genlmsg_put(msg, portid, seq, &vdpax_nl_family, flags, VDPA_CMD_MGMTDEV_NEW);
	if (!hdr)
		return -EMSGSIZE;
	if (vdpax_put_mgmt_handle(msg, mdev))
		goto cancel;
	for (id = mdev->id_table; id->device; id++)
		if (id->device < 64)
			classes |= BIT_ULL(id->device);
	if (nla_put_u64_64bit(msg, VDPA_ATTR_MGMTDEV_SUPPORTED_CLASSES, classes,
			      VDPA_ATTR_PAD) ||
	    nla_put_u32(msg, VDPA_ATTR_DEV_MGMTDEV_MAX_VQS, mdev->max_supported_vqs) ||
	    nla_put_u64_64bit(msg, VDPA_ATTR_DEV_SUPPORTED_FEATURES,
			      mdev->supported_features, VDPA_ATTR_PAD))
		goto cancel;
	genlmsg_end(msg, hdr);
	return 0;

cancel:
	genlmsg_cancel(msg, hdr);
	return -EMSGSIZE;
}

/* Resolve the management device handle of a request. */
static struct vdpax_mgmt_dev *vdpax_nl_mgmtdev(struct genl_info *info)
{
	const char *bus_name = NULL;
	struct vdpax_mgmt_dev *mdev;

	if (!info->attrs[VDPA_ATTR_MGMTDEV_DEV_NAME]) {
		NL_SET_ERR_MSG_MOD(info->extack, "management device name is required");
		return ERR_PTR(-EINVAL);
	}
	if (info->attrs[VDPA_ATTR_MGMTDEV_BUS_NAME])
		bus_name = nla_data(info->attrs[VDPA_ATTR_MGMTDEV_BUS_NAME]);
	mdev = vdpax_mgmtdev_find_locked(bus_name,
					 nla_data(info->attrs[VDPA_ATTR_MGMTDEV_DEV_NAME]));
	if (!mdev) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[VDPA_ATTR_MGMTDEV_DEV_NAME],
				    "management device not found");
		return ERR_PTR(-ENODEV);
	}
	return mdev;
}

/*
 * Builds a doit reply into @msg from what the request names; runs under
 * vdpax_dev_lock. @arg is the builder's own.
 */
typedef int (*vdpax_build_fn)(struct sk_buff *msg, struct genl_info *info, const void *arg);

/* Build a reply with @build under vdpax_dev_lock and send it. */
static int vdpax_nl_reply(struct genl_info *info, vdpax_build_fn build, const void *arg)
{
	struct sk_buff *msg;
	int err;

	msg = nlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	mutex_lock(&vdpax_dev_lock);
	err = build(msg, info, arg);
	mutex_unlock(&vdpax_dev_lock);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

static int vdpax_nl_mgmtdev_build(struct sk_buff *msg, struct genl_info *info, const void *arg)
{
	struct vdpax_mgmt_dev *mdev = vdpax_nl_mgmtdev(info);

	if (IS_ERR(mdev))
		return PTR_ERR(mdev);
	return vdpax_mgmtdev_fill(msg, mdev, info->snd_portid, info->snd_seq, 0);
}

static int vdpax_nl_mgmtdev_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	return vdpax_nl_reply(info, vdpax_nl_mgmtdev_build, NULL);
}

static int vdpax_nl_mgmtdev_get_dumpit(struct sk_buff *msg, struct netlink_callback *cb)
{
	struct vdpax_mgmt_dev *mdev;
	int start = cb->args[0];
	int idx = 0;

	mutex_lock(&vdpax_dev_lock);
	list_for_each_entry(mdev, &vdpax_mgmtdev_list, list) {
		if (idx < start) {
			idx++;
			continue;
		}
		if (vdpax_mgmtdev_fill(msg, mdev, NETLINK_CB(cb->skb).portid,
				       cb->nlh->nlmsg_seq, NLM_F_MULTI))
			break;
		idx++;
	}
	mutex_unlock(&vdpax_dev_lock);
	cb->args[0] = idx;
	return msg->len;
}

static int vdpax_nl_check_config(struct genl_info *info, struct vdpax_mgmt_dev *mdev,
				 struct vdpax_dev_set_config *cfg)
{
	static const int cfg_attrs[] = {
		VDPA_ATTR_DEV_NET_CFG_MACADDR, VDPA_ATTR_DEV_NET_CFG_MTU,
		VDPA_ATTR_DEV_NET_CFG_MAX_VQP, VDPA_ATTR_DEV_FEATURES,
	};
	struct nlattr **attrs = info->attrs;
	struct nlattr *attr;
	int i;

	for (i = 0; i < ARRAY_SIZE(cfg_attrs); i++) {
		attr = attrs[cfg_attrs[i]];
		if (attr && !(mdev->config_attr_mask & BIT_ULL(cfg_attrs[i]))) {
			NL_SET_ERR_MSG_ATTR(info->extack, attr,
					    "attribute not supported by this management device");
			return -EOPNOTSUPP;
		}
	}

	attr = attrs[VDPA_ATTR_DEV_NET_CFG_MACADDR];
	if (attr) {
		memcpy(cfg->net.mac, nla_data(attr), ETH_ALEN);
		if (!is_valid_ether_addr(cfg->net.mac)) {
			NL_SET_ERR_MSG_ATTR(info->extack, attr,
					    "MAC address must be unicast and not all zeros");
			return -EINVAL;
		}
		cfg->mask |= VDPAX_CFG_MAC;
	}
	attr = attrs[VDPA_ATTR_DEV_NET_CFG_MTU];
	if (attr) {
		cfg->net.mtu = nla_get_u16(attr);
		if (cfg->net.mtu < mdev->min_mtu || cfg->net.mtu > mdev->max_mtu) {
			NL_SET_ERR_MSG_ATTR(info->extack, attr,
					    "MTU out of the management device's range");
			return -ERANGE;
		}
		cfg->mask |= VDPAX_CFG_MTU;
	}
	attr = attrs[VDPA_ATTR_DEV_NET_CFG_MAX_VQP];
	if (attr) {
		cfg->net.max_vq_pairs = nla_get_u16(attr);
		if (!cfg->net.max_vq_pairs || cfg->net.max_vq_pairs > mdev->max_vq_pairs) {
			NL_SET_ERR_MSG_ATTR(info->extack, attr,
					    "max_vqp out of the management device's range");
			return -ERANGE;
		}
		cfg->mask |= VDPAX_CFG_MAX_VQP;
	}
	attr = attrs[VDPA_ATTR_DEV_FEATURES];
	if (attr) {
		cfg->device_features = nla_get_u64(attr);
		if (cfg->device_features & ~mdev->supported_features) {
			NL_SET_ERR_MSG_ATTR(info->extack, attr,
					    "device_features has features the management device does not support");
			return -EOPNOTSUPP;
		}
		cfg->mask |= VDPAX_CFG_FEATURES;
	}
	return 0;
}

static int vdpax_nl_dev_new_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct vdpax_dev_set_config cfg = {};
	struct vdpax_mgmt_dev *mdev;
	struct vdpax_device *other;
	const char *name;
	int err;

	if (!info->attrs[VDPA_ATTR_DEV_NAME]) {
		NL_SET_ERR_MSG_MOD(info->extack, "device name is required");
		return -EINVAL;
	}
	name = nla_data(info->attrs[VDPA_ATTR_DEV_NAME]);
	if (!vdpax_name_valid(name)) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[VDPA_ATTR_DEV_NAME],
				    "device name must be 1-31 characters of [A-Za-z0-9_.:-], not starting with a dot");
		return -EINVAL;
	}

	mutex_lock(&vdpax_dev_lock);
	mdev = vdpax_nl_mgmtdev(info);
	if (IS_ERR(mdev)) {
		err = PTR_ERR(mdev);
		goto out;
	}
	err = vdpax_nl_check_config(info, mdev, &cfg);
	if (err)
		goto out;
	other = vdpax_find_device_locked(name);
	if (other) {
		put_device(&other->dev);
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[VDPA_ATTR_DEV_NAME],
				    "a vDPA device with this name already exists");
		err = -EEXIST;
		goto out;
	}

	err = mdev->ops->dev_add(mdev, name, &cfg, info->extack);
	if (err && !info->extack->_msg)
		NL_SET_ERR_MSG_MOD(info->extack,
				   "the management device failed to create the device");
out:
	mutex_unlock(&vdpax_dev_lock);
	return err;
}

/* Look up the device named by VDPA_ATTR_DEV_NAME; vdpax_dev_lock held. */
static struct vdpax_device *vdpax_nl_device(struct genl_info *info)
{
	struct vdpax_device *vdev;

	if (!info->attrs[VDPA_ATTR_DEV_NAME]) {
		NL_SET_ERR_MSG_MOD(info->extack, "device name is required");
		return ERR_PTR(-EINVAL);
	}
	vdev = vdpax_find_device_locked(nla_data(info->attrs[VDPA_ATTR_DEV_NAME]));
	if (!vdev) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[VDPA_ATTR_DEV_NAME],
				    "vDPA device not found");
		return ERR_PTR(-ENODEV);
	}
	return vdev;
}

static int vdpax_nl_dev_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct vdpax_device *vdev;
	int err = 0;

	mutex_lock(&vdpax_dev_lock);
	vdev = vdpax_nl_device(info);
	if (IS_ERR(vdev)) {
		err = PTR_ERR(vdev);
		goto out;
	}
	if (!vdev->mdev) {
		NL_SET_ERR_MSG_MOD(info->extack,
				   "device was not created by a management device and cannot be deleted");
		err = -EINVAL;
	} else {
		vdev->mdev->ops->dev_del(vdev->mdev, vdev);
	}
	put_device(&vdev->dev);
out:
	mutex_unlock(&vdpax_dev_lock);
	return err;
}

static int vdpax_dev_fill(struct sk_buff *msg, struct vdpax_device *vdev,
			  u32 portid, u32 seq, int flags)
{
	const struct vdpax_config_ops *ops = vdev->config;
	u16 min_size = 1;
	void *hdr;

	hdr = genlmsg_put(msg, portid, seq, &vdpax_nl_family, flags, VDPA_CMD_DEV_NEW);
	if (!hdr)
		return -EMSGSIZE;
	if (ops->get_vq_num_min)
		min_size = ops->get_vq_num_min(vdev);
	if ((vdev->mdev && vdpax_put_mgmt_handle(msg, vdev->mdev)) ||
	    nla_put_string(msg, VDPA_ATTR_DEV_NAME, dev_name(&vdev->dev)) ||
	    nla_put_u32(msg, VDPA_ATTR_DEV_ID, ops->get_device_id(vdev)) ||
	    nla_put_u32(msg, VDPA_ATTR_DEV_VENDOR_ID, ops->get_vendor_id(vdev)) ||
	    nla_put_u32(msg, VDPA_ATTR_DEV_MAX_VQS, vdev->nvqs) ||
	    nla_put_u16(msg, VDPA_ATTR_DEV_MAX_VQ_SIZE, ops->get_vq_num_max(vdev)) ||
	    nla_put_u16(msg, VDPA_ATTR_DEV_MIN_VQ_SIZE, min_size))
		goto cancel;
	genlmsg_end(msg, hdr);
	return 0;

cancel:
	genlmsg_cancel(msg, hdr);
	return -EMSGSIZE;
}

/* Append the network config attributes; cf_lock held for reading. */
static int vdpax_net_config_fill(struct sk_buff *msg, struct vdpax_device *vdev,
				 u64 features)
{
	const struct vdpax_config_ops *ops = vdev->config;
	struct virtio_net_config cfg = {};
	size_t size;
	u16 vqp = 1;

	size = min(sizeof(cfg), ops->get_config_size(vdev));
	ops->get_config(vdev, 0, &cfg, size);

	if ((features & BIT_ULL(VIRTIO_NET_F_MAC)) &&
	    nla_put(msg, VDPA_ATTR_DEV_NET_CFG_MACADDR, ETH_ALEN, cfg.mac))
		return -EMSGSIZE;
	if ((features & BIT_ULL(VIRTIO_NET_F_STATUS)) &&
	    nla_put_u16(msg, VDPA_ATTR_DEV_NET_STATUS, vdpax_cfg16(features, cfg.status)))
		return -EMSGSIZE;
	if (features & BIT_ULL(VIRTIO_NET_F_MQ))
		vqp = vdpax_cfg16(features, cfg.max_virtqueue_pairs);
	if (nla_put_u16(msg, VDPA_ATTR_DEV_NET_CFG_MAX_VQP, vqp))
		return -EMSGSIZE;
	if ((features & BIT_ULL(VIRTIO_NET_F_MTU)) &&
	    nla_put_u16(msg, VDPA_ATTR_DEV_NET_CFG_MTU, vdpax_cfg16(features, cfg.mtu)))
		return -EMSGSIZE;
	return 0;
}

static int vdpax_dev_config_fill(struct sk_buff *msg, struct vdpax_device *vdev,
				 u32 portid, u32 seq, int flags)
{
	const struct vdpax_config_ops *ops = vdev->config;
	u64 dev_features, features;
	bool negotiated;
	void *hdr;
	u32 id;
	int err = -EMSGSIZE;

	hdr = genlmsg_put(msg, portid, seq, &vdpax_nl_family, flags,
			  VDPA_CMD_DEV_CONFIG_GET);
	if (!hdr)
		return -EMSGSIZE;

	down_read(&vdev->cf_lock);
	id = ops->get_device_id(vdev);
	dev_features = ops->get_device_features(vdev);
	negotiated = ops->get_status(vdev) & VIRTIO_CONFIG_S_FEATURES_OK;
	/* Before negotiation, fields are shown for what the device offers. */
	features = negotiated ? ops->get_driver_features(vdev) : dev_features;

	if (nla_put_string(msg, VDPA_ATTR_DEV_NAME, dev_name(&vdev->dev)) ||
	    nla_put_u32(msg, VDPA_ATTR_DEV_ID, id))
		goto cancel;
	if (id == VIRTIO_ID_NET && vdpax_net_config_fill(msg, vdev, features))
		goto cancel;
	if (negotiated &&
	    nla_put_u64_64bit(msg, VDPA_ATTR_DEV_NEGOTIATED_FEATURES, features, VDPA_ATTR_PAD))
		goto cancel;
	if (nla_put_u64_64bit(msg, VDPA_ATTR_VDPA_DEV_SUPPORTED_FEATURES, dev_features,
			      VDPA_ATTR_PAD))
		goto cancel;
	up_read(&vdev->cf_lock);
	genlmsg_end(msg, hdr);
	return 0;

cancel:
	up_read(&vdev->cf_lock);
	genlmsg_cancel(msg, hdr);
	return err;
}

typedef int (*vdpax_fill_fn)(struct sk_buff *msg, struct vdpax_device *vdev,
			     u32 portid, u32 seq, int flags);

/* @arg points to the vdpax_fill_fn that fills the reply for the named device. */
static int vdpax_nl_dev_build(struct sk_buff *msg, struct genl_info *info, const void *arg)
{
	const vdpax_fill_fn *fill = arg;
	struct vdpax_device *vdev;
	int err;

	vdev = vdpax_nl_device(info);
	if (IS_ERR(vdev))
		return PTR_ERR(vdev);
	err = (*fill)(msg, vdev, info->snd_portid, info->snd_seq, 0);
	put_device(&vdev->dev);
	return err;
}

static int vdpax_nl_dev_reply(struct genl_info *info, vdpax_fill_fn fill)
{
	return vdpax_nl_reply(info, vdpax_nl_dev_build, &fill);
}

struct vdpax_dump_ctx {
	struct sk_buff *msg;
	struct netlink_callback *cb;
	vdpax_fill_fn fill;
	int start;
	int idx;
};

static int vdpax_dump_one(struct device *dev, void *data)
{
	struct vdpax_dump_ctx *ctx = data;
	int err;

	if (ctx->idx < ctx->start) {
		ctx->idx++;
		return 0;
	}
	err = ctx->fill(ctx->msg, dev_to_vdpax(dev), NETLINK_CB(ctx->cb->skb).portid,
			ctx->cb->nlh->nlmsg_seq, NLM_F_MULTI);
	if (err)
		return err;
	ctx->idx++;
	return 0;
}

static int vdpax_nl_dev_dump(struct sk_buff *msg, struct netlink_callback *cb,
			     vdpax_fill_fn fill)
{
	struct vdpax_dump_ctx ctx = {
		.msg = msg,
		.cb = cb,
		.fill = fill,
		.start = cb->args[0],
	};

	mutex_lock(&vdpax_dev_lock);
	bus_for_each_dev(&vdpax_bus, NULL, &ctx, vdpax_dump_one);
	mutex_unlock(&vdpax_dev_lock);
	cb->args[0] = ctx.idx;
	return msg->len;
}

static int vdpax_nl_dev_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	return vdpax_nl_dev_reply(info, vdpax_dev_fill);
}

static int vdpax_nl_dev_get_dumpit(struct sk_buff *msg, struct netlink_callback *cb)
{
	return vdpax_nl_dev_dump(msg, cb, vdpax_dev_fill);
}

static int vdpax_nl_dev_config_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	return vdpax_nl_dev_reply(info, vdpax_dev_config_fill);
}

static int vdpax_nl_dev_config_get_dumpit(struct sk_buff *msg, struct netlink_callback *cb)
{
	return vdpax_nl_dev_dump(msg, cb, vdpax_dev_config_fill);
}

/* Build the vstats reply for queue @qidx; cf_lock held for reading. */
static int vdpax_vstats_fill(struct sk_buff *msg, struct genl_info *info,
			     struct vdpax_device *vdev, u32 qidx)
{
	const struct vdpax_config_ops *ops = vdev->config;
	struct virtio_net_config cfg = {};
	u16 max_vqp = 1, nqueues;
	u64 features;
	size_t size;

	if (!(ops->get_status(vdev) & VIRTIO_CONFIG_S_FEATURES_OK)) {
		NL_SET_ERR_MSG_MOD(info->extack,
				   "feature negotiation not complete: no driver is using the device");
		return -EAGAIN;
	}
	features = ops->get_driver_features(vdev);
	if (features & BIT_ULL(VIRTIO_NET_F_MQ)) {
		size = min(sizeof(cfg), ops->get_config_size(vdev));
		ops->get_config(vdev, 0, &cfg, size);
		max_vqp = vdpax_cfg16(features, cfg.max_virtqueue_pairs);
	}
	nqueues = 2 * max_vqp + !!(features & BIT_ULL(VIRTIO_NET_F_CTRL_VQ));
	if (qidx >= nqueues || qidx >= vdev->nvqs) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[VDPA_ATTR_DEV_QUEUE_INDEX],
				    "queue index out of range for the negotiated features");
		return -ERANGE;
	}

	if (nla_put_string(msg, VDPA_ATTR_DEV_NAME, dev_name(&vdev->dev)) ||
	    nla_put_u32(msg, VDPA_ATTR_DEV_ID, VIRTIO_ID_NET) ||
	    nla_put_u16(msg, VDPA_ATTR_DEV_NET_CFG_MAX_VQP, max_vqp) ||
	    nla_put_u64_64bit(msg, VDPA_ATTR_DEV_NEGOTIATED_FEATURES, features,
			      VDPA_ATTR_PAD) ||
	    nla_put_u32(msg, VDPA_ATTR_DEV_QUEUE_INDEX, qidx))
		return -EMSGSIZE;
	return ops->get_vendor_vq_stats(vdev, qidx, msg, info->extack);
}

static int vdpax_nl_vstats_build(struct sk_buff *msg, struct genl_info *info, const void *arg)
{
	struct vdpax_device *vdev;
	void *hdr;
	int err;

	hdr = genlmsg_put(msg, info->snd_portid, info->snd_seq, &vdpax_nl_family, 0,
			  VDPA_CMD_DEV_VSTATS_GET);
	if (!hdr)
		return -EMSGSIZE;
	vdev = vdpax_nl_device(info);
	if (IS_ERR(vdev))
		return PTR_ERR(vdev);
	if (vdev->config->get_device_id(vdev) != VIRTIO_ID_NET ||
	    !vdev->config->get_vendor_vq_stats) {
		NL_SET_ERR_MSG_MOD(info->extack, "the device has no per-queue statistics");
		err = -EOPNOTSUPP;
	} else {
		down_read(&vdev->cf_lock);
		err = vdpax_vstats_fill(msg, info, vdev,
					nla_get_u32(info->attrs[VDPA_ATTR_DEV_QUEUE_INDEX]));
		up_read(&vdev->cf_lock);
	}
	put_device(&vdev->dev);
	if (!err)
		genlmsg_end(msg, hdr);
	return err;
}

static int vdpax_nl_dev_vstats_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	if (!info->attrs[VDPA_ATTR_DEV_QUEUE_INDEX]) {
		NL_SET_ERR_MSG_MOD(info->extack, "queue index (qidx) is required");
		return -EINVAL;
	}
	return vdpax_nl_reply(info, vdpax_nl_vstats_build, NULL);
}

static const struct genl_ops vdpax_nl_ops[] = {
	{
		.cmd = VDPA_CMD_MGMTDEV_GET,
		.doit = vdpax_nl_mgmtdev_get_doit,
		.dumpit = vdpax_nl_mgmtdev_get_dumpit,
	},
	{
		.cmd = VDPA_CMD_DEV_NEW,
		.doit = vdpax_nl_dev_new_doit,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = VDPA_CMD_DEV_DEL,
		.doit = vdpax_nl_dev_del_doit,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = VDPA_CMD_DEV_GET,
		.doit = vdpax_nl_dev_get_doit,
		.dumpit = vdpax_nl_dev_get_dumpit,
	},
	{
		.cmd = VDPA_CMD_DEV_CONFIG_GET,
		.doit = vdpax_nl_dev_config_get_doit,
		.dumpit = vdpax_nl_dev_config_get_dumpit,
	},
	{
		.cmd = VDPA_CMD_DEV_VSTATS_GET,
		.doit = vdpax_nl_dev_vstats_get_doit,
		.flags = GENL_ADMIN_PERM,
	},
};

static struct genl_family vdpax_nl_family __ro_after_init = {
	.name = VDPA_GENL_NAME,
	.version = VDPA_GENL_VERSION,
	.maxattr = VDPA_ATTR_MAX - 1,
	.policy = vdpax_nl_policy,
	.netnsok = false,
	.parallel_ops = true,
	.module = THIS_MODULE,
	.ops = vdpax_nl_ops,
	.n_ops = ARRAY_SIZE(vdpax_nl_ops),
	.resv_start_op = VDPA_CMD_DEV_VSTATS_GET + 1,
};

/**
 * vdpax_netlink_init() - register the "vdpa" generic netlink family
 *
 * Return: 0, -EEXIST if another module owns the family, or -errno.
 */
int vdpax_netlink_init(void)
{
	return genl_register_family(&vdpax_nl_family);
}

/**
 * vdpax_netlink_exit() - unregister the family
 */
void vdpax_netlink_exit(void)
{
	genl_unregister_family(&vdpax_nl_family);
}
