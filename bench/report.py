#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""report.py - the number crunching of bench/run.sh.

  report.py iperf FILE tcp|udp    one iperf3 -J result: prints "GBITS" (tcp)
                                  or "MBITS LOSS%" (udp), as the receiver
                                  counted them; or "err" and the reason on
                                  stderr
  report.py plot RESULTS TABLE OUT.png [SUBTITLE]
                                  the same numbers as a picture (matplotlib,
                                  Agg): one panel per metric, a bar per
                                  engine at the median, whiskers from the
                                  smallest to the largest run
  report.py table RESULTS NOTES TABLE [TITLE]
                                  the table of TABLE (main or mtuN) from the
                                  RESULTS lines "table engine metric run
                                  value" (tab-separated), then the legend
                                  and the NOTES ("table|engine|text" lines)
"""
import json
import os
import statistics
import sys

# key, header, unit, which way is better (hi, lo)
METRICS = [
    ("tcp_g2h_1", "TCP g>h x1", "Gbit/s", "hi"),
    ("tcp_g2h_4", "TCP g>h x4", "Gbit/s", "hi"),
    ("tcp_h2g_1", "TCP h>g x1", "Gbit/s", "hi"),
    ("tcp_h2g_4", "TCP h>g x4", "Gbit/s", "hi"),
    ("rr_p50", "RR p50", "µs", "lo"),
    ("rr_p99", "RR p99", "µs", "lo"),
    ("crr", "CRR", "conn/s", "hi"),
    ("udp_g2h", "UDP g>h", "Mbit/s", "hi"),
    ("udp_g2h_loss", "loss g>h", "%", "lo"),
    ("udp_h2g", "UDP h>g", "Mbit/s", "hi"),
    ("udp_h2g_loss", "loss h>g", "%", "lo"),
    ("cpu", "CPU", "% core", "lo"),
    ("cpu_gbit", "CPU/Gbit", "%/Gbit/s", "lo"),
    ("cpu_aux", "shuttle CPU", "% core", "lo"),
    ("rss_idle", "RSS idle", "MiB", "lo"),
    ("rss_peak", "RSS peak", "MiB", "lo"),
    ("rss_hold", "RSS held", "MiB", "lo"),
]

ENGINES = [
    ("kernel", "kernel (veth)"),
    ("slirp4netns", "slirp4netns"),
    ("pasta", "pasta"),
    ("tapgate-veth", "tapgate (veth)"),
    ("tapgate-veth-bp", "tapgate (veth, busy-poll)"),
    ("tapgate-tap", "tapgate (tap)"),
    ("tapgate-tap-vnet", "tapgate (tap, offloads)"),
    ("tapgate-veth6", "tapgate (veth, IPv6)"),
]
PEERS = ["slirp4netns", "pasta"]
JUMBO_NA = ("tapgate-veth-bp", "tapgate-tap", "tapgate-veth6")  # not run at a jumbo MTU
SHORT = {"slirp4netns": "slirp", "pasta": "pasta"}
OURS = "tapgate-veth"


def iperf(path, kind):
    try:
        with open(path) as f:
            d = json.load(f)
    except (OSError, ValueError) as e:
        print("err")
        sys.stderr.write("no iperf3 JSON result (%s)\n" % e.__class__.__name__)
        return
    if "error" in d:
        print("err")
        sys.stderr.write("iperf3: %s\n" % d["error"])
        return
    try:
        s = d["end"]["sum_received"]
        if kind == "tcp":
            print("%.4f" % (s["bits_per_second"] / 1e9))
        else:
            print("%.2f %.3f" % (s["bits_per_second"] / 1e6, s["lost_percent"]))
    except (KeyError, TypeError):
        print("err")
        sys.stderr.write("iperf3 JSON without end.sum_received\n")


def num(v):
    """Three significant digits, no exponent."""
    if v == 0:
        return "0"
    a = abs(v)
    if a >= 100:
        return "%.0f" % v
    if a >= 10:
        return "%.1f" % v
    if a >= 0.01:
        return "%.2f" % v
    return "%.3f" % v


def summary(vals):
    """(median, min, max, errors, other) of one cell's recorded values."""
    nums = []
    errors = 0
    other = None
    for v in vals:
        try:
            nums.append(float(v))
        except ValueError:
            if v == "err":
                errors += 1
            else:
                other = v
    if not nums:
        return None, None, None, errors, other
    return statistics.median(nums), min(nums), max(nums), errors, other


