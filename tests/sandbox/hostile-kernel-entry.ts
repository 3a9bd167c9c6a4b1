// Test-only kernel bundle (dist/test/hostile-kernel.mjs): the real kernel entry's wiring with
// the hostile driver added, started exactly like the shipped kernel.
import { runKernel } from '../../core/sandbox/kernel/main.js';
import { nodePermissionActive, processPort } from '../../core/sandbox/kernel/process-port.js';
import { wholeDeviceProbe } from '../support/whole-device-probe.js';
import { hostileDriver } from './hostile-driver.js';

runKernel(processPort(), {
  drivers: [hostileDriver],
  probeImage: wholeDeviceProbe,
  confinement: { nodePermission: nodePermissionActive(), os: null },
});
