// A minimal ProbeImage for sandbox tests: the whole device is one volume, opened by the first
// driver whose probe() accepts it. It keeps the sandbox's own tests independent of the
// partition-table code.
import type { ProbeImage, ProbedVolume } from '../../core/probe.js';

export const wholeDeviceProbe: ProbeImage = async (device, drivers, pinned) => {
  const volume: ProbedVolume = { index: 1, partition: null, offset: 0, size: device.size, device, fs: null, driver: null, label: null, volume: null };
  const pin = pinned?.get(1);
  for (const d of drivers) {
    if (pin !== undefined && pin !== d.name) continue;
    if (pin === undefined && !(await d.probe(device))) continue;
    volume.driver = d.name;
    volume.fs = d.name;
    try {
      volume.volume = await d.open(device);
      volume.fs = volume.volume.fs;
      volume.label = volume.volume.label;
    } catch (e) {
      volume.error = e instanceof Error ? e.message : String(e);
    }
    break;
  }
  return { size: device.size, container: 'raw', partitioning: 'none', volumes: [volume], warnings: [] };
};
