/**
 * Child process of the pull bench: pulls one image with ImagePuller into a namespace and
 * prints one JSON line {ms, rssBeforeMb, peakRssMb, peakArrayBuffersMb, fetchedBytes}. RSS is sampled every 5 ms
 * during the pull only, so the figure is the pull's own footprint on top of the baseline.
 *
 *   npx tsx bench/pull.worker.ts <namespace> <ref>
 */
import { ContainerdClient } from '../src/runtime/containerd/client.js';
import { ImagePuller } from '../src/runtime/images/image-puller.js';

const [namespace, ref] = process.argv.slice(2);
if (!namespace || !ref) throw new Error('usage: pull.worker.ts <namespace> <ref>');
const client = new ContainerdClient({ socket: '/run/containerd/containerd.sock', namespace });
const puller = new ImagePuller({ client, snapshotter: 'overlayfs', policy: 'always' });
await client.call('version', 'Version', {}); // connect before timing, as ctr's dial is outside too
global.gc?.();
const rssBefore = process.memoryUsage().rss;
let peak = rssBefore;
let buffers = 0;
const sampler = setInterval(() => {
  const m = process.memoryUsage();
  peak = Math.max(peak, m.rss);
  buffers = Math.max(buffers, m.arrayBuffers);
}, 5);
const t0 = performance.now();
const out = await puller.pull(ref);
const ms = performance.now() - t0;
clearInterval(sampler);
peak = Math.max(peak, process.memoryUsage().rss);
process.stdout.write(`${JSON.stringify({ ms, rssBeforeMb: rssBefore / 2 ** 20, peakRssMb: peak / 2 ** 20, fetchedBytes: out.fetchedBytes, peakArrayBuffersMb: buffers / 2 ** 20 })}\n`);
await puller.close();
client.close();
