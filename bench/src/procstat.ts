import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

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
  return statusMb(pid, 'VmHWM');
}

/** Resident set size of a process now (VmRSS), number of megabytes. */
export function rssMb(pid: number): number {
  return statusMb(pid, 'VmRSS');
}

const STATUS_FIELDS = { VmHWM: /VmHWM:\s+(\d+) kB/, VmRSS: /VmRSS:\s+(\d+) kB/ };

function statusMb(pid: number, field: keyof typeof STATUS_FIELDS): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = STATUS_FIELDS[field].exec(status);
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

/**
 * Time the threads of a process spent runnable but waiting for a CPU so far (the second field of
 * /proc/<pid>/task/<tid>/schedstat), number of milliseconds. On a machine with more busy processes than
 * cores, this is where latency goes that no profile of the process shows.
 */
export function runQueueWaitMs(pid: number): number {
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[1]);
    } catch {
      // The thread ended between listing and reading.
    }
  }
  return ns / 1e6;
}

/** What `measureCpu` reads of each process. */
export interface ProcessUse {
  cpuMs: number;
  writes: number;
  runQueueWaitMs: number;
}

const use = (pid: number): ProcessUse => ({ cpuMs: cpuMs(pid), writes: writeSyscalls(pid), runQueueWaitMs: runQueueWaitMs(pid) });

/** CPU milliseconds, write syscalls and run-queue wait of each process while `fn` ran. */
export async function measureCpu<T>(pids: Record<string, number>, fn: () => Promise<T>): Promise<{ value: T; used: Record<string, ProcessUse> }> {
  const before = Object.entries(pids).map(([name, pid]) => [name, pid, use(pid)] as const);
  const value = await fn();
  const used = Object.fromEntries(
    before.map(([name, pid, b]) => {
      const a = use(pid);
      return [name, { cpuMs: a.cpuMs - b.cpuMs, writes: a.writes - b.writes, runQueueWaitMs: a.runQueueWaitMs - b.runQueueWaitMs }];
    }),
  );
  return { value, used };
}

/**
 * The process listening on a TCP port of this machine: the socket's inode from /proc/net/tcp{,6}, then the
 * process holding it among /proc/<pid>/fd. Undefined when nothing listens there, or when the listener is
 * another user's and its descriptors cannot be read.
 */
export function pidListeningOn(port: number): number | undefined {
  const hexPort = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      // sl, local address, remote address, state (0A: listening), ..., inode (the tenth field).
      const fields = line.trim().split(/\s+/);
      if (fields[3] === '0A' && fields[1]?.endsWith(hexPort)) inodes.add(fields[9]!);
    }
  }
  if (inodes.size === 0) return undefined;
  for (const pid of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const inode = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
        if (inode && inodes.has(inode)) return Number(pid);
      } catch {
        // The descriptor closed between listing and reading.
      }
    }
  }
  return undefined;
}
