import { requireRuntimes } from '../helpers/index.js';
import { defineRealWorkerSuite } from './helpers/real-suite.js';
import { startDockerEcho } from './helpers/real-worker.js';

const rt = await requireRuntimes(['docker', 'image'], 'test/invoke/invoker-docker.int.test.ts');
defineRealWorkerSuite('dockerd', 'invoke-dkr', !rt.ok, startDockerEcho);
