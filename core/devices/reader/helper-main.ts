// Entry point of the privileged reader helper as a separate bundle: `glovebox-reader <device> <st_rdev>`.
// (The CLI bundle runs the same code as `glovebox __reader <device> <st_rdev>`.)
import { readerMain } from './helper.js';

process.exitCode = await readerMain(process.argv.slice(2), process.stdin, process.stdout);
