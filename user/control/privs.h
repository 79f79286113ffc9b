/* SPDX-License-Identifier: MIT */
/*
 * privs.h - once tapgate serves, it keeps only the capabilities its
 * serving path and its exit still need (see privs.c).
 */
#ifndef TAPGATE_PRIVS_H
#define TAPGATE_PRIVS_H

#include <stdbool.h>
#include <sys/types.h>

int privs_drop(bool sys_admin, uid_t uid, gid_t gid);

#endif
