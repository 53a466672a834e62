/** What the AgentService handlers are built from (injected by the composition root). */
import type { Logger } from 'pino';
import type { Invoker } from '../../invoke/invoke-api.js';
import type { Supervisor } from '../../machines/supervisor-api.js';

export interface HandlerDeps {
  supervisor: Supervisor;
  invoker: Invoker;
  /** Logs unexpected (non-AgentError) failures with their stack. */
  log: Logger;
  /**
   * Wall clock in epoch ms, used for `collected_at`.
   * @default Date.now
   */
  now?: (() => number) | undefined;
}
