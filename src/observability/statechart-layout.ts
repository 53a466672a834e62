/**
 * Lays out a machine graph as a top-to-bottom layered statechart, ready to draw as SVG:
 * top-level states are ranked by longest path from the initial state (cycles broken at DFS
 * back edges), compound states are boxes with their children in a row inside, and each
 * transition gets an SVG path: adjacent layers go straight down, longer forward edges bow out on
 * the right, backward edges on the left. Pure and deterministic (same graph → same layout).
 */
import type { GraphTransition, MachineGraph } from './machine-graph.js';

export interface LaidOutNode {
  id: string;
  label: string;
  x: number; y: number; w: number; h: number;
  kind: 'atomic' | 'compound' | 'final' | 'child';
  parent: string | undefined;
}

export interface LaidOutEdge {
  source: string;
  target: string;
  /** Distinct labels of the transitions merged into this edge. */
  labels: string[];
  events: string[];
  /** SVG path data. */
  d: string;
  labelX: number;
  labelY: number;
  /** Labels of edges bowing out to a side start at the bow and run away from the nodes. */
  labelAnchor: 'start' | 'middle' | 'end';
  direction: 'down' | 'forward' | 'back' | 'side';
}

export interface Statechart {
  width: number;
  height: number;
  nodes: LaidOutNode[];
  edges: LaidOutEdge[];
}

const LAYER_GAP = 34;
const NODE_GAP = 28;
const SIDE = 150;
const CHILD_H = 24;
const textW = (s: string, perChar: number, pad: number, min: number): number => Math.max(min, Math.round(s.length * perChar + pad));
const topOf = (id: string): string => id.split('.')[0] ?? id;

/** Ranks top-level states: longest path over forward edges; returns ranks and back edges. */
function rankStates(tops: string[], initial: string | undefined, edges: [string, string][]): { rank: Map<string, number>; back: Set<string> } {
  const out = new Map<string, string[]>(tops.map((t) => [t, []]));
  for (const [a, b] of edges) out.get(a)?.push(b);
  const back = new Set<string>();
  const state = new Map<string, 'open' | 'done'>();
  const dfs = (v: string): void => {
    state.set(v, 'open');
    for (const w of out.get(v) ?? []) {
      if (state.get(w) === 'open') back.add(`${v}>${w}`);
      else if (!state.has(w)) dfs(w);
    }
    state.set(v, 'done');
  };
  for (const t of [...(initial ? [topOf(initial)] : []), ...tops]) if (!state.has(t)) dfs(t);
  const rank = new Map<string, number>(tops.map((t) => [t, 0]));
  // Longest path by repeated relaxation (the DAG is small: a few dozen states).
  for (let changed = true, guard = 0; changed && guard < tops.length + 1; guard++) {
    changed = false;
    for (const [a, b] of edges) {
      if (back.has(`${a}>${b}`)) continue;
      const r = (rank.get(a) ?? 0) + 1;
      if (r > (rank.get(b) ?? 0)) { rank.set(b, r); changed = true; }
    }
  }
  return { rank, back };
}

/** Lays out `graph`. Pure. */
export function layoutStatechart(graph: MachineGraph): Statechart {
  const tops = graph.states.filter((s) => s.parent === undefined);
  const byId = new Map(graph.states.map((s) => [s.id, s]));
  const projected = uniquePairs(graph.transitions.map((t) => [topOf(t.source), topOf(t.target)] as [string, string]).filter(([a, b]) => a !== b));
  const { rank, back } = rankStates(tops.map((t) => t.id), graph.initial, projected);

  const layers: string[][] = [];
  for (const t of tops) (layers[rank.get(t.id) ?? 0] ??= []).push(t.id);
  const size = new Map<string, { w: number; h: number }>();
  for (const t of tops) {
    const kids = t.children.map((c) => byId.get(c)?.key ?? c);
    const kidsW = kids.reduce((sum, k) => sum + textW(k, 6.6, 18, 64), 0) + 8 * Math.max(0, kids.length - 1) + 20;
    const w = Math.max(textW(t.key, 7.4, 30, 92), kids.length > 0 ? kidsW : 0);
    size.set(t.id, { w, h: kids.length > 0 ? 30 + CHILD_H + 10 : 32 });
  }
  orderLayers(layers, projected, back);
  const layerW = layers.map((l) => (l ?? []).reduce((s, id) => s + (size.get(id)?.w ?? 0), 0) + NODE_GAP * Math.max(0, (l ?? []).length - 1));
  const contentW = Math.max(0, ...layerW);
  const nodes: LaidOutNode[] = [];
  let y = 16;
  layers.forEach((layer, i) => {
    if (!layer) return;
    let x = SIDE + (contentW - (layerW[i] ?? 0)) / 2;
    const h = Math.max(...layer.map((id) => size.get(id)?.h ?? 32));
    for (const id of layer) {
      const s = byId.get(id);
      const { w, h: nh } = size.get(id) ?? { w: 92, h: 32 };
      const kind = s && s.children.length > 0 ? 'compound' : s?.type === 'final' ? 'final' : 'atomic';
      nodes.push({ id, label: s?.key ?? id, x, y: y + (h - nh) / 2, w, h: nh, kind, parent: undefined });
      if (s && s.children.length > 0) placeChildren(nodes, s.children.map((c) => byId.get(c)?.key ?? c), s.children, x, y + (h - nh) / 2, id);
      x += w + NODE_GAP;
    }
    y += h + LAYER_GAP;
  });
  const box = new Map(nodes.map((n) => [n.id, n]));
  const edges = routeEdges(graph.transitions, box, rank, back);
  return { width: Math.round(contentW + 2 * SIDE), height: Math.round(y - LAYER_GAP + 16), nodes, edges };
}

