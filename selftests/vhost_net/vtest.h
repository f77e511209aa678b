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
 * The 6.1 harness runs the test body after a SKIP() in FIXTURE_SETUP; every
 * body that uses a skipping setup starts with this.
 */
#define VTEST_SKIPPED() do { if (_metadata->skip) return; } while (0)

/* Open and configure @d like QEMU would; SKIP when there is no node. */
#define VTEST_INIT_DEV(d, cfg) do {					\
		int __r = vdrv_init((d), (cfg));			\
		if (__r == -ENOENT && !strcmp((d)->failed, "open"))	\
			SKIP(return, "%s missing: load vhost_net or vhostx_net", \
			     vdrv_dev_path());				\
		ASSERT_EQ(0, __r) {					\
			TH_LOG("%s: %s", (d)->failed, strerror(-__r));	\
		}							\
	} while (0)

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

#endif /* VTEST_H */
