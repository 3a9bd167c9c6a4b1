export { type BlockDevice, MemoryDevice, checkRead, MAX_READ_BYTES } from './device.js';
export { SliceDevice, sliceClipped } from './slice.js';
export { CachedDevice, type CacheOptions } from './cache.js';
