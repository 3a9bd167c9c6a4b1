// The conformance table. A driver joins the suite by adding rows in rows/<driver>.ts: a fixture
// made by the real tools, the tree that went in, and hints for where damage hurts most.
import type { ConformanceRow } from './harness.js';
import { containerRows } from './rows/containers.js';
import { exfatRows } from './rows/exfat.js';
import { extRows } from './rows/ext.js';
import { fatRows } from './rows/fat.js';
import { iso9660Rows } from './rows/iso9660.js';
import { ntfsRows } from './rows/ntfs.js';
import { partitionRows } from './rows/partitions.js';
import { udfRows } from './rows/udf.js';

export const rows: ConformanceRow[] = [...fatRows, ...partitionRows, ...extRows, ...exfatRows, ...ntfsRows, ...udfRows, ...iso9660Rows, ...containerRows];
