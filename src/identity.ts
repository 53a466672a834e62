/**
 * Stack identity, naming and labels (contract §0, §2.1). Everything here is pure: no env
 * reads (values are passed in), no clock; randomness only through an injected source.
 *
 * Brand `B` drives every derived name: namespace `B`, CNI network `B-net`, bridge
 * `esb-<4 chars><6 hex of md5>`, subnet `10.x.y.0/23`, label prefix `com.B`, worker names
 * `{B}-{env}-{function}-{8hex}` and the five worker labels.
 */
import { createHash, randomBytes } from 'node:crypto';
import { AgentError } from './errors.js';

/** Which variable the brand came from. */
export type BrandSource = 'ESB_BRAND_SLUG' | 'PROJECT_NAME' | 'CONTAINERS_NETWORK';

/** Inputs of brand resolution: the raw env values. */
export interface BrandInputs {
  ESB_BRAND_SLUG?: string | undefined;
  PROJECT_NAME?: string | undefined;
  ENV?: string | undefined;
  CONTAINERS_NETWORK?: string | undefined;
}

/** The contract's exact message when no brand can be resolved. */
export const UNRESOLVABLE_IDENTITY_MESSAGE =
  'stack identity is not resolvable: set ESB_BRAND_SLUG, or provide PROJECT_NAME/ENV, or provide CONTAINERS_NETWORK';

/** Label keys for brand `B` (§0); `created_by` is a constant key. */
export interface LabelKeys {
  function: string;
  createdBy: 'created_by';
  env: string;
  kind: string;
  owner: string;
}

/** The resolved identity and every name derived from it. */
export interface StackIdentity {
  brand: string;
  source: BrandSource;
  /** Trimmed `ENV`. */
  env: string;
  /** containerd namespace. */
  namespace: string;
  /** CNI network name `B-net`. */
  cniNetwork: string;
  /** Default CNI bridge name (`CNI_BRIDGE` overrides it). */
  bridge: string;
  containerPrefix: string;
  imagePrefix: string;
  /** `B` upper-cased with `-` → `_` (e.g. for `<PREFIX>_TAG`). */
  envPrefix: string;
  /** `com.B`. */
  labelPrefix: string;
  /** `/run/containerd/B/resolv.conf`. */
  resolvConfPath: string;
  labelKeys: LabelKeys;
  /** Value of the `created_by` label: `B-agent`. */
  createdBy: string;
}

/** Thrown when no brand can be resolved; carries the contract's message. */
export class IdentityError extends Error {
  override readonly name = 'IdentityError';
}

/**
 * Sanitises a slug: trim, lowercase, each run of characters outside `[a-z0-9]` becomes one
 * `-`, `-` trimmed from both ends. Returns '' when nothing is left. Pure.
 */
export function normalizeSlug(value: string): string {
  return value.trim().toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
}

/** {@link normalizeSlug} with the fallback `esb` when nothing is left (CNI name, bridge, subnet). Pure. */
export function normalizeBrandSlug(value: string): string {
  return normalizeSlug(value) || 'esb';
}

/** Removes `suffix` from the end of `value` (trimmed) when it matches case-insensitively. */
function trimSuffix(value: string, suffix: string): string {
  const v = value.trim();
  return v.toLowerCase().endsWith(suffix.toLowerCase()) ? v.slice(0, v.length - suffix.length) : v;
}

function trimEnvSuffix(value: string, env: string): string {
  const e = env.trim().toLowerCase();
  if (e === '') return value;
  return trimSuffix(trimSuffix(value, `-${e}`), `_${e}`);
}

function brandFromProject(project: string, env: string): string {
  const p = project.trim();
  if (p === '') return '';
  const lower = p.toLowerCase();
  const e = env.trim().toLowerCase();
  let stripped = p;
  if (e !== '' && (lower.endsWith(`-${e}`) || lower.endsWith(`_${e}`))) stripped = p.slice(0, p.length - e.length - 1);
  return normalizeSlug(stripped) || normalizeSlug(project);
}

function brandFromNetwork(network: string, env: string): string {
  const n = network.trim();
  if (n === '' || ['bridge', 'host', 'none'].includes(n.toLowerCase())) return '';
  const base = trimEnvSuffix(trimSuffix(trimSuffix(n, '-external'), '_external'), env);
  return normalizeSlug(base) || normalizeSlug(network);
}

/**
 * Resolves the brand per §0: `ESB_BRAND_SLUG` → `PROJECT_NAME` minus `-ENV`/`_ENV` →
 * `CONTAINERS_NETWORK` minus `-external` and `-ENV` (bridge/host/none ignored).
 * Throws {@link IdentityError} with the contract's message when none gives a slug.
 */
