// Every source file lives in a folder whose import rules are known (STYLE.md: "a file no rule
// covers is an error"). A new folder must be added here and to eslint.config.js together.
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './conformance/harness.js';

const LAYERS = [
  /^core\/errors\.ts$/,
  /^core\/probe\.ts$/,
  /^core\/block\//, // pure
  /^core\/partitions\//, // pure
  /^core\/containers\//, // pure
  /^core\/fs\//, // pure
  /^core\/scan\//, // pure: the scan runs in the sandbox beside the drivers
  /^core\/sandbox\/(protocol|kernel)\//, // sandbox side: pure
  /^core\/sandbox\/confine\//, // sandbox side: the kernel confining itself (addon, self-test)
  /^core\/sandbox\/in-memory\.ts$/, // both sides in one process (tests)
  /^core\/sandbox\/host\//, // host side
  /^core\/sources\//, // host side
  /^core\/extract\//, // host side
  /^core\/cli\//, // host side
  /^core\/mount\//, // host side: the FUSE mount (answers the kernel's requests from the sandbox)
  /^core\/devices\//, // host side: device discovery, watching, imaging
  /^electron\/main\//, // host side: the app's main process
  /^electron\/preload\//, // the preload (Chromium sandbox): electron's bridge + the contract
  /^electron\/shared\//, // the IPC contract: pure, imported by renderer, preload and main
  /^renderer\/(components|lib|store)\/.+\.tsx?$/, // UI (browser): the contract only
  /^renderer\/(api|main)\.tsx?$/, // UI entry and its window.glovebox adapter
];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return e.name.endsWith('.ts') || e.name.endsWith('.tsx') ? [relative(repoRoot, p)] : [];
  });
}

describe('layering', () => {
  it('every source file belongs to a known layer', () => {
    const files = ['core', 'electron', 'renderer'].flatMap((d) => sources(join(repoRoot, d))).filter((f) => !f.endsWith('.test.ts'));
    expect(files.length).toBeGreaterThan(30);
    expect(files.filter((f) => !LAYERS.some((l) => l.test(f.split('\\').join('/'))))).toEqual([]);
  });

  const lint = async (filePath: string, code: string) => {
    const [result] = await new ESLint({ cwd: repoRoot }).lintText(code, { filePath: join(repoRoot, filePath) });
    return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').length;
  };

  it('the lint rules refuse host APIs in drivers and parsers in the host', async () => {
    expect(await lint('core/fs/fat/x.ts', "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n")).toBe(1);
    expect(await lint('core/partitions/x.ts', "import { spawn } from 'child_process';\nexport const x = spawn;\n")).toBe(1);
    expect(await lint('core/block/x.ts', "import type { Volume } from '../fs/types.js';\nexport type X = Volume;\n")).toBe(1);
    expect(await lint('core/cli/x.ts', "import { fatDriver } from '../fs/fat/index.js';\nexport const x = fatDriver;\n")).toBe(1);
    expect(await lint('core/scan/x.ts', "import { createHash } from 'node:crypto';\nexport const x = createHash;\n")).toBe(1);
    expect(await lint('core/scan/x.ts', "import { Supervisor } from '../sandbox/host/supervisor.js';\nexport const x = Supervisor;\n")).toBe(1);
    expect(await lint('core/cli/x.ts', "import { decodeShellLink } from '../scan/lnk.js';\nexport const x = decodeShellLink;\n")).toBe(1);
    expect(await lint('core/cli/x.ts', "import type { Finding } from '../scan/types.js';\nexport type X = Finding;\n")).toBe(0);
    expect(await lint('core/devices/x.ts', "import { probeImage } from '../probe.js';\nexport const x = probeImage;\n")).toBe(1);
    expect(await lint('core/fs/fat/x.ts', "import type { BlockDevice } from '../../block/device.js';\nexport type X = BlockDevice;\n")).toBe(0);
  }, 30_000);

  it('the lint rules keep the renderer, the preload and the contract in their lanes', async () => {
    expect(await lint('renderer/store/x.ts', "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n")).toBe(1);
    expect(await lint('renderer/store/x.ts', "import { ipcRenderer } from 'electron';\nexport const x = ipcRenderer;\n")).toBe(1);
    expect(await lint('renderer/store/x.ts', "import { GloveboxError } from '../../core/errors.js';\nexport const x = GloveboxError;\n")).toBe(1);
    expect(await lint('renderer/store/x.ts', "import { Backend } from '../../electron/main/backend.js';\nexport const x = Backend;\n")).toBe(1);
    expect(await lint('renderer/store/x.ts', "import { Channel } from '../../electron/shared/api.js';\nexport const x = Channel;\n")).toBe(0);
    expect(await lint('electron/preload/x.ts', "import { shell } from 'electron';\nexport const x = shell;\n")).toBe(1);
    expect(await lint('electron/preload/x.ts', "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n")).toBe(1);
    expect(await lint('electron/preload/x.ts', "import { contextBridge } from 'electron';\nimport { Channel } from '../shared/api.js';\nexport const x = [contextBridge, Channel];\n")).toBe(0);
    expect(await lint('electron/shared/x.ts', "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n")).toBe(1);
    expect(await lint('electron/main/x.ts', "import { fatDriver } from '../../core/fs/fat/index.js';\nexport const x = fatDriver;\n")).toBe(1);
  }, 30_000);
});
