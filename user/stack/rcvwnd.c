// SPDX-License-Identifier: MIT
/*
 * rcvwnd.c - lwIP's receive window, past Debian's 64 KiB TCP_WND.
 *
 * Guest->host throughput is one receive window per round trip, and with
 * Debian's build (TCP_WND 0xFFFF) the guest's sender spent about two thirds
 * of a bulk transfer window-limited (ss -ti: rwnd_limited 65 %). That lwIP
 * negotiates window scaling with a shift of TCP_RCV_SCALE (1), so the
 * header can carry up to 0xFFFF << 1 bytes; only tcp_recved() clamps the
 * window to TCP_WND. So we open the window ourselves, with tcp_recved()'s
 * own steps: rcv_wnd up to the scaled maximum, then lwIP's
 * tcp_update_rcv_ann_wnd() and an immediate ACK when the right edge moved
 * by TCP_WND_UPDATE_THRESHOLD.
 *
 * One thing in lwIP still compares rcv_wnd with TCP_WND: tcp_close() in
 * ESTABLISHED or CLOSE_WAIT takes a window that is not "full" for unread
 * data and sends RST. pxtcp.c closes a pcb only after its own FIN
 * (tcp_shutdown() first), never in those states.
 */
#include "lwip/priv/tcp_priv.h"

#include "stack/rcvwnd.h"

/**
 * rcvwnd_max() - The largest receive window this connection can announce
 * @pcb: an lwIP connection
 *
 * Return: 0xFFFF << the negotiated shift, or TCP_WND without scaling
 */
uint32_t rcvwnd_max(const struct tcp_pcb *pcb)
{
	if (!(pcb->flags & TF_WND_SCALE))
		return TCP_WND;
	return (uint32_t)0xFFFF << pcb->rcv_scale;
}

/**
 * rcvwnd_open() - tcp_recved() without its TCP_WND cap
 * @pcb: connection
 * @n:   bytes the application took
 */
void rcvwnd_open(struct tcp_pcb *pcb, uint32_t n)
{
	uint32_t max = rcvwnd_max(pcb), w = pcb->rcv_wnd + n;

	pcb->rcv_wnd = w > max || w < pcb->rcv_wnd ? max : w;
	if (tcp_update_rcv_ann_wnd(pcb) >= TCP_WND_UPDATE_THRESHOLD) {
		tcp_ack_now(pcb);
		tcp_output(pcb);
	}
}

/**
 * rcvwnd_grow() - Open a new connection's window to its maximum
 * @pcb: connection, just accepted
 *
 * No ACK of its own (that would be one more frame per connection): the
 * next segment lwIP sends announces it.
 */
void rcvwnd_grow(struct tcp_pcb *pcb)
{
	uint32_t max = rcvwnd_max(pcb);

	if (pcb->rcv_wnd < max) {
		pcb->rcv_wnd = max;
		tcp_update_rcv_ann_wnd(pcb);
	}
}
