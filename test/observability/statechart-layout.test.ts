import { describe, expect, it } from 'vitest';
import { eventLabel, machineGraph } from '../../src/observability/machine-graph.js';
import { layoutStatechart } from '../../src/observability/statechart-layout.js';
import { fakeWorkerMachine } from './helpers/fake-supervisor.js';

const graph = machineGraph(fakeWorkerMachine as never);

describe('machineGraph', () => {
  it('lists states with dotted ids, parents and initial children', () => {
    expect(graph.initial).toBe('pulling');
    expect(graph.states.find((s) => s.id === 'destroying')).toMatchObject({ initial: 'destroying.network', children: ['destroying.network', 'destroying.stopping', 'destroying.removing'] });
    expect(graph.states.find((s) => s.id === 'destroying.stopping')?.parent).toBe('destroying');
  });

  it('keeps targeted transitions with short labels and drops targetless ones', () => {
    expect(graph.transitions).toContainEqual(expect.objectContaining({ source: 'running', target: 'pausing', event: 'worker.pause' }));
    expect(graph.transitions.some((t) => t.event === 'worker.touch')).toBe(false);
    expect(eventLabel('step.done.pullImage')).toBe('pullImage ✓');
    expect(eventLabel('step.failed.pullImage')).toBe('pullImage ✗');
    expect(eventLabel('')).toBe('always');
  });
});

describe('layoutStatechart', () => {
  const chart = layoutStatechart(graph);
  const node = (id: string) => chart.nodes.find((n) => n.id === id);

  it('ranks the create path top to bottom and puts children inside their compound', () => {
    const order = ['pulling', 'creating', 'netSetup', 'starting', 'running', 'pausing', 'paused'].map((id) => node(id)?.y ?? -1);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    const parent = node('destroying');
    const child = node('destroying.network');
    expect(child && parent && child.x >= parent.x && child.x + child.w <= parent.x + parent.w).toBe(true);
  });

  it('routes every edge inside the canvas and is deterministic', () => {
    for (const n of chart.nodes) expect(n.x >= 0 && n.x + n.w <= chart.width && n.y + n.h <= chart.height).toBe(true);
    expect(chart.edges.find((e) => e.source === 'resuming' && e.target === 'running')?.direction).toBe('back');
    expect(chart.edges.find((e) => e.source === 'running' && e.target === 'pausing')?.direction).toBe('down');
    expect(JSON.stringify(layoutStatechart(graph))).toBe(JSON.stringify(chart));
  });
});
