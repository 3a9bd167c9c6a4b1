// Shared by the scan tests: a whole scan in-process, step by step, as ImageSession.scan drives it.
import { GloveboxError } from '../../core/errors.js';
import type { KernelService } from '../../core/sandbox/kernel/service.js';
import { checkScanPage, type ScanPage } from '../../core/sandbox/protocol/api.js';
import type { Finding, ScanNote } from '../../core/scan/types.js';
import { inProcessService, loadImage } from '../conformance/harness.js';

export interface InProcessScan {
  findings: Finding[];
  notes: ScanNote[];
  steps: number;
}

/** Scans volume `volume` through the service, checking every page as the host would. */
export async function scanAll(service: KernelService, volume = 1, maxSteps = 100_000): Promise<InProcessScan> {
  const out: InProcessScan = { findings: [], notes: [], steps: 0 };
  let cursor: ScanPage['next'] = null;
  do {
    const raw = await service.scan(volume, cursor);
    const page = checkScanPage(structuredClone(raw));
    if (!page) throw new Error(`the host would refuse this page: ${JSON.stringify(raw).slice(0, 500)}`);
    out.findings.push(...page.findings);
    out.notes.push(...page.notes);
    cursor = page.next;
    if (++out.steps > maxSteps) throw new GloveboxError('Limit', 'too many steps');
  } while (cursor !== null);
  return out;
}

export async function scanFixture(rel: string): Promise<InProcessScan> {
  const image = loadImage(rel);
  const service = inProcessService(image);
  await service.probe(image.length, []);
  return scanAll(service);
}

export const pairs = (findings: readonly Finding[]) => findings.map((f) => `${f.severity} ${f.kind} ${f.path}`).sort();

/** What tests/fixtures/make-scan.sh planted in traps.img, as "severity kind path". */
export const EXPECTED_TRAPS = [
  'danger autorun /autorun.inf',
  'danger bidi-name /photo\u202egpj.scr',
  'danger desktop-ini /Documents/desktop.ini',
  'danger double-extension /invoice.pdf.exe',
  'danger executable /scan.pdf',
  'danger hidden-twin /Photos',
  'danger internet-shortcut /Documents/portal.url',
  'danger shell-command /Documents/@explorer.scf',
  'danger shortcut /Documents/report.lnk',
  'danger shortcut /Documents/settings.lnk',
  'danger shortcut /Photos.lnk',
  'info shortcut /Documents/notes.lnk',
  'warning autostart /autorun.sh',
  'warning autostart /tools/open.desktop',
  'warning executable /invoice.pdf.exe',
  'warning executable /photo\u202egpj.scr',
  'warning executable /setup.exe',
  'warning executable /tools/helper.dll',
  'warning executable /tools/linux-helper',
  'warning homoglyph-name /Documents/d\u0435sktop.ini',
  'warning invisible-name /\u00a0',
  'warning macro /Documents/budget.docm',
  'warning macro /Documents/letter.doc',
  'warning nested-image /backup.iso',
  'warning script /autorun.sh',
  'warning script /tools/helper.js',
  'warning script /tools/install.sh',
  'warning script /tools/invoke.vbs',
  'warning script /tools/run.bat',
  'warning script /tools/update.ps1',
  'warning trailing-dot-space /notes.txt.',
].sort();
