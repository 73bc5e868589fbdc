import { readFileSync } from 'node:fs';

/** CPU seconds (user + system) a process has used so far; undefined if it is gone. */
export function cpuSeconds(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    // /proc/<pid>/stat: the command name may hold spaces, so count fields after its ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return undefined;
  }
}

/** CPU seconds of each named process, read now. */
export function cpuOf(pids: Record<string, number | undefined>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, pid] of Object.entries(pids)) {
    const s = cpuSeconds(pid);
    if (s !== undefined) out[name] = s;
  }
  return out;
}
