// SPDX-License-Identifier: MIT
/*
 * status.c - `tapgate status [IFNAME] [--json]` (status.h): every daemon
 * on this host, found by its control socket in /run/tapgate and asked
 * there, so a host running a thousand sandboxes has one place to look.
 * A socket whose daemon is gone (killed) is reported, not hidden.
 */
#include <dirent.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/ctl.h"
#include "control/log.h"
#include "control/status.h"

static const char *str(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : "-";
}

static void print_row(json_object *o)
{
	printf("%-15s %8s %8s %7s %-8s %5s %3s %6s %6s %14s %14s  %s\n", str(o, "device"),
	       str(o, "pid"), str(o, "uptime_s"), str(o, "prog_id"), str(o, "attach"),
	       str(o, "loaded"), str(o, "rx_queues"), str(o, "tcp_conns"), str(o, "udp_flows"),
	       str(o, "rx_bytes"), str(o, "tx_bytes"), str(o, "policy"));
}

/* One daemon's status object, or one saying why there is none. */
static json_object *ask(const char *dev)
{
	char reply[CTL_REPLY_MAX];
	json_object *o = NULL;

	if (ctl_request(dev, "status", "-", "", 0, reply, sizeof(reply)) == 0)
		o = json_tokener_parse(reply + 2);
	if (!o) {
		o = json_object_new_object();
		json_object_object_add(o, "device", json_object_new_string(dev));
		json_object_object_add(o, "error", json_object_new_string(reply));
	}
	return o;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/**
 * status_print() - Print the status of one daemon or of all on this host
 * @dev:  a device, or NULL for every one with a control socket
 * @json: a JSON array (or object for one device) instead of a table
 *
 * Return: 0, or 1 when a daemon asked for did not answer
 */
int status_print(const char *dev, bool json)
{
	json_object *all = json_object_new_array();
	struct dirent **ents = NULL;
	int n = 0, bad = 0;

	if (dev) {
		json_object_array_add(all, ask(dev));
	} else {
		n = scandir(CTL_DIR, &ents, NULL, by_name);
		for (int i = 0; i < n; i++) {
			size_t len = strlen(ents[i]->d_name);

			if (len > 4 && !strcmp(ents[i]->d_name + len - 4, ".ctl")) {
				ents[i]->d_name[len - 4] = '\0';
				json_object_array_add(all, ask(ents[i]->d_name));
			}
			free(ents[i]);
		}
		free(ents);
	}
	if (json)
		printf("%s\n",
		       json_object_to_json_string_ext(dev ? json_object_array_get_idx(all, 0) : all,
						      JSON_C_TO_STRING_PLAIN));
	else
		printf("%-15s %8s %8s %7s %-8s %5s %3s %6s %6s %14s %14s  %s\n", "DEVICE", "PID",
		       "UPTIME_S", "PROG_ID", "ATTACH", "LOAD", "RXQ", "TCP", "UDP", "RX_BYTES",
		       "TX_BYTES", "POLICY");
	for (size_t i = 0; i < json_object_array_length(all); i++) {
		json_object *o = json_object_array_get_idx(all, i), *e;

		if (json_object_object_get_ex(o, "error", &e)) {
			bad = 1;
			if (!json)
				printf("%-15s %s\n", str(o, "device"), json_object_get_string(e));
		} else if (!json) {
			print_row(o);
		}
	}
	json_object_put(all);
	return bad;
}
