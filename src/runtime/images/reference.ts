/**
 * Image reference parsing (docker/distribution grammar, simplified): registry host, repository,
 * tag and/or digest, with Docker Hub defaults. All pure.
 */
import { AgentError } from '../../errors.js';

/** A parsed image reference. */
export interface ImageReference {
  /** Registry as written in the name (`docker.io`, `127.0.0.1:5000`). */
  domain: string;
  /** Host actually contacted (`registry-1.docker.io` for `docker.io`). */
  host: string;
  /** Repository path (`library/busybox`, `esb/echo`). */
  repository: string;
  /** Tag; `latest` when neither tag nor digest was given. */
  tag?: string | undefined;
  /** `sha256:<hex>` when the reference pins a digest. */
  digest?: string | undefined;
  /** Fully qualified name used as the containerd image record name. */
  name: string;
}

const DOCKER_HUB = 'docker.io';
const DOCKER_HUB_HOST = 'registry-1.docker.io';
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;
const DOMAIN = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::\d+)?$|^\[[0-9a-fA-F:.]+\](?::\d+)?$/;

function invalid(ref: string, why: string): AgentError {
  return new AgentError('INVALID_ARGUMENT', `invalid image reference "${ref}": ${why}`, { step: 'pullImage' });
}

/** Pure. True when the first path part names a registry (has `.` or `:`, or is `localhost`). */
function looksLikeDomain(part: string): boolean {
  return part.includes('.') || part.includes(':') || part === 'localhost' || part.startsWith('[');
}

/**
 * Pure. Parses `[domain/]repo[:tag][@sha256:…]`. `busybox` → docker.io/library/busybox:latest.
 * Throws INVALID_ARGUMENT on a malformed reference.
 */
export function parseReference(input: string): ImageReference {
  const ref = input.trim();
  if (ref === '') throw invalid(input, 'empty');
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw invalid(ref, `digest "${digest}" is not sha256:<64 hex>`);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw invalid(ref, `tag "${tag}" is not valid`);
  }
  const slash = rest.indexOf('/');
  let domain = DOCKER_HUB;
  let repository = rest;
  if (slash !== -1 && looksLikeDomain(rest.slice(0, slash))) {
    domain = rest.slice(0, slash);
    repository = rest.slice(slash + 1);
  }
  if (!DOMAIN.test(domain)) throw invalid(ref, `registry "${domain}" is not a host[:port]`);
  if (domain === DOCKER_HUB && !repository.includes('/')) repository = `library/${repository}`;
  if (repository === '' || !repository.split('/').every((p) => PATH_COMPONENT.test(p))) {
    throw invalid(ref, `repository "${repository}" must be lowercase path components`);
  }
  if (!tag && !digest) tag = 'latest';
  const name = `${domain}/${repository}${tag ? `:${tag}` : ''}${digest ? `@${digest}` : ''}`;
  return { domain, host: domain === DOCKER_HUB ? DOCKER_HUB_HOST : domain, repository, tag, digest, name };
}

/** Pure. What to ask the registry's manifest endpoint for: the digest when pinned, else the tag. */
export function manifestReference(ref: ImageReference): string {
  return ref.digest ?? ref.tag ?? 'latest';
}

/** Pure. True for `localhost`, 127.0.0.0/8 and `[::1]` hosts (with or without a port). */
export function isLoopbackHost(hostPort: string): boolean {
  const host = hostPort.startsWith('[') ? hostPort.slice(1, hostPort.indexOf(']')) : hostPort.replace(/:\d+$/, '');
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** Pure. Hostname without the port (`127.0.0.1` for `127.0.0.1:5000`), for distribution.source labels. */
export function hostnameOf(domain: string): string {
  return domain.startsWith('[') ? domain.slice(0, domain.indexOf(']') + 1) : domain.replace(/:\d+$/, '');
}
