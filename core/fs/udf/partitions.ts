// Logical block -> device sector through each partition map: type 1 (physical), sparable
// (UDF 2.2.9, the sparing table remaps whole packets), virtual (UDF 2.2.10, the VAT maps each
// virtual block) and metadata (UDF 2.2.13, blocks are offsets in the metadata file). Every map
// is loaded at open, so mapping is synchronous and bounded.
import { corrupt } from '../../errors.js';
import type { PartitionDescriptor } from './descriptors.js';

export interface Partition {
  kind: 'physical' | 'sparable' | 'virtual' | 'metadata';
  /** The device sector holding logical block `block` of this partition. */
  sector(block: number): number;
}

export class PhysicalPartition implements Partition {
  readonly kind: Partition['kind'] = 'physical';
  constructor(readonly pd: PartitionDescriptor) {}
  sector(block: number): number {
    if (block >= this.pd.length) throw corrupt(`block past the end of partition ${this.pd.number}`, { expected: `< ${this.pd.length}`, found: String(block) });
    return this.pd.start + block;
  }
}

export class SparablePartition extends PhysicalPartition {
  override readonly kind = 'sparable';
  constructor(
    pd: PartitionDescriptor,
    private readonly packetLength: number,
    private readonly remap: ReadonlyMap<number, number>,
  ) {
    super(pd);
  }
  override sector(block: number): number {
    const packet = block - (block % this.packetLength);
    const mapped = this.remap.get(packet);
    if (mapped !== undefined) return mapped + (block - packet);
    return super.sector(block);
  }
}

export class VirtualPartition implements Partition {
  readonly kind = 'virtual';
  constructor(
    private readonly physical: Partition,
    private readonly vat: Uint32Array,
  ) {}
  sector(block: number): number {
    if (block >= this.vat.length) throw corrupt('virtual block past the VAT', { expected: `< ${this.vat.length}`, found: String(block) });
    const target = this.vat[block]!;
    if (target === 0xffffffff) throw corrupt('virtual block unused in the VAT', { found: String(block) });
    return this.physical.sector(target);
  }
}

/** Recorded runs of the metadata file, in blocks of the partition beneath it. */
export interface MetadataRun {
  firstBlock: number;
  blocks: number;
  physicalBlock: number;
}

export class MetadataPartition implements Partition {
  readonly kind = 'metadata';
  constructor(
    private readonly physical: Partition,
    private readonly runs: readonly MetadataRun[],
  ) {}
  sector(block: number): number {
    let lo = 0;
    let hi = this.runs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const r = this.runs[mid]!;
      if (block < r.firstBlock) hi = mid;
      else if (block >= r.firstBlock + r.blocks) lo = mid + 1;
      else return this.physical.sector(r.physicalBlock + (block - r.firstBlock));
    }
    throw corrupt('block outside the metadata file', { found: String(block) });
  }
}
