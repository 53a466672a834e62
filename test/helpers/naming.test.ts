import { describe, expect, it } from 'vitest';
import { deriveBridge, slug, testBrand } from './naming.js';

describe('test naming', () => {
  it('derives the agent bridge names from the contract test vectors', () => {
    expect(deriveBridge('acme-core')).toBe('esb-acme2467a7');
    expect(deriveBridge('esb')).toBe('esb-esbefb03b');
  });

  it('makes brands that match the esbt- cleanup rule and fit a bridge name', () => {
    const brand = testBrand('Containerd Smoke / start & invoke');
    expect(brand).toMatch(/^esbt-[a-z0-9-]{1,12}-[0-9a-f]{6}$/);
    expect(deriveBridge(brand).length).toBeLessThanOrEqual(15);
    expect(slug('---')).toBe('t');
  });
});
