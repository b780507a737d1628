import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Where a frame's time goes: its npm package, our project (`apps/proxy`), or a Node internal module. */
function bucketOf(frame: ProfileNode['callFrame']): string {
  const { url, functionName } = frame;
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1];
  if (url.startsWith('file://')) return url.replace(/^file:\/\/.*?\/((?:apps|libs|tools)\/[^/]+).*$/, '$1');
  return url || functionName;
}

/** Self time by bucket, as shares of the sampled time, largest first. */
export function summarizeProfile(file: string, top = 12): Array<[string, number]> {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const frames = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const byBucket = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    total += dt;
    const bucket = bucketOf(frames.get(id)!);
    byBucket.set(bucket, (byBucket.get(bucket) ?? 0) + dt);
  });
  return [...byBucket.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([k, v]) => [k, Math.round((1000 * v) / total) / 10]);
}

/**
 * The main-thread profile of each process, by pid (node writes `CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile`;
 * thread 0 is the main thread).
 */
export function profilesByPid(dir: string): Map<number, string> {
  const out = new Map<number, string>();
  for (const f of readdirSync(dir)) {
    const m = /^CPU\.\d+\.\d+\.(\d+)\.0\.\d+\.cpuprofile$/.exec(f);
    if (m) out.set(Number(m[1]), join(dir, f));
  }
  return out;
}
