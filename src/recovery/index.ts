/** Restart recovery and graceful shutdown (docs/recovery.md): what the composition root uses. */
export { actorSender } from './actor-sender.js';
export { adoptable, adoptExisting, type AdoptResult } from './adopt.js';
export { destroyUnknown, findListed, type DestroyUnknownOptions } from './destroy-unknown.js';
export { reconcileOnce, startReconcile, type ReconcileDeps, type ReconcileLoop, type ReconcileResult, type WorkerSender } from './reconcile.js';
export type { Leftover, LeftoverKind, RecoverableRuntime, RuntimeInventory } from './recoverable-runtime.js';
export { recoverOnStart, type RecoverOnStartOptions, type RecoveryReport } from './recover-on-start.js';
export { recoveryFor } from './recovery-for.js';
export { withUnknownDestroy, type UnknownDestroyer } from './recovering-supervisor.js';
export { gracefulShutdown, type ShutdownDeps, type ShutdownReport } from './shutdown.js';
export { cleanupOnStart } from './startup-cleanup.js';
export { startRecovery, workerNamePrefix, type RecoveryWiring } from './wiring.js';
