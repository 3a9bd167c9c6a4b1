// Turning a table's sector numbers into byte ranges of the device. Table fields are up to 64
// bits (GPT), so the arithmetic is done in bigint and only results that fit the device, and
// therefore a safe integer, become numbers.

export interface ByteRange {
  offset: number;
  size: number;
  /** The table's range ran past the end of the device and was cut there. */
  clipped: boolean;
}

/**
 * Sectors [firstLba, firstLba + sectors) as bytes of a device of `deviceSize` bytes, cut at the
 * device's end; null when the range starts at or beyond the end (nothing of it is there) or is
 * empty.
 */
export function lbaRange(firstLba: bigint, sectors: bigint, sectorSize: number, deviceSize: number): ByteRange | null {
  if (firstLba < 0n || sectors <= 0n) return null;
  const ss = BigInt(sectorSize);
  const start = firstLba * ss;
  const end = start + sectors * ss;
  const limit = BigInt(deviceSize);
  if (start >= limit) return null;
  const clippedEnd = end > limit ? limit : end;
  return { offset: Number(start), size: Number(clippedEnd - start), clipped: end > limit };
}

/** Number of whole sectors in a device (a partial last sector is not addressable). */
export function sectorCount(deviceSize: number, sectorSize: number): bigint {
  return BigInt(Math.floor(deviceSize / sectorSize));
}
