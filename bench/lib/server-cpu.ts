/**
 * CPU time the server spent (the wrangler process and its workerd children, user +
 * system), read from /proc. Wall-clock figures depend on what else the machine runs;
 * CPU milliseconds per request barely do, so they compare runs on a busy machine and
 * before/after a change. Linux only: elsewhere the figures are left out.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";

/** Linux's USER_HZ: /proc reports CPU time in these ticks. */
const TICKS_PER_SECOND = 100;

function stat(pid: number): { ppid: number; ticks: number } | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces) start after the last ')'.
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return null;
  }
}

/** A reader of the CPU time of the process tree whose root's command line contains `marker`. */
export function serverCpuReader(marker: string): (() => number) | null {
  if (!existsSync("/proc/self/stat")) return null;
  // Ticks last seen per process, kept after it exits, so the total never goes backwards.
  const seenTicks = new Map<number, number>();
  return () => {
    const pids = readdirSync("/proc")
      .filter((d) => /^\d+$/.test(d))
      .map(Number);
    const children = new Map<number, number[]>();
    const roots: number[] = [];
    for (const pid of pids) {
      const s = stat(pid);
      if (!s) continue;
      children.set(s.ppid, [...(children.get(s.ppid) ?? []), pid]);
      try {
        if (readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(marker)) roots.push(pid);
      } catch {
        // Gone meanwhile.
      }
    }
    const seen = new Set<number>();
    const stack = [...roots];
    while (stack.length) {
      const pid = stack.pop()!;
      if (seen.has(pid)) continue;
      seen.add(pid);
      const ticks = stat(pid)?.ticks;
      if (ticks !== undefined) seenTicks.set(pid, Math.max(ticks, seenTicks.get(pid) ?? 0));
      stack.push(...(children.get(pid) ?? []));
    }
    let total = 0;
    for (const ticks of seenTicks.values()) total += ticks;
    return (total / TICKS_PER_SECOND) * 1000;
  };
}

/** What a process of `wrangler dev` does, from its command line. */
function roleOf(cmdline: string): string {
  if (!cmdline.includes("workerd")) return cmdline.includes("esbuild") ? "esbuild" : "wrangler (Node)";
  // The runtime that runs the Worker is the one with a devtools address; the other runs wrangler's dev proxy.
  return cmdline.includes("--inspector-addr") ? "workerd: the Worker" : "workerd: wrangler's dev proxy";
}

/** CPU ms so far of each process of the tree whose root's command line contains `marker`, summed by role. */
export function serverCpuByRole(marker: string): () => Record<string, number> {
  return () => {
    const byPid = new Map<number, { ppid: number; ticks: number; cmdline: string }>();
    for (const d of readdirSync("/proc")) {
      if (!/^\d+$/.test(d)) continue;
      const s = stat(Number(d));
      if (!s) continue;
      try {
        byPid.set(Number(d), { ...s, cmdline: readFileSync(`/proc/${d}/cmdline`, "utf8").replace(/\0/g, " ") });
      } catch {
        // Gone meanwhile.
      }
    }
    const inTree = (pid: number): boolean => {
      for (let p: number | undefined = pid; p !== undefined && p > 1; p = byPid.get(p)?.ppid) if (byPid.get(p)?.cmdline.includes(marker)) return true;
      return false;
    };
    const roles: Record<string, number> = {};
    for (const [pid, p] of byPid) {
      if (!inTree(pid)) continue;
      const role = roleOf(p.cmdline);
      roles[role] = (roles[role] ?? 0) + (p.ticks / TICKS_PER_SECOND) * 1000;
    }
    return roles;
  };
}
