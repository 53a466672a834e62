/**
 * Our CNI executor (CNI spec 1.0 / libcni 1.1 behaviour): ADD runs the
 * conflist's plugins in order with `name`, `cniVersion`, `prevResult` and `runtimeConfig`
 * injected and caches the final result; DEL runs them in reverse with the cached result; CHECK
 * runs forward with it; GC deletes cached attachments that are no longer valid. Operations on
 * one container id are serialised.
 */
import { AgentError } from '../../errors.js';
import type { NetworkConfigList } from './conflist.js';
import { KeyedLock } from './keyed-lock.js';
import { execPlugin } from './plugin-exec.js';
import {
  cachedConfig,
  type CacheEntry,
  type CniResult,
  deleteCacheEntry,
  listCacheEntries,
  readCacheEntry,
  writeCacheEntry,
} from './result-cache.js';

export interface CniExecutorOptions {
  /** Plugin directories searched in order (`CNI_BIN_DIR`). */
  binDirs: readonly string[];
  /** Result cache dir. @default /var/lib/cni/results */
  cacheDir: string;
  /** Kill a plugin after this long. @default 30000 */
  pluginTimeoutMs?: number | undefined;
}

/** One attachment of a container to a network. */
export interface RuntimeConf {
  containerId: string;
  /** Netns path; may be empty or gone on DEL. */
  netns: string;
  ifName: string;
  args?: ReadonlyArray<readonly [string, string]> | undefined;
  /** Capability arguments (portMappings, dns, …), passed to plugins that declare them. */
  capabilityArgs?: Readonly<Record<string, unknown>> | undefined;
}

/** The loopback network go-cni's WithLoNetwork adds. */
export const LOOPBACK_CONFLIST: NetworkConfigList = {
  cniVersion: '1.0.0',
  name: 'cni-loopback',
  plugins: [{ type: 'loopback' }],
};

export class CniExecutor {
  private readonly lock = new KeyedLock();
  private readonly timeoutMs: number;

  constructor(private readonly opts: CniExecutorOptions) {
    this.timeoutMs = opts.pluginTimeoutMs ?? 30_000;
  }

  get cacheDir(): string {
    return this.opts.cacheDir;
  }

  /**
   * ADD: plugins in order; caches and returns the final result. With `loopback`, `lo` is brought
   * up at the same time (it touches only `lo`; go-cni also attaches its networks concurrently);
   * both have finished before this settles. Throws AgentError (nothing is undone: call DEL).
   */
  add(list: NetworkConfigList, rt: RuntimeConf, opts: { cache?: boolean; loopback?: boolean } = {}): Promise<CniResult> {
    return this.lock.run(rt.containerId, async () => {
      const lo = opts.loopback ? this.loopbackUnlocked(rt.containerId, rt.netns) : Promise.resolve();
      const [loR, addR] = await Promise.allSettled([lo, this.addUnlocked(list, rt, opts)]);
      if (addR.status === 'rejected') throw addR.reason;
      if (loR.status === 'rejected') throw loR.reason;
      return addR.value;
    });
  }

  private async addUnlocked(list: NetworkConfigList, rt: RuntimeConf, opts: { cache?: boolean }): Promise<CniResult> {
    let prev: CniResult | undefined;
    for (const plugin of list.plugins) {
      const out = await execPlugin(plugin.type, this.pluginConfig(list, plugin, rt, prev), this.call('ADD', rt));
      prev = (out as CniResult | undefined) ?? prev;
    }
    const result = prev ?? {};
    if (opts.cache !== false) {
      const entry: CacheEntry = {
        kind: 'cniCacheV1',
        containerId: rt.containerId,
        config: Buffer.from(JSON.stringify(list)).toString('base64'),
        ifName: rt.ifName,
        networkName: list.name,
        result,
      };
      if (rt.args?.length) entry.cniArgs = rt.args.map(([k, v]) => [k, v]);
      if (rt.capabilityArgs) entry.capabilityArgs = { ...rt.capabilityArgs };
      await writeCacheEntry(this.opts.cacheDir, entry);
    }
    return result;
  }

  /**
   * DEL: plugins in reverse with the cached result as prevResult (the cached conflist is used when
   * present, so a changed config cannot strand an attachment); removes the cache entry. Idempotent.
   * With `onlyIfCached`, an attachment without a cache entry is left alone (checked under the
   * container's lock, so a concurrent ADD finishes first and is then deleted).
   */
  del(list: NetworkConfigList, rt: RuntimeConf, opts: { onlyIfCached?: boolean } = {}): Promise<void> {
    return this.lock.run(rt.containerId, async () => {
      const entry = await readCacheEntry(this.opts.cacheDir, list.name, rt.containerId, rt.ifName);
      if (!entry && opts.onlyIfCached) return;
      const effective = (entry && cachedConfig(entry)) || list;
      const prev = entry?.result;
      const capabilityArgs = rt.capabilityArgs ?? entry?.capabilityArgs;
      for (const plugin of [...effective.plugins].reverse()) {
        const conf = this.pluginConfig(effective, plugin, { ...rt, capabilityArgs }, prev);
        await execPlugin(plugin.type, conf, this.call('DEL', rt));
      }
      await deleteCacheEntry(this.opts.cacheDir, list.name, rt.containerId, rt.ifName);
    });
  }

