"""bench/run.py's report: results.md (the table, capacity, the ratios against
sse-starlette), results.json and the PNG plots."""
from __future__ import annotations

import json
import os

CAPACITY_TICK_P99_MS = 100  # "holds N streams": tick p99 at most this, and not failed


def fmt(value, digits=1):
    return "–" if value is None else f"{value:.{digits}f}"


def write_report(results: list[dict], out_dir: str, title: str) -> None:
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "results.json"), "w") as handle:
        json.dump(results, handle, indent=1)
    lines = [f"# {title}", "",
             f"Machine: {os.cpu_count()} cores; load generator on the same machine. "
             "Latencies in ms (p50 / p99). Tick = arrival minus the instant the remaining time "
             "crossed that second; spread = the two clients of a room, same tick; "
             "cmd→event = pause command to the event at each client; "
             "connect→state = a single join while loaded.", "",
             "CPU µs/event = the servers' CPU in the measured window over the ticks "
             "(remaining-time events) the client received in it.", "",
             "| client | server | streams | tick p50 / p99 / max | value err p99 | spread p99 "
             "| cmd→event p50 / p99 | API p50 / p99 | connect→state p50 / p99 | refused | stalled "
             "| RSS MB | CPU % | CPU µs/event |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        if r.get("error"):
            lines.append(f"| {r.get('client', 'loadgen')} | {r['server']} | {r['streams']} "
                         f"| failed: {r['error'][:60]!r} |||||||||||| ")
            continue
        t, v, s = r["tick_latency_ms"], r["value_error_ms"], r["spread_ms"]
        c, a, k = r["pause_to_event_ms"], r["api_ms"], r["connect_to_state_ms"]
        mark = " **(failed)**" if r["failed"] else ""
        lines.append(
            f"| {r.get('client', 'loadgen')} | {r['server']} | {r['streams']}{mark} | {fmt(t['p50'])} / {fmt(t['p99'])} / {fmt(t['max'])} "
            f"| {fmt(v['p99'])} | {fmt(s['p99'])} | {fmt(c['p50'])} / {fmt(c['p99'])} "
            f"| {fmt(a['p50'])} / {fmt(a['p99'])} | {fmt(k['p50'])} / {fmt(k['p99'])} "
            f"| {r['refused']} | {r['stalled']} | {fmt(r['rss_mb'], 0)} | {fmt(r['cpu_percent'], 0)} "
            f"| {fmt(r.get('cpu_us_per_event'))} |")
    lines += capacity_lines(results)
    with open(os.path.join(out_dir, "results.md"), "w") as handle:
        handle.write("\n".join(lines) + "\n")
    plot(results, out_dir)


def held(result: dict) -> bool:
    p99 = (result.get("tick_latency_ms") or {}).get("p99")
    return (not result.get("error") and not result["failed"]
            and p99 is not None and p99 <= CAPACITY_TICK_P99_MS)


def capacity_lines(results: list[dict]) -> list[str]:
    """Per client and server, the most streams held among the levels run (a level that
    failed above one held does not count against it here: see the table), and duo2
    against duo."""
    best = {}
    for r in results:
        key = (r.get("client", "loadgen"), r["server"])
        if held(r) and r["streams"] > best.get(key, {}).get("streams", 0):
            best[key] = r
    if not best:
        return []
    lines = ["", f"## Capacity: the most streams held with tick p99 ≤ {CAPACITY_TICK_P99_MS} ms "
                 "(at most 1 % refused or stalled), among the levels run", "",
             "| client | server | streams | tick p99 | API p99 | server CPU % | load generator CPU % |",
             "|---|---|---|---|---|---|---|"]
    for (client, name), r in best.items():
        lines.append(f"| {client} | {name} | {r['streams']} | {fmt(r['tick_latency_ms']['p99'])} "
                     f"| {fmt(r['api_ms']['p99'])} | {fmt(r['cpu_percent'], 0)} "
                     f"| {fmt(r.get('loadgen_cpu_percent'), 0)} |")
    for client in dict.fromkeys(c for c, _ in best):
        if (client, "duo") in best and (client, "duo2") in best:
            lines += ["", f"{client}: two processes hold "
                          f"{best[(client, 'duo2')]['streams'] / best[(client, 'duo')]['streams']:.2f}× "
                          "what one holds, at the levels run."]
    return lines + ratio_lines(results)


def ratio_lines(results: list[dict], streams: int = 2000) -> list[str]:
    """Coding Duo against sse-starlette at ``streams``, per client: CPU per delivered
    event and peak RSS (issue 22's targets: at most 1.5x and 1.3x)."""
    at = {(r.get("client", "loadgen"), r["server"]): r for r in results
          if r["streams"] == streams and not r.get("error")}
    lines = []
    for client in dict.fromkeys(c for c, _ in at):
        duo, peer = at.get((client, "duo")), at.get((client, "starlette"))
        if not duo or not peer or not duo.get("cpu_us_per_event") or not peer.get("cpu_us_per_event"):
            continue
        if not lines:
            lines = ["", f"## Against sse-starlette at {streams} streams", "",
                     "| client | duo CPU µs/event | starlette CPU µs/event | ratio | duo RSS MB "
                     "| starlette RSS MB | ratio |", "|---|---|---|---|---|---|---|"]
        lines.append(f"| {client} | {fmt(duo['cpu_us_per_event'])} | {fmt(peer['cpu_us_per_event'])} "
                     f"| {duo['cpu_us_per_event'] / peer['cpu_us_per_event']:.2f}× | {fmt(duo['rss_mb'], 0)} "
                     f"| {fmt(peer['rss_mb'], 0)} | {duo['rss_mb'] / peer['rss_mb']:.2f}× |")
    return lines


def plot(results: list[dict], out_dir: str) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    ok = [r for r in results if not r.get("error")]
    charts = [("tick_p99.png", "tick delivery p99 (ms)", lambda r: r["tick_latency_ms"]["p99"], 100),
              ("api_p99.png", "API p99 while loaded (ms)", lambda r: r["api_ms"]["p99"], 50),
              ("rss.png", "server RSS (MB)", lambda r: r["rss_mb"], None),
              ("cpu.png", "server CPU (% of one core)", lambda r: r["cpu_percent"], None)]
    for filename, label, value, target in charts:
        fig, ax = plt.subplots(figsize=(7, 4.2))
        for server in dict.fromkeys(r["server"] for r in ok):
            points = [(r["streams"], value(r)) for r in ok if r["server"] == server and value(r) is not None]
            if points:
                ax.plot(*zip(*points), marker="o", label=server)
        if target:
            ax.axhline(target, color="grey", linestyle="--", linewidth=1, label=f"target {target}")
        ax.set_xscale("log")
        ax.set_xlabel("open streams")
        ax.set_ylabel(label)
        ax.grid(True, alpha=.3)
        ax.legend()
        fig.tight_layout()
        fig.savefig(os.path.join(out_dir, filename), dpi=110)
        plt.close(fig)
