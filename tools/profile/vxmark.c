// SPDX-License-Identifier: GPL-2.0-only
/*
 * vxmark start|stop: run inside a guest under QEMU with the vxprof plugin
 * to open or close a counting window. Each executes one instruction that
 * changes no state and that vxprof watches for (see vxprof.c); without
 * the plugin it does nothing at all.
 */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "start")) {
		__asm__ volatile("xchg %%bx, %%bx" ::: "memory");
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "stop")) {
		__asm__ volatile("xchg %%cx, %%cx" ::: "memory");
		return 0;
	}
	fprintf(stderr, "usage: vxmark start|stop\n");
	return 2;
}