export function resolveBrand(inputs: BrandInputs): { brand: string; source: BrandSource } {
  const env = inputs.ENV ?? '';
  const slug = normalizeSlug(inputs.ESB_BRAND_SLUG ?? '');
  if (slug) return { brand: slug, source: 'ESB_BRAND_SLUG' };
  const project = brandFromProject(inputs.PROJECT_NAME ?? '', env);
  if (project) return { brand: project, source: 'PROJECT_NAME' };
  const network = brandFromNetwork(inputs.CONTAINERS_NETWORK ?? '', env);
  if (network) return { brand: network, source: 'CONTAINERS_NETWORK' };
  throw new IdentityError(UNRESOLVABLE_IDENTITY_MESSAGE);
}

/** Resolves the brand and derives every name. Throws {@link IdentityError}. Pure. */
export function resolveIdentity(inputs: BrandInputs): StackIdentity {
  const { brand, source } = resolveBrand(inputs);
  return deriveIdentity(brand, source, (inputs.ENV ?? '').trim());
}

/** Every name derived from an already resolved brand. Pure. */
export function deriveIdentity(brand: string, source: BrandSource, env: string): StackIdentity {
  return Object.freeze({
    brand,
    source,
    env,
    namespace: brand,
    cniNetwork: `${normalizeBrandSlug(brand)}-net`,
    bridge: bridgeName(brand),
    containerPrefix: brand,
    imagePrefix: brand,
    envPrefix: brand.toUpperCase().replace(/-/g, '_'),
    labelPrefix: `com.${brand}`,
    resolvConfPath: `/run/containerd/${brand}/resolv.conf`,
    labelKeys: Object.freeze({
      function: `${brand}_function`,
      createdBy: 'created_by' as const,
      env: `${brand}_env`,
      kind: `com.${brand}.kind`,
      owner: `com.${brand}.owner`,
    }),
    createdBy: `${brand}-agent`,
  });
}

function md5(value: string): Buffer {
  return createHash('md5').update(value).digest();
}

/** `esb-` + first 4 chars of the brand without hyphens + first 6 hex of md5(brand). Pure. */
export function bridgeName(brand: string): string {
  const b = normalizeBrandSlug(brand);
  return `esb-${b.replace(/-/g, '').slice(0, 4)}${md5(b).toString('hex').slice(0, 6)}`;
}

/** Number of /23 slots a brand's subnet probe cycles through. */
export const SUBNET_POOL = 32640;

/**
 * The brand's CNI subnet for probe `k` (§0): slot = (uint32_be(md5(B)[0:4]) + k) mod 32640,
 * `10.<slot/128 (+1 from 88 on)>.<(slot%128)*2>.0/23`. Pure.
 */
export function subnetForProbe(brand: string, probe = 0): string {
  const base = md5(normalizeBrandSlug(brand)).readUInt32BE(0) % SUBNET_POOL;
  const slot = (((base + probe) % SUBNET_POOL) + SUBNET_POOL) % SUBNET_POOL;
  let second = Math.floor(slot / 128);
  if (second >= 88) second += 1;
  return `10.${second}.${(slot % 128) * 2}.0/23`;
}

/** The five labels of §0 for a worker (function name raw, owner trimmed). Pure. */
export function workerLabels(identity: StackIdentity, functionName: string, ownerId: string): Record<string, string> {
  const k = identity.labelKeys;
  return {
    [k.function]: functionName,
    [k.createdBy]: identity.createdBy,
    [k.env]: identity.env,
    [k.kind]: 'function',
    [k.owner]: ownerId.trim(),
  };
}

/**
 * The "managed" test of §0: `created_by`, `<B>_env` (equal to `env`) and `com.<B>.kind=function`
 * all match. (List additionally needs a non-empty `<B>_function`.) Pure.
 */
export function isManaged(labels: Readonly<Record<string, string>>, identity: StackIdentity, env: string = identity.env): boolean {
  const k = identity.labelKeys;
  return labels[k.createdBy] === identity.createdBy && labels[k.env] === env && labels[k.kind] === 'function';
}

/** {@link isManaged} plus a non-empty `<B>_function` label: what List reports (§0). Pure. */
export function isListable(labels: Readonly<Record<string, string>>, identity: StackIdentity, env: string = identity.env): boolean {
  return isManaged(labels, identity, env) && (labels[identity.labelKeys.function] ?? '') !== '';
}

/** containerd's identifier rule, which worker names must satisfy. */
export const CONTAINER_NAME_RULE = /^[A-Za-z0-9]+([._-][A-Za-z0-9]+)*$/;
/** containerd's identifier length limit. */
export const CONTAINER_NAME_MAX = 76;

/** Source of random bytes (injected in tests). */
export type RandomBytes = (size: number) => Uint8Array;

