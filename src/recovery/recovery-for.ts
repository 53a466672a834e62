/** Picks the {@link RecoverableRuntime} for a runtime: containerd's full one, else the generic one. */
import type { ContainerRuntime } from '../runtime/container-runtime.js';
import { containerdContext } from './containerd-access.js';
import { ContainerdRecovery } from './containerd-recovery.js';
import { GenericRecovery } from './generic-recovery.js';
import type { RecoverableRuntime } from './recoverable-runtime.js';

export interface RecoveryTarget {
  /** `{brand}-{env}-`: the prefix of every worker name of this agent. */
  namePrefix: string;
  /** Epoch ms this agent process started. */
  startedAt: number;
}

/** The recovery implementation for `runtime`. Pure (no I/O until used). */
export function recoveryFor(runtime: ContainerRuntime, target: RecoveryTarget): RecoverableRuntime {
  const ctx = containerdContext(runtime);
  return ctx ? new ContainerdRecovery(runtime, ctx, target) : new GenericRecovery(runtime);
}
