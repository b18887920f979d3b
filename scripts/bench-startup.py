#!/usr/bin/env python3
"""Start-up and footprint of the desk against a bare Tauri app, side by side on one X display.

Run by scripts/bench-startup.sh (which builds both and starts the display and the keyring):

    bench-startup.py --bare BIN --desk BIN --desk-data-100k DIR --runs N --out FILE.md
                     --bare-deb DEB --desk-deb DEB

Each run starts one program from exec and measures:
- window: exec to its top-level window being mapped (viewable), polled with xwininfo;
- usable (the desk only): exec to its first screen having a focused field, which the window
  reports and the desk logs once ("first screen usable", with the wall-clock time);
- memory: after it has settled, the proportional set size (PSS) of the program and every
  process it started (WebKit's web and network processes), from /proc/PID/smaps_rollup.
The programs take turns, run by run, so a slow moment of the machine falls on both alike.
Medians are reported, with the spread.
"""

import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

SETTLE_S = 5.0


def viewable(title):
    out = subprocess.run(["xwininfo", "-name", title], capture_output=True, text=True)
    return out.returncode == 0 and "IsViewable" in out.stdout


def descendants(pid):
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    tree, todo = [], [pid]
    while todo:
        p = todo.pop()
        tree.append(p)
        todo.extend(children.get(p, []))
    return tree


