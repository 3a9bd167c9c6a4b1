// The file system drivers the sandbox knows, in probe order: probeImage offers each volume to
// them one by one and opens it with the first whose probe() says yes. Put drivers with strong
// signatures (a magic number at a fixed offset) before those that recognise a volume by
// plausible field values, as FAT does.
import { exfatDriver } from './exfat/index.js';
import { extDriver } from './ext/index.js';
import { fatDriver } from './fat/index.js';
import { ntfsDriver } from './ntfs/index.js';
import type { FsDriver } from './types.js';

export const drivers: readonly FsDriver[] = [exfatDriver, extDriver, ntfsDriver, fatDriver];
