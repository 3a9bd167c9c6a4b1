// A kernel in this very process, over a pair of in-memory ports that behave like the real
// channel (asynchronous delivery, structured clone). Used to test the protocol and to run the
// conformance suite in-process; never a security boundary.

import type { FsDriver } from '../fs/types.js';
import type { ProbeImage } from '../probe.js';
import { runKernel } from './kernel/main.js';
import type { KernelPort } from './kernel/server.js';
import type { HostToKernel, KernelToHost } from './protocol/messages.js';
import type { KernelExit, KernelLauncher, KernelProcess } from './host/launcher.js';

export interface PortPair {
  host: { send(msg: HostToKernel): void; onMessage(l: (m: unknown) => void): void; close(): void };
  kernel: KernelPort;
}

export function createPortPair(): PortPair {
  const toKernel: Array<(m: unknown) => void> = [];
  const toHost: Array<(m: unknown) => void> = [];
  let open = true;
  const deliver = (listeners: Array<(m: unknown) => void>, msg: unknown) => {
    const copy = structuredClone(msg);
    setImmediate(() => {
      if (open) for (const l of listeners) l(copy);
    });
  };
  return {
    host: {
      send: (msg) => deliver(toKernel, msg),
      onMessage: (l) => toHost.push(l),
      close: () => {
        open = false;
      },
    },
    kernel: {
      send: (msg: KernelToHost) => deliver(toHost, msg),
      onMessage: (l) => toKernel.push(l),
    },
  };
}

export class InMemoryLauncher implements KernelLauncher {
  readonly description = 'in-process kernel';
  readonly memoryLimitBytes = null;
  launched = 0;

  constructor(
    private readonly drivers: readonly FsDriver[],
    private readonly probeImage: ProbeImage,
  ) {}

  launch(): KernelProcess {
    this.launched++;
    const pair = createPortPair();
    runKernel(pair.kernel, { drivers: this.drivers, probeImage: this.probeImage, confinement: { nodePermission: false, os: null, layers: [], problems: [] } });
    const exitListeners: Array<(e: KernelExit) => void> = [];
    let alive = true;
    return {
      pid: undefined,
      send: (msg) => {
        if (alive) pair.host.send(msg);
      },
      onMessage: (l) => pair.host.onMessage(l),
      onExit: (l) => exitListeners.push(l),
      kill: () => {
        if (!alive) return;
        alive = false;
        pair.host.close();
        setImmediate(() => exitListeners.forEach((l) => l({ code: null, signal: 'SIGKILL', stderrTail: '' })));
      },
      residentBytes: () => null,
    };
  }
}
