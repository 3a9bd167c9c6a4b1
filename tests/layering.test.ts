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
  /^core\/sandbox\/(protocol|kernel)\//, // sandbox side: pure
  /^core\/sandbox\/confine\//, // sandbox side: the kernel confining itself (addon, self-test)
  /^core\/sandbox\/in-memory\.ts$/, // both sides in one process (tests)
  /^core\/sandbox\/host\//, // host side
  /^core\/sources\//, // host side
  /^core\/extract\//, // host side
  /^core\/cli\//, // host side
  /^electron\//, // host side (main, preload)
  /^renderer\//, // UI
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
    expect(await lint('core/fs/fat/x.ts', "import type { BlockDevice } from '../../block/device.js';\nexport type X = BlockDevice;\n")).toBe(0);
  }, 30_000);
});
