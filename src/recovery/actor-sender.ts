/** Sends reconcile events straight to worker actors through the actor system (`system.get(name)`). */
import type { AnyActorRef } from 'xstate';
import type { WorkerSender } from './reconcile.js';

/** A {@link WorkerSender} over an actor system; sends only what the actor's current state accepts. */
export function actorSender(system: { get(id: string): AnyActorRef | undefined }): WorkerSender {
  return (name, event) => {
    const ref = system.get(name);
    const snap = ref?.getSnapshot() as { status?: string; can?: (e: unknown) => boolean } | undefined;
    if (!ref || snap?.status !== 'active' || !snap.can?.(event)) return false;
    ref.send(event);
    return true;
  };
}
