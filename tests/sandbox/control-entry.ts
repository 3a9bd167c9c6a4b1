// Test-only control process (dist/test/control.mjs): a plain fork, no flags, no confinement,
// that makes the same attempts as the hostile driver. The escape tests require these to
// succeed here, so that a failure inside the sandbox proves the confinement, not a broken test.
import { run } from './hostile-driver.js';

process.on('message', (m: { command: string; lines: string[] }) => {
  void run(m.command, m.lines).then((outcome) => {
    process.send?.(outcome);
    process.disconnect();
  });
});
