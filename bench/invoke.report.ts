/** Markdown report of bench/invoke.bench.ts (results file bench/results/invoke.md). Pure. */
import type { LatencyRow } from './invoke.stats.js';

interface Tput { perSec: number; ratioToDirect: number; benchProcessCpuUsPerCall: number; agentProcessCpuUsPerCall?: number | undefined }
interface Report {
  at: string; node: string; cpus: number; loadavg: number[];
  setup: Record<string, unknown>;
  real: Array<{ runtime: string; agent: string; latency: LatencyRow[]; addedP50Ms: { callers1: number; callers16: number }; throughput: Record<string, Tput>; workerRejected: number }>;
  simulated?: {
    setup: Record<string, unknown>; latency: LatencyRow[];
    addedP50Ms: Record<string, { callers1: number; callers16: number }>; throughput: Record<string, Tput>;
    timeoutAccuracy: { requestedMs: number; calls: number; p50OvershootMs: number; maxOvershootMs: number; maxWithinTenPercent: boolean };
  } | undefined;
  targets: Record<string, unknown>;
}

const latencyTable = (rows: LatencyRow[], label = ''): string[] => [
  `| callers | mode${label} | p50 ms | p99 ms | n |`, '|---|---|---|---|---|',
  ...rows.map((x) => `| ${x.callers} | ${x.mode} | ${x.p50Ms} | ${x.p99Ms} | ${x.n} |`),
];

const tputTable = (t: Record<string, Tput>): string[] => [
  '| mode | calls/s (median) | ratio to direct | bench-process CPU µs/call | agent-process CPU µs/call |', '|---|---|---|---|---|',
  ...Object.entries(t).map(([m, x]) => `| ${m} | ${x.perSec} | ${x.ratioToDirect} | ${x.benchProcessCpuUsPerCall} | ${x.agentProcessCpuUsPerCall ?? '(same process)'} |`),
];

function realSection(r: Report['real'][number]): string[] {
  const where = r.agent === 'child' ? 'agent in a child process' : 'agent in the bench process (one event loop for client and server)';
  return [
    `## Real echo workers on ${r.runtime}, ${where}`, '',
    ...latencyTable(r.latency), '',
    `Added p50 (grpc − direct): ${r.addedP50Ms.callers1} ms with 1 caller, ${r.addedP50Ms.callers16} ms with 16 callers.`, '',
    ...tputTable(r.throughput), '',
    `Worker "already reserved" rejections during the run: ${r.workerRejected}.`, '',
  ];
}

function simSection(s: NonNullable<Report['simulated']>): string[] {
  const a = s.timeoutAccuracy;
  return [
    '## SIMULATED workers (secondary: isolates the agent\'s own overhead)', '',
    ...['workers', 'direct', 'proxied', 'grpc', 'grpcHopOnly'].map((k) => `- ${k}: ${String(s.setup[k])}`), '',
    ...latencyTable(s.latency), '',
    '| added p50 | 1 caller | 16 callers |', '|---|---|---|',
    ...Object.entries(s.addedP50Ms).map(([m, x]) => `| ${m} | ${x.callers1} ms | ${x.callers16} ms |`), '',
    ...tputTable(s.throughput), '',
    `Timeout accuracy (proxied, timeout_ms ${a.requestedMs}, ${a.calls} calls to a worker that never answers): DEADLINE_EXCEEDED after +${a.p50OvershootMs} ms (p50), +${a.maxOvershootMs} ms (max); within 10 %: ${a.maxWithinTenPercent}.`, '',
  ];
}

/** The whole report. Pure. */
export function markdown(r: Report): string {
  return [
    '# Invoke proxy bench', '',
    `${r.at}, Node ${r.node}, ${r.cpus} CPUs, load average at the end ${r.loadavg.join(' ')} (other work shares the machine).`, '',
    ...Object.entries(r.setup).map(([k, v]) => `- ${k}: ${String(v)}`), '',
    ...r.real.flatMap(realSection),
    ...(r.simulated ? simSection(r.simulated) : []),
    `Targets (added p50 ≤ 0.5 ms with 1 caller; throughput ≥ 0.7 × direct): ${JSON.stringify(r.targets)}`, '',
  ].join('\n');
}
