// The UDF driver against images made by genisoimage and mkudffs (tests/fixtures/make-udf.sh):
// the tree that went in must come out exactly; then damage must give the expected outcome.
import { describe, expect, it } from 'vitest';
import { MemoryDevice } from '../../core/block/device.js';
import { udfDriver } from '../../core/fs/udf/index.js';
import { expectedListing, fixtureImage, open, walk } from './udf-helpers.js';

const FIXTURES = [
  { name: 'bridge', label: 'GLOVE UDF' },
  { name: 'udfclient', label: 'GLOVENF' },
  { name: 'udf250-meta', label: 'GLOVENF' },
  { name: 'udf201-hd', label: 'GLOVE 201' },
  { name: 'udf201-cdrw', label: 'GLOVE RW' },
  { name: 'udf150-cdr', label: 'GLOVE VAT' },
  { name: 'udf250-bdr', label: 'GLOVE 250' },
] as const;

describe.each(FIXTURES)('fixture $name', ({ name, label }) => {
  it('reproduces the source tree exactly', async () => {
    const img = fixtureImage(name);
    expect(await udfDriver.probe(new MemoryDevice(img))).toBe(true);
    const v = await open(img);
    expect(v.fs).toBe('udf');
    expect(v.label).toBe(label);
    expect(await walk(v, img)).toEqual(expectedListing(name));
    expect(v.notes?.()).toEqual([]);
  });
});
