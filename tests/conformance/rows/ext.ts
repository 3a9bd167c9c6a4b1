import type { ConformanceRow } from '../harness.js';

export const extRows: ConformanceRow[] = [];
