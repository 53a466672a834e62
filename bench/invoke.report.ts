/** Markdown report of bench/invoke.bench.ts (results file bench/results/invoke.md). Pure. */
import type { LatencyRow } from './invoke.stats.js';

interface Tput {
  perSec: number; ratioToDirect: number; benchProcessCpuUsPerCall: number; proxyProcessCpuUsPerCall?: number | undefined;
  machineBusy?: number | undefined; machineCpuUsPerCall?: number | undefined;
}
interface Report {
  at: string; node: string; cpus: number; loadavg: number[];
  setup: Record<string, unknown>;
  real: Array<{
    runtime: string; agent: string; latency: LatencyRow[];
    addedP50Ms: Record<string, { callers1: number; callers16: number }>; throughput: Record<string, Tput>; workerRejected: number;
  }>;
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

const addedTable = (added: Record<string, { callers1: number; callers16: number }>): string[] => [
  '| added p50 (mode − direct) | 1 caller | 16 callers |', '|---|---|---|',
  ...Object.entries(added).map(([m, x]) => `| ${m} | ${x.callers1} ms | ${x.callers16} ms |`),
];

const r1 = (x: number): number => Math.round(x * 10) / 10;

/**
 * The hop's CPU per call: what client and proxy spend together beyond what the direct client
 * spends (the worker's own work is the same in both). Undefined when the proxy's CPU is unknown.
 * Pure.
 */
export function hopCpuUs(t: Tput, direct: Tput | undefined): number | undefined {
  if (t.proxyProcessCpuUsPerCall === undefined || direct === undefined) return undefined;
  return r1(t.benchProcessCpuUsPerCall + t.proxyProcessCpuUsPerCall - direct.benchProcessCpuUsPerCall);
}

const pct = (x: number | undefined): string => (x === undefined ? '—' : `${Math.round(x * 100)} %`);
const us = (x: number | undefined): string | number => (x === undefined ? '—' : r1(x));

const tputTable = (t: Record<string, Tput>, unknown = '(same process)'): string[] => [
  '| mode | calls/s (median) | ratio to direct | bench-process (client) CPU µs/call | proxy-process CPU µs/call | hop CPU µs/call | machine busy | machine CPU µs/call |',
  '|---|---|---|---|---|---|---|---|',
  ...Object.entries(t).map(([m, x]) => {
    const proxy = m === 'direct' ? '—' : (x.proxyProcessCpuUsPerCall === undefined ? unknown : r1(x.proxyProcessCpuUsPerCall));
    const hop = m === 'direct' ? '—' : (hopCpuUs(x, t['direct']) ?? '—');
    return `| ${m} | ${x.perSec} | ${x.ratioToDirect} | ${r1(x.benchProcessCpuUsPerCall)} | ${proxy} | ${hop} | ${pct(x.machineBusy)} | ${us(x.machineCpuUsPerCall)} |`;
  }),
];

/**
 * The hop budget on this machine: when the direct round keeps every core busy, a proxied mode
 * reaches `min` × direct's rate only if the whole machine spends at most direct's core time
 * per call ÷ `min`, i.e. (1 ÷ `min` − 1) × direct's for the hop (client and proxy work beyond
 * direct's). Undefined without /proc/stat figures. Pure.
 */
export function hopBudget(t: Record<string, Tput>, min = 0.7): { directUs: number; budgetUs: number; directBusy: number } | undefined {
  const d = t['direct'];
  if (d?.machineCpuUsPerCall === undefined || d.machineBusy === undefined) return undefined;
  return { directUs: r1(d.machineCpuUsPerCall), budgetUs: r1(d.machineCpuUsPerCall * (1 / min - 1)), directBusy: d.machineBusy };
}

function budgetSection(t: Record<string, Tput>): string[] {
  const b = hopBudget(t);
  if (b === undefined) return [];
  return [
    `Hop budget: a direct call costs the machine ${b.directUs} µs of core time (cores ${pct(b.directBusy)} busy in the direct rounds); ` +
      `a ratio of 0.7 leaves ${b.budgetUs} µs per call for the whole hop, client and proxy together.`, '',
    '| mode | machine CPU µs/call | beyond direct | direct ÷ mode (ratio if the cores stay saturated) | measured ratio |', '|---|---|---|---|---|',
    ...Object.entries(t).filter(([m]) => m !== 'direct').map(([m, x]) => {
      const extra = x.machineCpuUsPerCall === undefined ? '—' : r1(x.machineCpuUsPerCall - b.directUs);
      const bound = x.machineCpuUsPerCall === undefined ? '—' : Math.round((b.directUs / x.machineCpuUsPerCall) * 1000) / 1000;
      return `| ${m} | ${us(x.machineCpuUsPerCall)} | ${extra} | ${bound} | ${x.ratioToDirect} |`;
    }),
    '',
  ];
}

function realSection(r: Report['real'][number]): string[] {
  const where = r.agent === 'child' ? 'agent and null proxies in child processes' : 'agent in the bench process (one event loop for client and server)';
  return [
    `## Real echo workers on ${r.runtime}, ${where}`, '',
    ...latencyTable(r.latency), '',
    ...addedTable(r.addedP50Ms), '',
    ...tputTable(r.throughput), '',
    'Hop CPU = client CPU + proxy CPU − direct client CPU, per call. Machine figures come from /proc/stat over each round ' +
      '(workers, kernel, client, proxy and any other work on the machine).', '',
    ...budgetSection(r.throughput),
    `Worker "already reserved" rejections during the run: ${r.workerRejected}.`, '',
  ];
}

function simSection(s: NonNullable<Report['simulated']>): string[] {
  const a = s.timeoutAccuracy;
  return [
    '## SIMULATED workers (secondary: isolates the agent\'s own overhead)', '',
    ...['workers', 'direct', 'proxied', 'grpc', 'grpcHopOnly'].map((k) => `- ${k}: ${String(s.setup[k])}`), '',
    ...latencyTable(s.latency), '',
    ...addedTable(s.addedP50Ms), '',
    ...tputTable(s.throughput, 'not measured'), '',
    `Timeout accuracy (proxied, timeout_ms ${a.requestedMs}, ${a.calls} calls to a worker that never answers): DEADLINE_EXCEEDED after +${a.p50OvershootMs} ms (p50), +${a.maxOvershootMs} ms (max); within 10 %: ${a.maxWithinTenPercent}.`, '',
  ];
}

interface TargetRow { runtime: string; agent: string; mode: string; addedP50Ms: number; addedP50Met: boolean; ratio: number; throughputMet: boolean }

function targetsSection(targets: Record<string, unknown>): string[] {
  const rows = (targets['real'] ?? []) as TargetRow[];
  return [
    '## Targets (issue 7: added p50 ≤ 0.5 ms with 1 caller; throughput ≥ 0.7 × direct)', '',
    '| runtime | agent | mode | added p50, 1 caller | met | ratio to direct | met |', '|---|---|---|---|---|---|---|',
    ...rows.map((x) => `| ${x.runtime} | ${x.agent} | ${x.mode} | ${x.addedP50Ms} ms | ${x.addedP50Met ? 'yes' : 'no'} | ${x.ratio} | ${x.throughputMet ? 'yes' : 'no'} |`),
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
    ...targetsSection(r.targets), '',
  ].join('\n');
}
