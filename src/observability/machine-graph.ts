/**
 * Reads a machine definition (its root StateNode) into a plain, JSON-safe graph for drawing:
 * states (dotted paths, parents, types, initial children) and transitions (source, target,
 * event, short label), including eventless `always` transitions and leaving out targetless
 * ones (they only run actions). Works for any XState v5 machine; pure.
 */

/** The StateNode fields we read (structural, so tests can pass a literal). */
export interface StateNodeLike {
  key: string;
  path: readonly string[];
  type: string;
  states: Readonly<Record<string, StateNodeLike>>;
  transitions: ReadonlyMap<string, readonly TransitionLike[]>;
  always?: readonly TransitionLike[] | undefined;
  initial?: { target: readonly { path: readonly string[] }[] } | undefined;
}
interface TransitionLike {
  eventType: string;
  target?: readonly { path: readonly string[] }[] | undefined;
  guard?: unknown;
}

export interface GraphState {
  /** Dotted path from the root, e.g. `destroying.network`. */
  id: string;
  key: string;
  parent: string | undefined;
  type: string;
  /** The initial child of a compound state. */
  initial: string | undefined;
  children: string[];
}

export interface GraphTransition {
  source: string;
  target: string;
  /** The event type ('' for eventless `always`). */
  event: string;
  /** Short label: `pullImage ✓` for done, `pullImage ✗` for error, `always` for eventless. */
  label: string;
  guarded: boolean;
}

export interface MachineGraph {
  id: string;
  /** The root's initial state. */
  initial: string | undefined;
  states: GraphState[];
  transitions: GraphTransition[];
}

/** Short human label for an event type. Pure. */
export function eventLabel(event: string): string {
  if (event === '') return 'always';
  // `step.done.<step>`; journals of version 1 hold `xstate.done.actor.<step>`.
  const done = /^(?:step\.done|xstate\.done\.actor)\.(.+)$/.exec(event);
  if (done) return `${done[1]} ✓`;
  const error = /^(?:step\.failed|xstate\.error\.actor)\.(.+)$/.exec(event);
  if (error) return `${error[1]} ✗`;
  return event;
}

const pathId = (path: readonly string[]): string => path.join('.');

/** Builds the graph of `machine.root`. Pure; throws nothing for well-formed machines. */
export function machineGraph(machine: { id: string; root: StateNodeLike }): MachineGraph {
  const states: GraphState[] = [];
  const transitions: GraphTransition[] = [];
  const visit = (node: StateNodeLike, parent: string | undefined): void => {
    const id = pathId(node.path);
    const children = Object.values(node.states);
    if (node.path.length > 0) {
      states.push({
        id, key: node.key, parent, type: node.type,
        initial: children.length > 0 && node.initial?.target[0] ? pathId(node.initial.target[0].path) : undefined,
        children: children.map((c) => pathId(c.path)),
      });
      const all = [...[...node.transitions.values()].flat(), ...(node.always ?? [])];
      for (const t of all) {
        for (const target of t.target ?? []) {
          transitions.push({
            source: id, target: pathId(target.path), event: t.eventType,
            label: eventLabel(t.eventType), guarded: t.guard !== undefined,
          });
        }
      }
    }
    for (const child of children) visit(child, node.path.length > 0 ? id : undefined);
  };
  visit(machine.root, undefined);
  const initial = machine.root.initial?.target[0];
  return { id: machine.id, initial: initial ? pathId(initial.path) : undefined, states, transitions };
}