  /** CHECK: forward with the cached result. Throws NOT_FOUND without one, FAILED_PRECONDITION when disabled. */
  check(list: NetworkConfigList, rt: RuntimeConf): Promise<void> {
    return this.lock.run(rt.containerId, async () => {
      if (list.disableCheck) throw new AgentError('FAILED_PRECONDITION', `CNI CHECK is disabled for ${list.name}`, { step: 'cni' });
      const entry = await readCacheEntry(this.opts.cacheDir, list.name, rt.containerId, rt.ifName);
      if (!entry) throw new AgentError('NOT_FOUND', `no cached CNI result for ${rt.containerId} on ${list.name}`, { step: 'cni' });
      for (const plugin of list.plugins) {
        await execPlugin(plugin.type, this.pluginConfig(list, plugin, rt, entry.result), this.call('CHECK', rt));
      }
    });
  }

  /** Cached ADD result of an attachment, if any (survives agent restarts). */
  async cachedResult(networkName: string, containerId: string, ifName: string): Promise<CniResult | undefined> {
    return (await readCacheEntry(this.opts.cacheDir, networkName, containerId, ifName))?.result;
  }

  /**
   * GC: every cached attachment of `list` whose container id is not valid is deleted (DEL with
   * its cached result, no netns). `valid` is evaluated after the cache was read: a container
   * always exists before its ADD, so one created meanwhile cannot be mistaken for stale. The
   * spec-1.1 GC command is not used: the bookworm plugins speak 1.0.0 only. Returns the ids
   * collected and the errors of single entries.
   */
  async gc(
    list: NetworkConfigList,
    valid: ReadonlySet<string> | (() => Promise<ReadonlySet<string>>),
  ): Promise<{ removed: string[]; failed: AgentError[] }> {
    const entries = await listCacheEntries(this.opts.cacheDir, list.name);
    const keep = typeof valid === 'function' ? await valid() : valid;
    const removed: string[] = [];
    const failed: AgentError[] = [];
    for (const e of entries) {
      if (keep.has(e.containerId)) continue;
      try {
        await this.del(list, { containerId: e.containerId, netns: '', ifName: e.ifName });
        removed.push(e.containerId);
      } catch (err) {
        failed.push(err as AgentError);
      }
    }
    return { removed, failed };
  }

  /** Brings `lo` up in the netns (the loopback plugin); not cached. */
  async loopbackUp(containerId: string, netns: string): Promise<void> {
    await this.lock.run(containerId, () => this.loopbackUnlocked(containerId, netns));
  }

  private async loopbackUnlocked(containerId: string, netns: string): Promise<void> {
    const plugin = LOOPBACK_CONFLIST.plugins[0]!;
    const rt: RuntimeConf = { containerId, netns, ifName: 'lo' };
    await execPlugin('loopback', this.pluginConfig(LOOPBACK_CONFLIST, plugin, rt, undefined), this.call('ADD', rt));
  }

  /** Asks a plugin for its supported versions (CNI VERSION). Throws when it is missing. */
  async version(type: string): Promise<{ cniVersion: string; supportedVersions: string[] }> {
    const out = await execPlugin(type, { cniVersion: '1.0.0' }, { command: 'VERSION', binDirs: this.opts.binDirs, timeoutMs: this.timeoutMs });
    return out as { cniVersion: string; supportedVersions: string[] };
  }

  private call(command: 'ADD' | 'DEL' | 'CHECK', rt: RuntimeConf) {
    return {
      command,
      containerId: rt.containerId,
      netns: rt.netns,
      ifName: rt.ifName,
      args: rt.args,
      binDirs: this.opts.binDirs,
      timeoutMs: this.timeoutMs,
    };
  }

  /** Pure. The stdin of one plugin (spec §3 / libcni buildOneConfig + injectRuntimeConfig). */
  private pluginConfig(
    list: NetworkConfigList,
    plugin: NetworkConfigList['plugins'][number],
    rt: RuntimeConf,
    prev: CniResult | undefined,
  ): Record<string, unknown> {
    const conf: Record<string, unknown> = { ...plugin, name: list.name, cniVersion: list.cniVersion };
    if (prev) conf['prevResult'] = prev;
    const runtimeConfig: Record<string, unknown> = {};
    for (const [cap, on] of Object.entries(plugin.capabilities ?? {})) {
      if (on && rt.capabilityArgs?.[cap] !== undefined) runtimeConfig[cap] = rt.capabilityArgs[cap];
    }
    if (Object.keys(runtimeConfig).length > 0) conf['runtimeConfig'] = runtimeConfig;
    return conf;
  }
}
