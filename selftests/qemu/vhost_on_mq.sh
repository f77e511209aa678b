#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# As vhost_on_ping.sh with two queue pairs (queues=2, mq=on, two vCPUs in the
# guest, one vhost fd per pair): the guest checks that each of its RX and TX
# queues carried packets, and two vhost workers must have run.
. "$(dirname "$0")/lib.sh"
nested_test 2
