// Starts a kernel inside its own process, in the order that matters:
//   1. the channel to the host exists (Node IPC or Electron's parentPort);
//   2. the kernel confines itself (confine/), before it has read a byte of the image;
//   3. the server is constructed, which sends the Hello reporting that confinement;
//   4. only then do Calls, and the block reads they make, arrive.
// The shipped kernel and the test-only hostile kernel both start here, so they are confined
// the same way.

import type { FsDriver } from '../../fs/types.js';
import type { ProbeImage } from '../../probe.js';
import { confineSelf, parseKernelArgs, PROCESS_TITLE } from '../confine/index.js';
import { selfTest } from '../confine/selftest.js';
import { runKernel } from './main.js';
import { nodePermissionActive, processPort } from './process-port.js';
import type { KernelServer } from './server.js';

export function bootKernel(drivers: readonly FsDriver[], probeImage: ProbeImage): KernelServer {
  process.title = PROCESS_TITLE;
  const port = processPort();
  const confinement = confineSelf(parseKernelArgs(process.argv.slice(2)), nodePermissionActive());
  return runKernel(port, { drivers, probeImage, confinement, selfTest });
}