def cell(vals):
    if not vals:
        return "..."
    med, lo, hi, errors, other = summary(vals)
    if med is None:
        return "err" if errors else (other or "?")
    s = num(med)
    if len(vals) - errors > 1:
        s += " [%s-%s]" % (num(lo), num(hi))
    if errors:
        s += " %derr" % errors
    return s


def ratio(data, key, better):
    ours = summary(data.get((OURS, key), []))[0]
    best, who = None, None
    for p in PEERS:
        m = summary(data.get((p, key), []))[0]
        if m is None:
            continue
        if best is None or (m > best if better == "hi" else m < best):
            best, who = m, p
    if ours is None or best is None:
        return "-"
    if best == 0:
        return "- (%s 0)" % SHORT[who]
    return "%s (%s)" % (num(ours / best), SHORT[who])


def table(results, notes, which, title):
    data = {}
    runs = 0
    with open(results) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 5 or parts[0] != which:
                continue
            _, eng, key, run, val = parts
            data.setdefault((eng, key), []).append(val)
            runs = max(runs, int(run))
    rows = []
    for eng, label in ENGINES:
        if which.startswith("mtu") and eng in JUMBO_NA:
            rows.append([label] + ["n/a"] * len(METRICS))
        else:
            rows.append([label] + [cell(data.get((eng, m[0]), [])) for m in METRICS])
    head1 = ["engine"] + [m[1] for m in METRICS]
    head2 = [""] + [m[2] for m in METRICS]
    ratio_row = None
    if which == "main":
        ratio_row = ["tapgate(veth)/best peer"] + [ratio(data, m[0], m[3]) for m in METRICS]
    all_rows = [head1, head2] + rows + ([ratio_row] if ratio_row else [])
    widths = [max(len(r[i]) for r in all_rows) for i in range(len(head1))]

    def line(r):
        return "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip()

    rule = "  ".join("-" * w for w in widths)
    print(title)
    print(line(head1))
    print(line(head2))
    print(rule)
    for r in rows:
        print(line(r))
    if ratio_row:
        print(rule)
        print(line(ratio_row))
    print()
    cellfmt = "median [min-max] of %d runs" % runs if runs > 1 else "1 run each"
    print("cells: %s; err = the run failed (see notes); '...' = not run; '-' = not applicable" %
          cellfmt)
    print("g>h: iperf3 client in the guest sends to the host; h>g: the host sends (-R); "
          "x1/x4: parallel streams (-P)")
    if os.environ.get("BENCH_CRR_MODE", "fin") == "rst":
        close = "the client aborts (SO_LINGER 0, RST)"
    else:
        close = "the server closes first, then the client"
    print("RR: 1-byte round trips on one TCP_NODELAY connection; CRR: connect, 1 byte each "
          "way, %s" % close)
    print("UDP: iperf3 -u -b 0 -l 1472, Mbit/s delivered to the receiver, loss as it counted")
    print("CPU: the engine process's utime+stime over the wall time of the TCP g>h x1 runs "
          "(100 = one core); CPU/Gbit: that CPU over the throughput those runs carried; "
          "shuttle: tests/helpers/tapshuttle, the VMM stand-in of the tap row")
    print("RSS: VmRSS of the engine before any traffic, and VmHWM (peak) after all runs; "
          "held: VmRSS while the guest holds %s open connections to the host (rr hold), "
          "on a fresh engine after the other runs" % os.environ.get("BENCH_HOLD_N", "10000"))
    print("kernel: routing between two namespaces over a veth, servers on the host side's "
          "address: the reference, no user-space engine")
    print("busy-poll: tapgate run --busy-poll 50 (after traffic it polls up to 50 µs before "
          "sleeping); not in the ratio row, which is tapgate's default")
    if ratio_row:
        print("ratio: tapgate (veth) median / the best median of slirp4netns and pasta (named); "
              "> 1 is better for Gbit/s, conn/s, Mbit/s; < 1 is better for µs, loss, CPU, MiB")
    else:
        print("tapgate rows: tapgate run --mtu at the table's MTU, on a veth and on the tap "
              "with offloads; busy-poll, plain tap and IPv6 rows: n/a (not run at this MTU)")
    print("tap, offloads: both taps opened as a VMM opens them (virtio-net header, "
          "TUNSETOFFLOAD csum/TSO/USO): the guest's kernel sends TSO super-frames")
    seen = {}
    try:
        with open(notes) as f:
            for raw in f:
                parts = raw.rstrip("\n").split("|", 2)
                if len(parts) != 3 or parts[0] != which:
                    continue
                k = (parts[1], parts[2])
                seen[k] = seen.get(k, 0) + 1
    except OSError:
        pass
    if seen:
        print("notes:")
        for (eng, text), n in seen.items():
            print("  %s: %s%s" % (eng, text, " (%dx)" % n if n > 1 else ""))


