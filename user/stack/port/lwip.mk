# SPDX-License-Identifier: MIT
# lwip.mk - lwIP's core (IPv4, IPv6, TCP) from Debian's source package into
# one static library, compiled with tapgate's lwipopts.h. Called by the
# top-level Makefile with SRC (the unpacked source), OUT (the library), CC
# and CFLAGS; a separate file so that its wildcards are read only after
# `make deps` has fetched the source.

CORE := $(wildcard $(SRC)/src/core/*.c $(SRC)/src/core/ipv4/*.c $(SRC)/src/core/ipv6/*.c)
CORE := $(filter-out %/altcp.c %/altcp_alloc.c %/altcp_tcp.c,$(CORE))
OBJS := $(patsubst $(SRC)/src/%.c,$(dir $(OUT))obj/%.o,$(CORE))

$(OUT): $(OBJS)
	@rm -f $@
	@$(AR) rcs $@ $^

$(dir $(OUT))obj/%.o: $(SRC)/src/%.c $(wildcard user/stack/port/*.h user/stack/port/arch/*.h)
	@mkdir -p $(dir $@)
	@$(CC) $(CFLAGS) -w -c $< -o $@
