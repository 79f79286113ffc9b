/* SPDX-License-Identifier: MIT */
/*
 * hostsock.h - the host side of a proxied TCP connection: socket
 * addresses (the UDP relay's too), non-blocking connect, socket tuning, reset-on-close. Kept apart from pxtcp.c and
 * splice.c because the system's TCP headers and lwIP's options clash
 * (TCP_MSS).
 */
#ifndef TAPGATE_HOSTSOCK_H
#define TAPGATE_HOSTSOCK_H

#include <stdint.h>
#include <sys/socket.h>

#include "proxy/flow.h"

socklen_t hostsock_addr(const struct tg_addr *addr, uint16_t port, struct sockaddr_storage *out);
int hostsock_connect(const struct tg_addr *addr, uint16_t port);
int hostsock_listen(uint32_t ip, uint16_t port);
int hostsock_bind_udp(uint32_t ip, uint16_t port);
int hostsock_error(int fd);
void hostsock_tune(int fd, int idle_s, int intvl_s, int cnt);
void hostsock_set_reset(int fd);

#endif
