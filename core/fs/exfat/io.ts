// The driver's way to the device and its field readers: the shared checked read (../io.ts)
// plus what only this format needs.

export { readExact, u16, u32, u64 } from '../io.js';
