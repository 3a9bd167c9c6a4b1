// The driver's way to the device and its field readers: the shared checked read and
// little-endian readers (../io.ts).
export { readExact, u16, u32, u64 } from '../io.js';
