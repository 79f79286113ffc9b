/* SPDX-License-Identifier: MIT */
/*
 * ackfold.h - the guest's pure ACKs that a later one in the same rx batch
 * makes redundant.
 */
#ifndef TAPGATE_ACKFOLD_H
#define TAPGATE_ACKFOLD_H

#include <stdbool.h>

struct slot;

void ackfold_begin(void);
bool ackfold_superseded(const struct slot *s);

#endif
