/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Glue between vdrv and kselftest_harness.h shared by the vhost_net tests.
 * Include after kselftest_harness.h.
 */
#ifndef VTEST_H
#define VTEST_H

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include "vdrv.h"

/*
 * The harness default (30 s per test) is tight for a TCG guest shared with
 * other VMs; the macros expand this at each test's definition.
 */
#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT	120

/*
 * The 6.1 harness runs the test body after a SKIP() in FIXTURE_SETUP; every
 * body that uses a skipping setup starts with "if (_metadata->skip) return;".
 *
 * A missing node is a SKIP when nothing that should provide it is loaded;
 * when $VHOST_NET_DEV names it or our core module is loaded (make check),
 * it is a failure. Returns 1 after a SKIP.
 */
static inline int vtest_node_missing(struct __test_metadata *_metadata)
{
	ASSERT_FALSE(vdrv_node_expected()) {
		TH_LOG("%s missing although vhostx is loaded or VHOST_NET_DEV is set",
		       vdrv_dev_path());
	}
	SKIP(return 1, "%s missing: load vhost_net or vhostx_net", vdrv_dev_path());
}

/* Open and configure @d like QEMU would. Returns 1 after a SKIP. */
static inline int vtest_init_dev(struct __test_metadata *_metadata,
				 struct vdrv_dev *d, const struct vdrv_cfg *cfg)
{
	int r = vdrv_init(d, cfg);

	if (r == -ENOENT && !strcmp(d->failed, "open"))
		return vtest_node_missing(_metadata);
	ASSERT_EQ(0, r) {
		TH_LOG("%s: %s", d->failed, strerror(-r));
	}
	return 0;
}

/*
 * SKIP (returns 1) when the node does not offer every feature bit in
 * @need (a missing node is handled as in vtest_node_missing()).
 */
static inline int vtest_require_features(struct __test_metadata *_metadata,
					 uint64_t need)
{
	struct vdrv_dev d;
	uint64_t f = 0;
	int r;

	r = vdrv_open(&d);
	if (r == -ENOENT)
		return vtest_node_missing(_metadata);
	ASSERT_EQ(0, r);
	ASSERT_EQ(0, ioctl(d.fd, VHOST_GET_FEATURES, &f));
	vdrv_close(&d);
	if ((f & need) != need)
		SKIP(return 1, "%s lacks feature bits %#llx", vdrv_module_name(),
		     (unsigned long long)(need & ~f));
	return 0;
}

/* Enter a private netns (the harness forks per test, so it stays there). */
#define VTEST_NETNS() do {						\
		int __r = vdrv_netns_new();				\
		ASSERT_EQ(0, __r) {					\
			TH_LOG("netns: %s", strerror(-__r));		\
		}							\
	} while (0)

#define VTEST_TAP(env, name, extra, hdr) do {				\
		int __r = vdrv_env_tap((env), (name), (extra), (hdr));	\
		ASSERT_EQ(0, __r) {					\
			TH_LOG("tap %s: %s", (name), strerror(-__r));	\
		}							\
	} while (0)

#define VTEST_BACKEND(d, idx, fd) do {					\
		int __r = vdrv_set_backend((d), (idx), (fd));		\
		ASSERT_EQ(0, __r) {					\
			TH_LOG("SET_BACKEND %d: %s", (idx), strerror(-__r)); \
		}							\
	} while (0)

/*
 * The fixture most tests start from: @d configured from @cfg in a private
 * netns, on tap "vxtap0" (with the vnet header) as the backend of TX and,
 * with @rx, of RX. SKIPs (returns 1) unless the node offers @need.
 * @e and @d are marked closed first, so the teardown may always close them.
 */
static inline int vtest_tap_dev(struct __test_metadata *_metadata, struct vdrv_env *e,
				struct vdrv_dev *d, const struct vdrv_cfg *cfg,
				uint64_t need, bool rx)
{
	e->tap = e->cap = e->inj = -1;
	d->fd = -1;
	if (need && vtest_require_features(_metadata, need))
		return 1;
	VTEST_NETNS();
	VTEST_TAP(e, "vxtap0", 0, VDRV_HDR_LEN);
	if (vtest_init_dev(_metadata, d, cfg))
		return 1;
	VTEST_BACKEND(d, VDRV_TX, e->tap);
	if (rx)
		VTEST_BACKEND(d, VDRV_RX, e->tap);
	return 0;
}

#endif /* VTEST_H */