function placeChildren(nodes: LaidOutNode[], labels: string[], ids: string[], x0: number, y0: number, parent: string): void {
  let x = x0 + 10;
  ids.forEach((id, i) => {
    const w = textW(labels[i] ?? id, 6.6, 18, 64);
    nodes.push({ id, label: labels[i] ?? id, x, y: y0 + 30, w, h: CHILD_H, kind: 'child', parent });
    x += w + 8;
  });
}

function uniquePairs(pairs: [string, string][]): [string, string][] {
  const seen = new Set<string>();
  return pairs.filter(([a, b]) => (seen.has(`${a}>${b}`) ? false : (seen.add(`${a}>${b}`), true)));
}

/** Orders each layer by the mean position of its predecessors (one top-down sweep). */
function orderLayers(layers: string[][], edges: [string, string][], back: Set<string>): void {
  const pos = new Map<string, number>();
  for (const layer of layers) {
    if (!layer) continue;
    const score = (id: string, i: number): number => {
      const preds = edges.filter(([a, b]) => b === id && !back.has(`${a}>${b}`) && pos.has(a)).map(([a]) => pos.get(a) ?? 0);
      return preds.length > 0 ? preds.reduce((s, p) => s + p, 0) / preds.length : i;
    };
    const scored = layer.map((id, i) => ({ id, s: score(id, i), i }));
    scored.sort((p, q) => p.s - q.s || p.i - q.i);
    scored.forEach((e, i) => { layer[i] = e.id; pos.set(e.id, i); });
  }
}

type Box = LaidOutNode;
const cubic = (x1: number, y1: number, c1x: number, c1y: number, c2x: number, c2y: number, x2: number, y2: number) => ({
  d: `M${r(x1)},${r(y1)} C${r(c1x)},${r(c1y)} ${r(c2x)},${r(c2y)} ${r(x2)},${r(y2)}`,
  // The curve's point at t = 0.5.
  labelX: r((x1 + 3 * c1x + 3 * c2x + x2) / 8),
  labelY: r((y1 + 3 * c1y + 3 * c2y + y2) / 8),
});
const r = (n: number): number => Math.round(n * 10) / 10;

function routeEdges(transitions: GraphTransition[], box: Map<string, Box>, rank: Map<string, number>, back: Set<string>): LaidOutEdge[] {
  const merged = new Map<string, LaidOutEdge>();
  for (const t of transitions) {
    if (t.source === t.target) continue;
    const key = `${t.source}>${t.target}`;
    const existing = merged.get(key);
    if (existing) {
      if (!existing.labels.includes(t.label)) existing.labels.push(t.label);
      if (!existing.events.includes(t.event)) existing.events.push(t.event);
      continue;
    }
    const s = box.get(t.source);
    const g = box.get(t.target);
    if (!s || !g) continue;
    merged.set(key, { source: t.source, target: t.target, labels: [t.label], events: [t.event], ...route(s, g, rank, back) });
  }
  return [...merged.values()];
}

type Route = Pick<LaidOutEdge, 'd' | 'labelX' | 'labelY' | 'labelAnchor' | 'direction'>;

function route(s: Box, g: Box, rank: Map<string, number>, back: Set<string>): Route {
  const rs = rank.get(topOf(s.id)) ?? 0;
  const rt = rank.get(topOf(g.id)) ?? 0;
  const isBack = back.has(`${topOf(s.id)}>${topOf(g.id)}`) || rt < rs;
  if (rs === rt && !isBack) {
    const leftToRight = g.x >= s.x;
    const x1 = leftToRight ? s.x + s.w : s.x;
    const x2 = leftToRight ? g.x : g.x + g.w;
    const y1 = s.y + s.h / 2;
    const y2 = g.y + g.h / 2;
    return { ...cubic(x1, y1, (x1 + x2) / 2, y1, (x1 + x2) / 2, y2, x2, y2), labelAnchor: 'middle', direction: 'side' };
  }
  if (!isBack && rt === rs + 1) {
    const x1 = s.x + s.w / 2;
    const y1 = s.y + s.h;
    const x2 = g.x + g.w / 2;
    const y2 = g.y;
    const dy = (y2 - y1) / 2;
    return { ...cubic(x1, y1, x1, y1 + dy, x2, y2 - dy, x2, y2), labelAnchor: 'middle', direction: 'down' };
  }
  const span = Math.abs(rt - rs);
  const bow = Math.min(22 + 13 * span, SIDE - 12);
  if (isBack) {
    const bx = Math.min(s.x, g.x) - bow;
    return { ...cubic(s.x, s.y + s.h / 2, bx, s.y + s.h / 2, bx, g.y + g.h / 2, g.x, g.y + g.h / 2), labelAnchor: 'end', direction: 'back' };
  }
  const bx = Math.max(s.x + s.w, g.x + g.w) + bow;
  return { ...cubic(s.x + s.w, s.y + s.h / 2, bx, s.y + s.h / 2, bx, g.y + g.h / 2, g.x + g.w, g.y + g.h / 2), labelAnchor: 'start', direction: 'forward' };
}
