/**
 * The InvokeWorker proxy as the server sees it: the handler validates the request shape,
 * then hands it here. Worker errors (HTTP 4xx/5xx, X-Amz-Function-Error) come back as data;
 * only agent-side failures reject (with an AgentError).
 */
export interface InvokeRequest {
  containerId: string;
  ownerId: string;
  /** Request path; default and normalisation per contract §4. */
  path: string;
  payload: Buffer;
  headers: Readonly<Record<string, string>>;
  /** 0 means the default (30 s). */
  timeoutMs: number;
}

export interface InvokeResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * A caller's cancellation as callbacks, a cheaper stand-in for an AbortSignal (the gRPC
 * handler passes its call watcher): `onAbort` runs `fn` with the reason once the caller aborts
 * (at once if it has) and returns a remover.
 */
export interface CallerAbort {
  readonly aborted: boolean;
  readonly reason: unknown;
  onAbort(fn: (reason: unknown) => void): () => void;
}

export interface Invoker {
  /**
   * Proxies one invocation to the worker.
   * @throws AgentError NOT_FOUND, PERMISSION_DENIED, FAILED_PRECONDITION, RESOURCE_EXHAUSTED,
   *   DEADLINE_EXCEEDED, CANCELLED, UNAVAILABLE (outcome unknown), INTERNAL.
   */
  invoke(req: InvokeRequest, opts: { signal?: AbortSignal | CallerAbort | undefined }): Promise<InvokeResponse>;
  /** Closes every pooled connection. */
  close(): Promise<void>;
}
