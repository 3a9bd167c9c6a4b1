// Starts a kernel on a port: the same code runs in the forked Node process, in Electron's
// utility process and in-process for tests.

import type { FsDriver } from '../../fs/types.js';
import type { ProbeImage } from '../../probe.js';
import type { SelfTestResult } from '../protocol/api.js';
import type { Confinement } from '../protocol/messages.js';
import { RemoteDevice } from './remote-device.js';
import { KernelServer, type KernelPort } from './server.js';
import { KernelService } from './service.js';

export interface KernelConfig {
  drivers: readonly FsDriver[];
  probeImage: ProbeImage;
  confinement: Confinement;
  selfTest?: () => Promise<SelfTestResult>;
}

export function runKernel(port: KernelPort, config: KernelConfig): KernelServer {
  let server: KernelServer | null = null;
  const service = new KernelService({
    drivers: config.drivers,
    probeImage: config.probeImage,
    ...(config.selfTest ? { selfTest: config.selfTest } : {}),
    openSource: (size) =>
      new RemoteDevice(size, (offset, length) => {
        if (!server) throw new Error('kernel not started');
        return server.hypercall(offset, length);
      }),
  });
  server = new KernelServer(port, service, config.confinement);
  return server;
}
