/**
 * The supervisor as the gRPC server sees it, with one addition: DestroyContainer of an id no
 * actor knows goes to the runtime ({@link destroyUnknown}) instead of "succeeding" silently.
 * Everything else is delegated unchanged.
 */
import { AgentError } from '../errors.js';
import type { CallOptions, Supervisor, WorkerHandle } from '../machines/supervisor-api.js';
import type { WorkerView } from '../machines/worker-types.js';

/** `(containerId, ownerId, opts) → removed?`, e.g. `destroyUnknown` bound to the runtime. */
export type UnknownDestroyer = (containerId: string, ownerId: string, opts?: CallOptions) => Promise<boolean>;

/** Wraps `inner`; `destroy` falls back to `unknown` when no live actor has the id. */
export function withUnknownDestroy(inner: Supervisor, unknown: UnknownDestroyer): Supervisor {
  const known = (id: string, owner: string): boolean => {
    try {
      inner.lookup(id, owner);
      return true;
    } catch (err) {
      if (err instanceof AgentError && err.code === 'NOT_FOUND') return false;
      return true; // PERMISSION_DENIED and the like: the supervisor answers
    }
  };
  return {
    ensure: (req, opts) => inner.ensure(req, opts),
    lookup: (id, owner): WorkerHandle => inner.lookup(id, owner),
    destroy: async (id, owner, opts) => {
      if (known(id, owner)) return inner.destroy(id, owner, opts);
      await unknown(id, owner, opts);
    },
    list: (owner): WorkerView[] => inner.list(owner),
    all: (): WorkerView[] => inner.all(),
    get size() {
      return inner.size;
    },
  };
}
