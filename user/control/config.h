/* SPDX-License-Identifier: MIT */
/*
 * config.h - the settings of one `tapgate run`, parsed and checked from the
 * command line before anything is touched, so that bad configuration fails
 * with a message and leaves nothing half set up.
 */
#ifndef TAPGATE_CONFIG_H
#define TAPGATE_CONFIG_H

#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "control/log.h"
#include "control/scfilter.h"

#define CONFIG_MTU_MIN 576
#define CONFIG_MTU_MAX 65520 /* frames longer than a UMEM chunk go as descriptor chains */
/* New TCP connections a second (--syn-rate), in bursts of a quarter of it:
 * each costs the daemon a host socket and a connect (~30 us), so this many
 * take ~3 % of its core, and a guest's SYN flood leaves its own live
 * connections more than 80 % of their throughput (README, "SYN floods"). */
#define CONFIG_SYN_RATE	   1000

#define CONFIG_DNS_MAX	   4
#define CONFIG_TLS_STATE   "/var/lib/tapgate/tls"
#define CONFIG_SECRETS_MAX 16
#define CONFIG_SECRET_SPEC 1024

struct dns_upstream {
	uint32_t ip4;  /* network byte order */
	uint16_t port; /* host byte order */
};

/* --dns-aaaa: whether AAAA queries go upstream or get an empty answer. */
enum dns_aaaa {
	DNS_AAAA_AUTO, /* empty while the host has no IPv6 route (or the guest no IPv6) */
	DNS_AAAA_ON,
	DNS_AAAA_OFF,
};

#define CONFIG_PUBLISH_MAX 32

/* --publish [HOSTIP:]HOSTPORT:GUESTPORT[/tcp|/udp] */
struct publish {
	uint32_t host_ip; /* network byte order; 127.0.0.1 by default */
	uint16_t host_port, guest_port;
	uint8_t proto; /* IPPROTO_TCP or IPPROTO_UDP */
};

/* --xdp-mode: auto is generic on a veth (its guest keeps TSO), else native */
enum xdp_choice { XDP_CHOICE_AUTO, XDP_CHOICE_NATIVE, XDP_CHOICE_GENERIC };

struct config {
	char dev[IF_NAMESIZE];
	uint32_t guest_ip4; /* network byte order */
	uint32_t gw_ip4;
	uint8_t prefix4;
	uint8_t guest_mac[6];
	uint8_t gw_mac[6];
	uint8_t guest_ip6[16];
	uint8_t gw_ip6[16];
	bool ipv6;
	bool ra;   /* send Router Advertisements (--no-ra: not) */
	bool dhcp; /* serve DHCPv4 to the guest (--no-dhcp: not) */
	unsigned int mtu;
	uint32_t allow;		    /* bit per enum tg_group */
	char policy_path[PATH_MAX]; /* --policy; "" for --allow's */
	char floor_path[PATH_MAX];  /* --floor; "" for none */
	bool allow_given;
	bool adopt; /* --adopt: serve the program an operator attached */
	unsigned int max_conns;
	unsigned int syn_rate; /* --syn-rate: new TCP connections a second, 0: any */
	char user[64];	       /* --user: serve as this user ("": stay root) */
	uid_t uid;	       /* its ids, looked up at parse time */
	gid_t gid;
	unsigned int tcp_mem_mib; /* lwIP's memory budget (stack/lwipmem.c) */
	unsigned int connect_timeout_ms;
	enum log_level log_level;
	struct dns_upstream dns[CONFIG_DNS_MAX];
	unsigned int ndns; /* 0: take /etc/resolv.conf's at start */
	char host_name[254];
	bool rebind_protection;
	enum dns_aaaa dns_aaaa;
	bool udp_local_ports; /* let 853, 5353, 5355, 137 through */
	unsigned int udp_timeout_ms;
	unsigned int udp_max_flows;
	unsigned int busy_poll_us; /* 0: sleep as soon as there is nothing to do */
	enum xdp_choice xdp_mode;  /* --xdp-mode (control/loader.c) */
	bool gso;		   /* --gso: TCP super-frames to the guest (io/gso.c) */
	struct publish publish[CONFIG_PUBLISH_MAX];
	unsigned int npublish;
	bool publish_keep_source; /* inbound TCP from the peer's address */
	enum scfilter_mode seccomp;
	bool tls_intercept;	   /* --tls-intercept (tls/tlsx.c) */
	char tls_ca[PATH_MAX];	   /* --tls-ca: the CA certificate; "": --tls-state's */
	char tls_ca_key[PATH_MAX]; /* --tls-ca-key */
	char tls_state[PATH_MAX];  /* --tls-state: where a generated CA is kept */
	/* --secret NAME=HOST[,HOST...]: parsed by tls/tlsconf.c */
	char secret_spec[CONFIG_SECRETS_MAX][CONFIG_SECRET_SPEC];
	unsigned int nsecret_specs;
};

int config_parse_dns(const char *arg, struct dns_upstream *out);
int config_parse_publish(const char *arg, struct publish *out);

void config_defaults(struct config *cfg);
int config_parse_run(struct config *cfg, int argc, char **argv);
int config_parse_groups(const char *list, uint32_t *out);
const char *config_group_name(unsigned int group);
void config_usage_run(FILE *out);

#endif