PLOT_METRICS = ["tcp_g2h_1", "tcp_g2h_4", "tcp_h2g_1", "tcp_h2g_4", "rr_p50", "rr_p99",
                "crr", "udp_g2h", "udp_h2g", "cpu_gbit", "rss_idle", "rss_hold"]


def plot(results, which, out, subtitle):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    data = {}
    with open(results) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) == 5 and parts[0] == which:
                data.setdefault((parts[1], parts[2]), []).append(parts[4])
    engines = [(e, lbl) for e, lbl in ENGINES if any(k[0] == e for k in data)]
    metrics = [m for m in METRICS if m[0] in PLOT_METRICS]
    cols = 4
    rows = (len(metrics) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.2 * rows), squeeze=False)
    colors = plt.get_cmap("tab10")
    for ax, (key, head, unit, better) in zip(axes.flat, metrics):
        xs, meds, los, his, cs = [], [], [], [], []
        for i, (eng, label) in enumerate(engines):
            med, lo, hi, _, _ = summary(data.get((eng, key), []))
            if med is None:
                continue
            xs.append(label)
            meds.append(med)
            los.append(med - lo)
            his.append(hi - med)
            cs.append(colors(i % 10))
        pos = list(range(len(xs)))
        ax.bar(pos, meds, color=cs, yerr=[los, his], capsize=3)
        ax.set_xticks(pos)
        ax.set_xticklabels(xs, rotation=35, ha="right", fontsize=7)
        ax.set_title("%s (%s, %s is better)" % (head, unit, "higher" if better == "hi" else "lower"),
                     fontsize=9)
        ax.tick_params(axis="y", labelsize=7)
    for ax in list(axes.flat)[len(metrics):]:
        ax.axis("off")
    name = "guest MTU 1500" if which == "main" else "guest MTU " + which[3:]
    fig.suptitle("tapgate bench, %s: median of the runs, whiskers min-max (%s)" %
                 (name, subtitle), fontsize=10)
    fig.tight_layout(rect=(0, 0, 1, 0.96))
    fig.savefig(out, dpi=90)


def main(argv):
    if len(argv) == 4 and argv[1] == "iperf":
        iperf(argv[2], argv[3])
    elif len(argv) in (5, 6) and argv[1] == "plot":
        plot(argv[2], argv[3], argv[4], argv[5] if len(argv) == 6 else "")
    elif len(argv) in (5, 6) and argv[1] == "table":
        table(argv[2], argv[3], argv[4], argv[5] if len(argv) == 6 else "")
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
