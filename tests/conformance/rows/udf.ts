import type { ConformanceRow } from '../harness.js';
import { aedLoop, directoryPointsAtParent, fidPastDirectory, udfMetadata } from '../udf-damage.js';

const special = [
  { name: 'aed-loop', mutate: aedLoop },
  { name: 'fid-past-directory', mutate: fidPastDirectory },
  { name: 'dir-points-at-parent', mutate: directoryPointsAtParent },
];

// The mkudffs volumes are empty (see tests/fixtures/make-udf.sh): no expected listing, but they
// still go through probe, open, the walk and the mutants.
export const udfRows: ConformanceRow[] = [
  { name: 'udf-bridge', image: 'udf/bridge.img.gz', expected: 'udf/bridge.expected.jsonl', fs: 'udf', label: 'GLOVE UDF', metadata: udfMetadata, special },
  { name: 'udfclient', image: 'udf/udfclient.img.gz', expected: 'udf/udfclient.expected.jsonl', fs: 'udf', label: 'GLOVENF', metadata: udfMetadata, special },
  { name: 'udf250-meta', image: 'udf/udf250-meta.img.gz', expected: 'udf/udf250-meta.expected.jsonl', fs: 'udf', label: 'GLOVENF', metadata: udfMetadata, special },
  { name: 'udf201-hd', image: 'udf/udf201-hd.img.gz', fs: 'udf', label: 'GLOVE 201' },
  { name: 'udf201-cdrw', image: 'udf/udf201-cdrw.img.gz', fs: 'udf', label: 'GLOVE RW' },
  { name: 'udf150-cdr', image: 'udf/udf150-cdr.img.gz', fs: 'udf', label: 'GLOVE VAT' },
  { name: 'udf250-bdr', image: 'udf/udf250-bdr.img.gz', fs: 'udf', label: 'GLOVE 250' },
];
