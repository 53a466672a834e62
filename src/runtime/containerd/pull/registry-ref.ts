/** Parsing of image references into registry host, repository and tag/digest. Pure. */
import { AgentError } from '../../../errors.js';
import { normalizeImageRef } from '../image-ref.js';

export interface RegistryRef {
  /** Normalised full name, used as the image record name. */
  name: string;
  /** Registry host[:port] as written (`docker.io`, `127.0.0.1:5000`). */
  domain: string;
  /** Host to talk to (`registry-1.docker.io` for docker.io). */
  host: string;
  repository: string;
  /** Tag or digest. */
  reference: string;
  isDigest: boolean;
}

/** Pure. Parses `ref` (docker defaults applied). Throws INVALID_ARGUMENT on malformed refs. */
export function parseRegistryRef(ref: string): RegistryRef {
  const name = normalizeImageRef(ref);
  const slash = name.indexOf('/');
  const domain = name.slice(0, slash);
  let rest = name.slice(slash + 1);
  let reference: string;
  let isDigest = false;
  const at = rest.indexOf('@');
  if (at >= 0) {
    reference = rest.slice(at + 1);
    rest = rest.slice(0, at);
    isDigest = true;
  } else {
    const colon = rest.lastIndexOf(':');
    reference = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  if (!/^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/.test(rest)) {
    throw new AgentError('INVALID_ARGUMENT', `image reference "${ref}": invalid repository "${rest}"`, { step: 'pullImage' });
  }
  if (isDigest ? !/^sha256:[a-f0-9]{64}$/.test(reference) : !/^[\w][\w.-]{0,127}$/.test(reference)) {
    throw new AgentError('INVALID_ARGUMENT', `image reference "${ref}": invalid ${isDigest ? 'digest' : 'tag'} "${reference}"`, { step: 'pullImage' });
  }
  return { name, domain, host: domain === 'docker.io' ? 'registry-1.docker.io' : domain, repository: rest, reference, isDigest };
}

/** Pure. True for hosts that default to plain HTTP (loopback). */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\./.test(h);
}
