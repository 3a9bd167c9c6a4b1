// Test-only kernel bundle (dist/test/hostile-kernel.mjs): the real kernel's boot (same
// channel, same confinement, same self-test) with the hostile driver instead of the real ones.
import { bootKernel } from '../../core/sandbox/kernel/boot.js';
import { wholeDeviceProbe } from '../support/whole-device-probe.js';
import { hostileDriver } from './hostile-driver.js';

bootKernel([hostileDriver], wholeDeviceProbe);
