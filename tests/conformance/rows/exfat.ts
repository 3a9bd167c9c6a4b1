import type { ConformanceRow } from '../harness.js';

export const exfatRows: ConformanceRow[] = [];
