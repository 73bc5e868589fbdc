import { cpus, totalmem, platform, release } from 'node:os';
import { execFileSync } from 'node:child_process';

/** One line naming the machine a benchmark ran on. */
export function machineLine(): string {
  const cpu = cpus()[0]?.model ?? 'unknown cpu';
  let mariadb = '';
  try {
    mariadb = execFileSync('mariadbd', ['--version'], { encoding: 'utf8' }).trim().replace(/^.*Ver /, 'MariaDB ');
  } catch {
    mariadb = 'MariaDB ?';
  }
  return `${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, ${platform()} ${release()}, Node ${process.version}, ${mariadb}`;
}

/** Peak resident set size of a process (VmHWM), in MiB; undefined if it is gone. */
export function peakRssMiB(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    const status = execFileSync('cat', [`/proc/${pid}/status`], { encoding: 'utf8' });
    const m = /VmHWM:\s+(\d+) kB/.exec(status);
    return m ? Math.round(Number(m[1]) / 1024) : undefined;
  } catch {
    return undefined;
  }
}
