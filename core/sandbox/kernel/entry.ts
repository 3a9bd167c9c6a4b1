// The sandbox process's entry point (bundled to dist/sandbox-kernel.mjs). It is started with
// an empty environment, an empty working directory and no arguments but where its
// confinement addon is; it learns the image only through block reads, and confines itself
// before it reads a single byte (see boot.ts for the order).

import { drivers } from '../../fs/registry.js';
import { probeImage } from '../../probe.js';
import { bootKernel } from './boot.js';

bootKernel(drivers, probeImage);
