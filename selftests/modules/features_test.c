// SPDX-License-Identifier: GPL-2.0-only
/*
 * The vhost-net node answers the calls every client makes first.
 * The node is $VHOST_NET_DEV, or /dev/vhost-net.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/vhost.h>
#include <linux/virtio_config.h>

#include "kselftest_harness.h"

static const char *node(void)
{
	const char *p = getenv("VHOST_NET_DEV");

	return p && *p ? p : "/dev/vhost-net";
}

FIXTURE(dev) {
	int fd;
};

FIXTURE_SETUP(dev)
{
	self->fd = open(node(), O_RDWR);
	if (self->fd < 0 && errno == ENOENT)
		SKIP(return, "%s is absent", node());
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %m", node());
}

FIXTURE_TEARDOWN(dev)
{
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F(dev, get_features_has_version_1)
{
	uint64_t f = 0;

	ASSERT_EQ(0, ioctl(self->fd, VHOST_GET_FEATURES, &f));
	EXPECT_TRUE(f & (1ULL << VIRTIO_F_VERSION_1));
}

TEST_F(dev, get_features_bad_pointer_is_efault)
{
	EXPECT_EQ(-1, ioctl(self->fd, VHOST_GET_FEATURES, (void *)16));
	EXPECT_EQ(EFAULT, errno);
}

TEST_F(dev, unknown_ioctl_is_enotty)
{
	EXPECT_EQ(-1, ioctl(self->fd, _IO(VHOST_VIRTIO, 0xfe)));
	EXPECT_EQ(ENOTTY, errno);
}

TEST_HARNESS_MAIN
