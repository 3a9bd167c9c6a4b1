// The sandbox process's entry point (bundled to dist/sandbox-kernel.mjs). It is started with
// an empty environment and no arguments, learns the image only through block reads, and
// applies its confinement before it reads a single byte.

import { drivers } from '../../fs/registry.js';
import { probeImage } from '../../probe.js';
import { runKernel } from './main.js';
import { nodePermissionActive, processPort } from './process-port.js';

runKernel(processPort(), {
  drivers,
  probeImage,
  confinement: { nodePermission: nodePermissionActive(), os: null },
});
