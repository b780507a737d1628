import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat times; 100 on every Linux this runs on. */
const TICKS_PER_S = 100;

/** CPU time a process used so far (user + system), number of milliseconds. */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which may contain spaces, closed by the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1000) / TICKS_PER_S;
}

/** Peak resident set size of a process so far (VmHWM), number of megabytes. */
export function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /VmHWM:\s+(\d+) kB/.exec(status);
  return match ? Number(match[1]) / 1024 : NaN;
}

/**
 * Write syscalls a process made so far (`syscw` of /proc/<pid>/io, all its threads). Each socket write is a
 * syscall, and on a VM one costs more than the JavaScript that fills it: the count says how well writes
 * are batched.
 */
export function writeSyscalls(pid: number): number {
  const io = readFileSync(`/proc/${pid}/io`, 'utf8');
  const match = /syscw:\s+(\d+)/.exec(io);
  return match ? Number(match[1]) : NaN;
}

/** CPU milliseconds and write syscalls of each process while `fn` ran. */
export async function measureCpu<T>(
  pids: Record<string, number>,
  fn: () => Promise<T>,
): Promise<{ value: T; cpuMs: Record<string, number>; writes: Record<string, number> }> {
  const sample = () => Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, [cpuMs(pid), writeSyscalls(pid)]]));
  const before = sample();
  const value = await fn();
  const after = sample();
  const delta = (i: number) => Object.fromEntries(Object.keys(pids).map((name) => [name, after[name][i] - before[name][i]]));
  return { value, cpuMs: delta(0), writes: delta(1) };
}
