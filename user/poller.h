/* SPDX-License-Identifier: MIT */
/*
 * poller.h - `tapgate run`: set everything up, serve the guest from one
 * event-loop thread until SIGINT/SIGTERM, and take everything down.
 */
#ifndef TAPGATE_POLLER_H
#define TAPGATE_POLLER_H

#include <stdint.h>

struct config;

int poller_run(const struct config *cfg, uint64_t t0_ms);

#endif
