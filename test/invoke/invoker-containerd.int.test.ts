import { requireRuntimes } from '../helpers/index.js';
import { defineRealWorkerSuite } from './helpers/real-suite.js';
import { startContainerdEcho } from './helpers/real-worker.js';

const rt = await requireRuntimes(['containerd', 'cni', 'image'], 'test/invoke/invoker-containerd.int.test.ts');
defineRealWorkerSuite('containerd', 'invoke-ctr', !rt.ok, startContainerdEcho);
