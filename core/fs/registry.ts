// The file system drivers the sandbox knows, in probe order: probeImage offers each volume to
// them one by one and opens it with the first whose probe() says yes. Put drivers with strong
// signatures (a magic number at a fixed offset) before those that recognise a volume by
// plausible field values, as FAT does. UDF and ISO 9660 are co-resident (a bridge disc holds
// both on the same sectors): probeImage lists each as its own volume (CO_RESIDENT_DRIVERS in
// core/probe.ts), UDF first.
import { exfatDriver } from './exfat/index.js';
import { extDriver } from './ext/index.js';
import { fatDriver } from './fat/index.js';
import { iso9660Driver } from './iso9660/index.js';
import { ntfsDriver } from './ntfs/index.js';
import type { FsDriver } from './types.js';
import { udfDriver } from './udf/index.js';

export const drivers: readonly FsDriver[] = [exfatDriver, extDriver, ntfsDriver, udfDriver, iso9660Driver, fatDriver];
