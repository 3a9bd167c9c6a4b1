// The driver's way to the device and its field readers: the shared checked read (../io.ts)
// plus what only this format needs.

export { readExact } from '../io.js';
