// The self-test the supervisor asks every fresh kernel for: from inside, try to open a file,
// open a listening socket and start a process, and say which attempts were refused. The
// answer is what `glovebox info` reports as the isolation in force, so it tests rather than
// trusts. The attempts are harmless when they succeed (the kernel's own executable is opened
// read-only and closed; the socket listens on loopback and is closed; `node --version` runs).
// This is the one place on the kernel side that imports Node modules, for exactly this.

import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { createServer } from 'node:net';
import type { ProbeOutcome, SelfTestResult } from '../protocol/api.js';

/** How long one attempt may take before it counts as failed (ms). */
const ATTEMPT_TIMEOUT_MS = 2000;
/** Error codes that mean "refused by confinement" (seccomp, sandbox, permission model). */
const REFUSED = ['EPERM', 'EACCES', 'ERR_ACCESS_DENIED'];

function refused(e: unknown): ProbeOutcome {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && REFUSED.includes(code) ? 'blocked' : 'failed';
}

function withTimeout(run: (done: (o: ProbeOutcome) => void) => void): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (o: ProbeOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(o);
    };
    const timer = setTimeout(() => done('failed'), ATTEMPT_TIMEOUT_MS);
    try {
      run(done);
    } catch (e) {
      done(refused(e));
    }
  });
}

function tryOpenFile(): ProbeOutcome {
  try {
    closeSync(openSync(process.execPath, 'r'));
    return 'allowed';
  } catch (e) {
    return refused(e);
  }
}

function tryListen(): Promise<ProbeOutcome> {
  return withTimeout((done) => {
    const server = createServer();
    server.once('error', (e) => done(refused(e)));
    server.listen(0, '127.0.0.1', () => {
      server.close();
      done('allowed');
    });
  });
}

function trySpawn(): Promise<ProbeOutcome> {
  return withTimeout((done) => {
    const child = spawn(process.execPath, ['--version'], { stdio: 'ignore', env: {} });
    child.once('error', (e) => done(refused(e)));
    child.once('spawn', () => {
      child.kill();
      done('allowed');
    });
  });
}

export async function selfTest(): Promise<SelfTestResult> {
  return { file: tryOpenFile(), socket: await tryListen(), spawn: await trySpawn() };
}