/** Why `name` is not a valid containerd identifier, or undefined when it is. Pure. */
export function containerNameProblem(name: string): string | undefined {
  if (name.length > CONTAINER_NAME_MAX) return `it would be ${name.length} characters long, over the limit of ${CONTAINER_NAME_MAX}`;
  if (CONTAINER_NAME_RULE.test(name)) return undefined;
  const bad = /[^A-Za-z0-9._-]/.exec(name);
  if (bad) return `it contains ${JSON.stringify(bad[0])}`;
  return 'it would start or end with a separator or have two separators in a row';
}

/**
 * The worker name `{brand}-{env}-{function}-{8hex}` (§2.1), the hex from `random`.
 * Throws AgentError INVALID_ARGUMENT naming the problem and the rule when `functionName`
 * cannot form a valid containerd identifier (the Go agent surfaced this as INTERNAL).
 */
export function containerName(identity: StackIdentity, functionName: string, random: RandomBytes = randomBytes): string {
  const prefix = `${identity.containerPrefix}-${identity.env}-`;
  const hex = Buffer.from(random(4)).toString('hex').padStart(8, '0').slice(0, 8);
  const name = `${prefix}${functionName}-${hex}`;
  const problem = functionName === '' ? 'it is empty' : containerNameProblem(name);
  if (problem === undefined) return name;
  const max = CONTAINER_NAME_MAX - prefix.length - 9;
  throw new AgentError(
    'INVALID_ARGUMENT',
    `function_name ${JSON.stringify(functionName)} cannot form a container name (${prefix}<function_name>-<8 hex>): ${problem}; ` +
      `allowed: letters, digits and single '.', '_' or '-' between them, at most ${max} characters`,
    { step: 'naming' },
  );
}

/**
 * Image-safe form of a function name (§2.1): lowercase, `[a-z0-9]` kept, a run of `._-`
 * keeps its first character, anything else becomes `-` (merged into a run), `._-` trimmed
 * from both ends. Throws AgentError INVALID_ARGUMENT when nothing is left. Pure.
 */
export function imageSafeName(functionName: string): string {
  const lower = functionName.trim().toLowerCase();
  if (lower === '') throw new AgentError('INVALID_ARGUMENT', 'function name is required', { step: 'naming' });
  let out = '';
  let prevSep = false;
  for (const ch of lower) {
    if (/[a-z0-9]/.test(ch)) {
      out += ch;
      prevSep = false;
    } else if (!prevSep) {
      out += ch === '.' || ch === '_' || ch === '-' ? ch : '-';
      prevSep = true;
    }
  }
  const result = out.replace(/^[._-]+|[._-]+$/g, '');
  if (result === '') throw new AgentError('INVALID_ARGUMENT', `function name ${JSON.stringify(functionName)} yields an empty image name`, { step: 'naming' });
  return result;
}

/**
 * The (unreachable, the API requires an image) fallback image of §2.1:
 * `<registry|registry:5010>/<brand>-<imageSafeName(fn)>:<tag|latest>`. Throws like imageSafeName.
 */
export function fallbackImageName(identity: StackIdentity, functionName: string, registry?: string, tag?: string): string {
  const reg = registry?.trim() || 'registry:5010';
  return `${reg}/${identity.imagePrefix}-${imageSafeName(functionName)}:${tag?.trim() || 'latest'}`;
}

/** Parsed `AWS_LAMBDA_FUNCTION_MEMORY_SIZE`: bytes to limit to, or why it is ignored. */
export interface MemoryLimit {
  bytes: number | undefined;
  /** Set when a value was given but is ignored (log it as a warning). */
  warning?: string | undefined;
}

const MAX_INT64 = (1n << 63n) - 1n;

/**
 * Parses a memory size in MiB (trimmed, like the Docker runtime) into bytes. Missing or
 * blank → no limit; not an integer, ≤ 0 or overflowing int64 / a safe JS integer → no limit
 * plus a warning. Pure.
 */
export function parseMemoryLimit(value: string | undefined): MemoryLimit {
  const raw = value?.trim() ?? '';
  if (raw === '') return { bytes: undefined };
  const ignored = (why: string): MemoryLimit => ({
    bytes: undefined,
    warning: `ignoring AWS_LAMBDA_FUNCTION_MEMORY_SIZE=${JSON.stringify(value)}: ${why}; no memory limit is set`,
  });
  if (!/^[+-]?\d+$/.test(raw)) return ignored('not an integer number of MiB');
  const mib = BigInt(raw);
  if (mib <= 0n) return ignored('it must be greater than 0');
  const bytes = mib * 1024n * 1024n;
  if (bytes > MAX_INT64 || bytes > BigInt(Number.MAX_SAFE_INTEGER)) return ignored('it is too large');
  return { bytes: Number(bytes) };
}
