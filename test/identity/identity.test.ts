import { describe, expect, it } from 'vitest';
import { AgentError } from '../../src/errors.js';
import {
  bridgeName, containerName, isListable, containerNameProblem, deriveIdentity, fallbackImageName, IdentityError, imageSafeName, isManaged,
  normalizeBrandSlug, normalizeSlug, parseMemoryLimit, resolveBrand, resolveIdentity, subnetForProbe, SUBNET_POOL,
  UNRESOLVABLE_IDENTITY_MESSAGE, workerLabels,
} from '../../src/identity.js';

const fixed = (bytes: number[]) => () => Uint8Array.from(bytes);

describe('identity: brand resolution (§0, §7.1 TestResolveStackIdentityFrom)', () => {
  it.each([
    [{ ESB_BRAND_SLUG: 'Acme_Main' }, 'acme-main', 'ESB_BRAND_SLUG'],
    [{ PROJECT_NAME: 'acme-dev', ENV: 'dev' }, 'acme', 'PROJECT_NAME'],
    [{ CONTAINERS_NETWORK: 'acme-prod-external', ENV: 'prod' }, 'acme', 'CONTAINERS_NETWORK'],
    [{ CONTAINERS_NETWORK: 'esb-default-external', ENV: 'default' }, 'esb', 'CONTAINERS_NETWORK'],
    [{ PROJECT_NAME: 'Acme_PROD', ENV: 'prod' }, 'acme', 'PROJECT_NAME'],
    [{ PROJECT_NAME: '-dev', ENV: 'dev' }, 'dev', 'PROJECT_NAME'],
    [{ ESB_BRAND_SLUG: '  ', PROJECT_NAME: 'p', CONTAINERS_NETWORK: 'n' }, 'p', 'PROJECT_NAME'],
    [{ CONTAINERS_NETWORK: 'Shop_External' }, 'shop', 'CONTAINERS_NETWORK'],
  ])('resolves %j to %s from %s', (inputs, brand, source) => {
    expect(resolveBrand(inputs)).toEqual({ brand, source });
  });

  it.each([[{}], [{ CONTAINERS_NETWORK: 'bridge' }], [{ CONTAINERS_NETWORK: 'HOST', ENV: 'x' }], [{ CONTAINERS_NETWORK: 'none' }]])(
    'fails with the contract message for %j',
    (inputs) => {
      expect(() => resolveBrand(inputs)).toThrow(IdentityError);
      expect(() => resolveBrand(inputs)).toThrow(UNRESOLVABLE_IDENTITY_MESSAGE);
    },
  );
});

describe('identity: slugs', () => {
  it('sanitises runs of other characters into one hyphen and trims hyphens', () => {
    expect(normalizeSlug('  Acme__Main!! ')).toBe('acme-main');
    expect(normalizeSlug('---')).toBe('');
    expect(normalizeBrandSlug('---')).toBe('esb');
    expect(normalizeBrandSlug('X')).toBe('x');
  });
});

describe('identity: derived names', () => {
  it('derives every name for acme-core (TestStackIdentityDerivedValues)', () => {
    const id = deriveIdentity('acme-core', 'ESB_BRAND_SLUG', 'dev');
    expect(id).toMatchObject({
      namespace: 'acme-core',
      cniNetwork: 'acme-core-net',
      bridge: 'esb-acme2467a7',
      containerPrefix: 'acme-core',
      imagePrefix: 'acme-core',
      envPrefix: 'ACME_CORE',
      labelPrefix: 'com.acme-core',
      resolvConfPath: '/run/containerd/acme-core/resolv.conf',
      createdBy: 'acme-core-agent',
    });
    expect(Object.isFrozen(id)).toBe(true);
  });

  it('gives the esb vectors (TestStackIdentityEsbUsesDerivedValues)', () => {
    const id = resolveIdentity({ CONTAINERS_NETWORK: 'esb-default-external', ENV: 'default' });
    expect([id.cniNetwork, id.bridge, subnetForProbe(id.brand)]).toEqual(['esb-net', 'esb-esbefb03b', '10.184.208.0/23']);
  });

  it('computes bridge and subnet vectors of §0', () => {
    expect(bridgeName('acme-core')).toBe('esb-acme2467a7');
    expect(bridgeName('esb')).toBe('esb-esbefb03b');
    expect(subnetForProbe('acme-core')).toBe('10.104.4.0/23');
    expect(subnetForProbe('acme-core', 1)).toBe('10.104.6.0/23');
    expect(subnetForProbe('esb')).toBe('10.184.208.0/23');
  });

  it('keeps brands apart (TestStackIdentityBrandIsolationDerivation)', () => {
    const a = deriveIdentity('a', 'ESB_BRAND_SLUG', 'e');
    const b = deriveIdentity('b', 'ESB_BRAND_SLUG', 'e');
    expect(a.cniNetwork).not.toBe(b.cniNetwork);
    expect(a.bridge).not.toBe(b.bridge);
    expect(subnetForProbe('a')).not.toBe(subnetForProbe('b'));
  });

  it('shapes every probe as 10.x.even.0/23 with x != 88, and wraps at the pool size', () => {
    for (const brand of ['esb', 'acme-core', 'a', 'b', 'zzz']) {
      for (const k of [0, 1, 2, 500, 32639]) {
        const m = /^10\.(\d+)\.(\d+)\.0\/23$/.exec(subnetForProbe(brand, k));
        expect(m).not.toBeNull();
        expect(Number(m![1])).not.toBe(88);
        expect(Number(m![1])).toBeLessThanOrEqual(255);
        expect(Number(m![2]) % 2).toBe(0);
      }
      expect(subnetForProbe(brand, 1)).not.toBe(subnetForProbe(brand));
      expect(subnetForProbe(brand, SUBNET_POOL)).toBe(subnetForProbe(brand));
    }
  });
});

