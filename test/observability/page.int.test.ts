/**
 * The live page in a real browser (Debian Chromium via playwright-core) against the whole agent
 * started in-process by the composition root (`startAgent`) on the simulated runtime: workers
 * ensured over gRPC appear, a pause shows up as the highlighted state, a destroy removes the row.
 * Screenshot artifact: test-results/page.png.
 */
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startAgent, type RunningAgent } from '../../src/main.js';
import { SimulatedRuntime } from '../../src/runtime/simulated/simulated-runtime.js';
import { connectAgent, type AgentTestClient } from '../server/helpers/agent-client.js';
import { chromiumAvailable, launchChromium, type LaunchedBrowser } from './helpers/browser.js';

const ENV = {
  ENV: 'page', CONTAINERS_NETWORK: 'esb-page-external', ESB_BRAND_SLUG: 'esbpage', AGENT_RUNTIME: 'simulated',
  AGENT_GRPC_HOST: '127.0.0.1', PORT: '0', AGENT_HTTP_PORT: '0', AGENT_GRPC_TLS_DISABLED: '1',
  AGENT_LOG_LEVEL: 'silent', AGENT_STOP_GRACE_MS: '10', AGENT_SHUTDOWN_TIMEOUT: '2000', AGENT_SHUTDOWN_POLICY: 'destroy',
};

const OWNER = 'gateway-page-test';
const hasChromium = chromiumAvailable();
if (!hasChromium) console.warn('SKIPPING page.int.test.ts: /usr/bin/chromium is missing (apt-get install -y --no-install-recommends chromium)');

describe.skipIf(!hasChromium)('live page (Chromium)', () => {
  let agent: RunningAgent;
  let client: AgentTestClient;
  let browser: LaunchedBrowser;
  let page: Page;
  const ensure = (fn: string) => client.ok<{ id: string; name: string }>('EnsureContainer', {
    function_name: fn, image: `127.0.0.1:5000/esb/${fn}:latest`, env: {}, owner_id: OWNER,
  });
  const row = (id: string) => page.locator(`#workers tbody tr[data-name="${id}"]`);

  beforeAll(async () => {
    const runtime = new SimulatedRuntime({ endpoints: false, latencyMs: { ensureImage: 30, create: 20, start: 20 } });
    agent = await startAgent(ENV, { runtime });
    client = connectAgent(`127.0.0.1:${agent.grpcPort}`);
    browser = await launchChromium();
    page = await browser.context.newPage();
    await page.goto(`http://127.0.0.1:${agent.httpPort}/`);
    await page.waitForSelector('#conn[data-status="live"]', { timeout: 30_000 });
  });
  afterAll(async () => {
    await browser?.close();
    client?.close();
    await agent?.stop('test done');
  });

  it('shows workers ensured over gRPC, a pause as the highlighted state, and a destroy as a removed row', async () => {
    const workers: { id: string; name: string }[] = [];
    for (const fn of ['hello', 'image-resize', 'orders-api', 'thumbnailer']) workers.push(await ensure(fn));
    for (const w of workers) await row(w.id).waitFor({ timeout: 30_000 });
    await expect.poll(() => row(workers[0]!.id).getAttribute('data-state'), { timeout: 30_000 }).toBe('running');

    // Filter narrows the list.
    await page.fill('#filter', 'orders');
    await expect.poll(() => page.locator('#workers tbody tr:not([hidden])').count(), { timeout: 10_000 }).toBe(1);
    await page.fill('#filter', '');

    const target = workers[1]!;
    await row(target.id).click();
    await page.waitForSelector(`#statechart .node.current[data-state="running"]`, { timeout: 30_000 });
    const t0 = Date.now();
    await client.ok('PauseContainer', { container_id: target.id, owner_id: OWNER });
    await page.waitForSelector(`#statechart .node.current[data-state="paused"]`, { timeout: 30_000 });
    console.info(`page showed the paused state ${Date.now() - t0} ms after PauseContainer returned`);
    expect(await row(target.id).getAttribute('data-state')).toBe('paused');
    await expect.poll(() => page.locator('#d-activity li[data-kind="transition"]').first().textContent(), { timeout: 10_000 }).toContain('paused');
    await expect.poll(() => page.locator('#d-metrics').textContent(), { timeout: 10_000 }).toContain('PAUSED');
    expect(await page.locator('#d-metrics').textContent()).toContain('Memory');

    mkdirSync('test-results', { recursive: true });
    await page.screenshot({ path: 'test-results/page.png', fullPage: true });

    await client.ok('DestroyContainer', { container_id: workers[2]!.id, owner_id: OWNER });
    await row(workers[2]!.id).waitFor({ state: 'detached', timeout: 30_000 });
    await client.ok('DestroyContainer', { container_id: target.id, owner_id: OWNER });
    await row(target.id).waitFor({ state: 'detached', timeout: 30_000 });
    await page.waitForSelector('#d-gone:not([hidden])', { timeout: 30_000 });
    await page.waitForSelector('#statechart .node.current[data-state="destroyed"]', { timeout: 30_000 });
    expect(await page.locator('#workers tbody tr').count()).toBe(2);
  });
});
