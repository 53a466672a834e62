/**
 * Reads an image that is already in containerd's image store: record → (index →) manifest →
 * config, giving the runtime config (entrypoint, cmd, env, …) and the top chain id of its
 * unpacked snapshot. Resolved configs are memoised by manifest digest (content is immutable).
 */
import { AgentError } from '../../errors.js';
import type { ContainerdClient } from './client.js';
import { isNotFound } from './grpc-errors.js';
import { chainId, goArch, imageNameCandidates } from './image-ref.js';
import type { ImageRuntimeConfig } from './oci-spec.js';

interface Descriptor {
  media_type?: string;
  mediaType?: string;
  digest: string;
  size?: string | number;
  platform?: { os?: string; architecture?: string };
}

export interface ResolvedImage {
  /** Name of the image record. */
  name: string;
  /** Digest of the record's target (index or manifest). */
  digest: string;
  config: ImageRuntimeConfig;
  diffIds: string[];
  /** Top chain id: the committed snapshot the container's rootfs is prepared from. */
  chainId: string;
}

const INDEX_TYPES = new Set(['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json']);

export class ImageStore {
  private readonly byDigest = new Map<string, Omit<ResolvedImage, 'name'>>();

  constructor(
    private readonly client: ContainerdClient,
    private readonly arch = goArch(process.arch),
  ) {}

  /** Forgets memoised configs (the adapter calls it after a pull replaced an image). */
  forget(): void {
    this.byDigest.clear();
  }

  /** Resolves `ref` from the image store. Throws NOT_FOUND naming the image and the namespace. */
  async resolve(ref: string, signal?: AbortSignal): Promise<ResolvedImage> {
    for (const name of imageNameCandidates(ref)) {
      let image: { target?: Descriptor } | undefined;
      try {
        const res = await this.client.call<{ image: { target?: Descriptor } }>('images', 'Get', { name }, { signal, what: name });
        image = res.image;
      } catch (err) {
        if (isNotFound(err)) continue;
        throw err;
      }
      if (!image?.target?.digest) continue;
      const cached = this.byDigest.get(image.target.digest);
      if (cached) return { name, ...cached };
      const resolved = await this.readImage(image.target, name, signal);
      this.byDigest.set(resolved.digest, resolved);
      return { name, ...resolved };
    }
    throw new AgentError(
      'NOT_FOUND',
      `image "${ref}" not found in containerd namespace "${this.client.namespace}" (import or pull it first)`,
      { step: 'pullImage' },
    );
  }

  private async readImage(target: Descriptor, name: string, signal?: AbortSignal): Promise<Omit<ResolvedImage, 'name'>> {
    let manifestDesc = target;
    if (INDEX_TYPES.has(mediaType(target))) {
      const index = (await this.readJson(target.digest, signal)) as { manifests?: Descriptor[] };
      const pick = (index.manifests ?? []).find((m) => m.platform?.os === 'linux' && m.platform?.architecture === this.arch)
        ?? (index.manifests ?? []).find((m) => !m.platform);
      if (!pick) throw new AgentError('NOT_FOUND', `image "${name}" has no linux/${this.arch} manifest`, { step: 'pullImage' });
      manifestDesc = pick;
    }
    const manifest = (await this.readJson(manifestDesc.digest, signal)) as { config?: Descriptor; layers?: Descriptor[] };
    if (!manifest.config?.digest) throw new AgentError('INTERNAL', `image "${name}": manifest ${manifestDesc.digest} has no config`, { step: 'pullImage' });
    const cfg = (await this.readJson(manifest.config.digest, signal)) as {
      config?: { Entrypoint?: string[] | null; Cmd?: string[] | null; Env?: string[] | null; WorkingDir?: string; User?: string };
      rootfs?: { diff_ids?: string[] };
    };
    const diffIds = cfg.rootfs?.diff_ids ?? [];
    if (diffIds.length === 0 || diffIds.length !== (manifest.layers ?? []).length) {
      throw new AgentError('INTERNAL', `image "${name}": config has ${diffIds.length} diff ids for ${(manifest.layers ?? []).length} layers`, { step: 'pullImage' });
    }
    const c = cfg.config ?? {};
    return {
      digest: target.digest,
      config: { entrypoint: c.Entrypoint ?? [], cmd: c.Cmd ?? [], env: c.Env ?? [], workingDir: c.WorkingDir ?? '', user: c.User ?? '' },
      diffIds,
      chainId: chainId(diffIds),
    };
  }

  /** Reads a whole blob from the content store and parses it as JSON. */
  private async readJson(digest: string, signal?: AbortSignal): Promise<unknown> {
    const parts = await this.client.collect<{ data: Buffer }>('content', 'Read', { digest, offset: 0, size: 0 }, { signal, what: digest });
    const text = Buffer.concat(parts.map((p) => p.data)).toString('utf8');
    try {
      return JSON.parse(text);
    } catch {
      throw new AgentError('INTERNAL', `content ${digest} is not JSON`, { step: 'pullImage' });
    }
  }
}

function mediaType(d: Descriptor): string {
  return d.media_type ?? d.mediaType ?? '';
}