def pss_kb(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def name_of(pid):
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except OSError:
        return "?"


def first_usable_ms(log_dir, t0_unix):
    if not os.path.isdir(log_dir):
        return None
    for name in os.listdir(log_dir):
        with open(os.path.join(log_dir, name), errors="replace") as f:
            for line in f:
                if "first screen usable" in line:
                    m = re.search(r"unix_ms=(\d+)", line)
                    if m:
                        return int(m.group(1)) - t0_unix * 1000
    return None


def run_once(binary, title, env, log_dir=None, timeout=60):
    t0_unix = time.time()
    t0 = time.monotonic()
    err = tempfile.TemporaryFile()
    proc = subprocess.Popen([binary], env=env, stdout=subprocess.DEVNULL, stderr=err, start_new_session=True)
    window = usable = None
    try:
        while time.monotonic() - t0 < timeout:
            if window is None and viewable(title):
                window = (time.monotonic() - t0) * 1000
            if log_dir and usable is None:
                usable = first_usable_ms(log_dir, t0_unix)
            if window is not None and (not log_dir or usable is not None):
                break
            if proc.poll() is not None:
                err.seek(0)
                tail = err.read().decode(errors="replace")[-2000:]
                raise RuntimeError(f"{binary} exited with {proc.returncode} before its window was usable:\n{tail}")
            time.sleep(0.01)
        if window is None or (log_dir and usable is None):
            raise RuntimeError(f"{binary}: no usable window within {timeout} s")
        time.sleep(SETTLE_S)
        parts = {}
        for p in descendants(proc.pid):
            name = "the program itself" if p == proc.pid else name_of(p)
            parts[name] = parts.get(name, 0) + pss_kb(p)
        return window, usable, sum(parts.values()) / 1024, {k: v / 1024 for k, v in parts.items()}
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass  # it had gone already
        time.sleep(0.5)


def deb_sizes(deb):
    installed_kb = int(subprocess.run(["dpkg-deb", "-f", deb, "Installed-Size"], capture_output=True, text=True).stdout.strip())
    return os.path.getsize(deb) / 1048576, installed_kb / 1024


def med(xs):
    return statistics.median(xs)


def spread(xs):
    return f"{min(xs):.0f}–{max(xs):.0f}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bare", required=True)
    ap.add_argument("--desk", required=True)
    ap.add_argument("--desk-data-100k", required=True)
    ap.add_argument("--bare-deb", required=True)
    ap.add_argument("--desk-deb", required=True)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()

    results = {"bare": [], "desk-empty": [], "desk-100k": []}
    parts = {k: [] for k in results}
    retries = {k: 0 for k in results}
    scratch = tempfile.mkdtemp(prefix="bench-startup-")
    try:
        for i in range(a.runs):
            for kind in results:
                env = dict(os.environ)
                log_dir = None
                if kind.startswith("desk"):
                    data = os.path.join(scratch, f"{kind}-{i}")
                    if kind == "desk-100k":
                        shutil.copytree(a.desk_data_100k, data)
                    else:
                        os.makedirs(data)
                    env["SKINSPIRE_DESK_DATA_DIR"] = data
                    log_dir = os.path.join(data, "logs")
                    binary, title = a.desk, "Skinspire Verify Desk"
                else:
                    binary, title = a.bare, "Hello Tauri"
                # Now and then GTK can't open the display at start ("Failed to initialize GTK",
                # Xvfb refusing a connection while the last program's are closing): such a run
                # measures nothing, so it is tried again, and counted.
                for attempt in range(3):
                    try:
                        window, usable, mem, per = run_once(binary, title, env, log_dir)
                        break
                    except RuntimeError as e:
                        if attempt == 2 or "initialize GTK" not in str(e):
                            raise
                        retries[kind] += 1
                        print(f"run {i + 1} {kind}: GTK could not open the display; trying again", file=sys.stderr)
                        if log_dir:
                            shutil.rmtree(log_dir, ignore_errors=True)
                        time.sleep(2)
                results[kind].append((window, usable, mem))
                parts[kind].append(per)
                print(f"run {i + 1} {kind}: window {window:.0f} ms, usable {usable or 0:.0f} ms, {mem:.0f} MB PSS", file=sys.stderr)
                if log_dir:
                    shutil.rmtree(os.path.dirname(log_dir), ignore_errors=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    def col(kind, j):
        return [r[j] for r in results[kind]]

    bare_w, bare_m = med(col("bare", 0)), med(col("bare", 2))
    bare_deb, bare_inst = deb_sizes(a.bare_deb)
    desk_deb, desk_inst = deb_sizes(a.desk_deb)
    bare_bin = os.path.getsize(a.bare) / 1048576
    desk_bin = os.path.getsize(a.desk) / 1048576
    lines = []
    w = lines.append
    w("## Start-up and footprint against a bare Tauri app (issue #11)")
    w("")
    w(f"Both release builds (the desk's profile), started {a.runs} times each, taking turns, on one Xvfb display "
      f"(1280×800×24) on this 2-core machine, with a real D-Bus session and gnome-keyring. Medians, with the range. "
      f"Memory is the PSS of the program and the WebKit processes it starts, {SETTLE_S:.0f} s after it is usable.")
    w("")
    w("| figure | bare Tauri 2.12 app | desk | ratio | goal |")
    w("|---|---|---|---|---|")
    for kind, label in (("desk-empty", "empty database"), ("desk-100k", "100k people")):
        dw = med(col(kind, 0))
        w(f"| exec → window mapped, {label} | {bare_w:.0f} ms ({spread(col('bare', 0))}) | {dw:.0f} ms ({spread(col(kind, 0))}) | {dw / bare_w:.2f}× | ≤ 1.1× |")
    for kind, label in (("desk-empty", "empty database"), ("desk-100k", "100k people")):
        du = med(col(kind, 1))
        gap = med([u - win for win, u, _ in results[kind]])
        w(f"| exec → first screen usable, {label} | — | {du:.0f} ms ({spread(col(kind, 1))}) | window + {gap:.0f} ms | within 0.5 s of the window |")
    for kind, label in (("desk-empty", "empty database"), ("desk-100k", "100k people")):
        dm = med(col(kind, 2))
        w(f"| memory (PSS), {label} | {bare_m:.0f} MB ({spread(col('bare', 2))}) | {dm:.0f} MB ({spread(col(kind, 2))}) | {dm / bare_m:.2f}× | ≤ 1.15× (100k) |")
    w(f"| package (.deb) | {bare_deb:.1f} MiB | {desk_deb:.1f} MiB | {desk_deb / bare_deb:.2f}× | ≤ 1.5× |")
    w(f"| installed size | {bare_inst:.1f} MiB | {desk_inst:.1f} MiB | {desk_inst / bare_inst:.2f}× | |")
    w(f"| release binary | {bare_bin:.1f} MiB | {desk_bin:.1f} MiB | {desk_bin / bare_bin:.2f}× | |")
    w("")
    if any(retries.values()):
        w(f"Runs tried again because GTK could not open the display at start: {retries}.")
        w("")
    w("Memory by process (median MB PSS):")
    w("")
    names = sorted({n for k in parts for p in parts[k] for n in p})
    w("| process | bare | desk, empty | desk, 100k |")
    w("|---|---|---|---|")
    for n in names:
        vals = [med([p.get(n, 0) for p in parts[k]]) for k in ("bare", "desk-empty", "desk-100k")]
        w(f"| {n} | {vals[0]:.0f} | {vals[1]:.0f} | {vals[2]:.0f} |")
    with open(a.out, "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