describe('identity: labels', () => {
  const acme = deriveIdentity('acme', 'ESB_BRAND_SLUG', 'prod');

  it('builds the five labels for brand acme (TestApplyIdentityUpdatesRuntimeLabels)', () => {
    expect(acme.labelKeys).toEqual({
      function: 'acme_function', createdBy: 'created_by', env: 'acme_env', kind: 'com.acme.kind', owner: 'com.acme.owner',
    });
    expect(workerLabels(acme, 'My Fn', ' gw-1 ')).toEqual({
      acme_function: 'My Fn', created_by: 'acme-agent', acme_env: 'prod', 'com.acme.kind': 'function', 'com.acme.owner': 'gw-1',
    });
  });

  it('counts a container as managed only when created_by, env and kind all match', () => {
    const labels = workerLabels(acme, 'fn', 'o');
    expect(isManaged(labels, acme)).toBe(true);
    expect(isManaged(labels, acme, 'dev')).toBe(false);
    expect(isManaged({ ...labels, created_by: 'esb-agent' }, acme)).toBe(false);
    expect(isManaged({ ...labels, 'com.acme.kind': 'other' }, acme)).toBe(false);
    const { acme_env: _drop, ...noEnv } = labels;
    expect(isManaged(noEnv, acme)).toBe(false);
  });

  it('lists a managed container only when its function label is non-empty', () => {
    expect(isListable(workerLabels(acme, 'fn', 'o'), acme)).toBe(true);
    expect(isListable(workerLabels(acme, '', 'o'), acme)).toBe(false);
    expect(isListable({ ...workerLabels(acme, 'fn', 'o'), acme_env: 'dev' }, acme)).toBe(false);
  });
});

describe('identity: container names', () => {
  const id = deriveIdentity('esb', 'CONTAINERS_NETWORK', 'default');

  it('builds {brand}-{env}-{function}-{8hex} from the injected random source', () => {
    expect(containerName(id, 'hello_World.v2', fixed([0xde, 0xad, 0xbe, 0xef]))).toBe('esb-default-hello_World.v2-deadbeef');
  });

  it('uses crypto randomness by default', () => {
    expect(containerName(id, 'fn')).toMatch(/^esb-default-fn-[0-9a-f]{8}$/);
  });

  it.each([
    ['', /it is empty/],
    ['my fn', /contains " "/],
    ['fn/../x', /contains "\/"/],
    ['-fn', /two separators in a row/],
    ['fn_', /separator/],
    ['a'.repeat(60), /over the limit of 76/],
  ])('refuses function_name %j with INVALID_ARGUMENT saying why and what is allowed', (fn, why) => {
    let err: unknown;
    try {
      containerName(id, fn, fixed([0, 0, 0, 1]));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AgentError);
    expect(err).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect((err as Error).message).toMatch(why);
    expect((err as Error).message).toMatch(/allowed: letters, digits and single '\.', '_' or '-' between them, at most 55 characters/);
  });

  it('accepts a function_name of exactly the longest allowed length', () => {
    expect(containerName(id, 'a'.repeat(55), fixed([1, 2, 3, 4]))).toHaveLength(76);
  });

  it('reports no problem for valid identifiers', () => {
    expect(containerNameProblem('a.b_c-d')).toBeUndefined();
    expect(containerNameProblem('a..b')).toMatch(/two separators/);
  });
});

describe('identity: image names', () => {
  const esb = deriveIdentity('esb', 'CONTAINERS_NETWORK', 'default');

  it('maps Lambda_One to esb-lambda_one', () => {
    expect(`${esb.imagePrefix}-${imageSafeName('Lambda_One')}`).toBe('esb-lambda_one');
  });

  it('collapses separator runs to their first character and other characters to one hyphen', () => {
    expect(imageSafeName('  ..My  Func__-.x!! ')).toBe('my-func_x');
  });

  it('refuses names that leave nothing', () => {
    expect(() => imageSafeName('___')).toThrow(/empty image name/);
    expect(() => imageSafeName('  ')).toThrow(/required/);
  });

  it('builds the fallback image with registry and tag defaults', () => {
    expect(fallbackImageName(esb, 'Lambda_One')).toBe('registry:5010/esb-lambda_one:latest');
    expect(fallbackImageName(esb, 'f', '127.0.0.1:5000', 'v1')).toBe('127.0.0.1:5000/esb-f:v1');
  });
});

describe('identity: memory limit (TestDockerMemoryLimitBytes)', () => {
  it.each([
    [undefined, undefined, false],
    ['', undefined, false],
    ['256', 268435456, false],
    [' 128 ', 134217728, false],
    ['+1', 1048576, false],
    ['abc', undefined, true],
    ['1.5', undefined, true],
    ['0', undefined, true],
    ['-5', undefined, true],
    ['99999999999999999999', undefined, true],
    ['9007199254740991', undefined, true],
  ])('parses %j to %s (warning: %s)', (value, bytes, warns) => {
    const r = parseMemoryLimit(value);
    expect(r.bytes).toBe(bytes);
    expect(r.warning !== undefined).toBe(warns);
    if (warns) expect(r.warning).toMatch(/AWS_LAMBDA_FUNCTION_MEMORY_SIZE/);
  });
});
