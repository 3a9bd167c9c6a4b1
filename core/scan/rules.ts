// What the decoded structures mean for someone about to open the stick: one function per
// kind of file, each turning decoded facts into findings. The decoders (lnk.ts, cfb.ts,
// executable.ts, ini.ts, names.ts) know nothing of severities; the rules know nothing of bytes.
// This file: shortcuts and the INI family (autorun.inf, desktop.ini, .url, .scf, .desktop),
// and fileFindings, which reads what a file's name and first bytes call for.
import { GloveboxError } from '../errors.js';
import { contentFindings } from './content-rules.js';
import { makeFinding, type FileContext } from './finding.js';
import { iniValue, MAX_INI_BYTES, parseIni, type IniEntry } from './ini.js';
import { decodeShellLink, linkTarget, MAX_LNK_BYTES, type ShellLink } from './lnk.js';
import { extensionOf } from './names.js';
import { MAX_EVIDENCE_LINES, type Finding, type Severity } from './types.js';

export { makeFinding, malformed, type FileContext } from './finding.js';

/** The first bytes of every file are read to tell what it is (more only where a format needs it). */
export const HEAD_BYTES = 4096;

/** Programs that run whatever their arguments say: a shortcut to one of them is a launcher. */
const INTERPRETERS = new Set([
  'cmd.exe', 'powershell.exe', 'pwsh.exe', 'mshta.exe', 'rundll32.exe', 'regsvr32.exe', 'wscript.exe', 'cscript.exe', 'msiexec.exe',
  'certutil.exe', 'bitsadmin.exe', 'conhost.exe', 'forfiles.exe', 'schtasks.exe', 'wmic.exe', 'msbuild.exe', 'installutil.exe',
  'hh.exe', 'control.exe', 'bash.exe', 'wsl.exe', 'curl.exe', 'msdt.exe', 'explorer.exe', 'cmstp.exe', 'odbcconf.exe', 'pcalua.exe',
]);
/** Shell namespace class ids of the Control Panel (CVE-2010-2568 and CVE-2017-8464 shortcuts point into it). */
const CONTROL_PANEL_CLSIDS = new Set(['21EC2020-3AEA-1069-A2DD-08002B30309D', '26EE0668-A00A-44D7-9371-BEB064C98683']);
/** CSIDL_CONTROLS. */
const CSIDL_CONTROLS = 3;
const KNOWN_FOLDER_CONTROL_PANEL = '82A74AEB-AEB4-465C-A014-D097EE346D63';

const base = (p: string) => p.split(/[\\/]/).pop()!.toLowerCase().replace(/^"|"$/g, '');
const isUnc = (p: string | undefined) => p !== undefined && /^\s*(\\\\|\/\/)[^\\/]/.test(p);

function interpreterIn(text: string): string | null {
  const words = text.toLowerCase().match(/[a-z0-9_.-]+(\.exe)?/g) ?? [];
  for (const w of words) {
    const name = w.endsWith('.exe') ? w : `${w}.exe`;
    if (INTERPRETERS.has(name) && !['explorer.exe', 'control.exe', 'curl.exe'].includes(name)) return name;
  }
  return null;
}

export function shortcutFindings(ctx: FileContext, link: ShellLink): Finding[] {
  const target = linkTarget(link);
  const evidence: string[] = [];
  if (target !== null) evidence.push(`target: ${target}`);
  if (link.arguments) evidence.push(`arguments: ${link.arguments.trim()}`);
  if (link.workingDir) evidence.push(`working directory: ${link.workingDir}`);
  if (link.iconLocation) evidence.push(`icon: ${link.iconLocation},${link.iconIndex}`);
  if (link.iconEnvironment) evidence.push(`icon (environment): ${link.iconEnvironment}`);
  if (link.name) evidence.push(`description: ${link.name}`);
  const reasons: string[] = [];
  let severity: Severity = 'info';
  const raise = (s: Severity) => {
    if (s === 'danger' || (s === 'warning' && severity === 'info')) severity = s;
  };
  const targetName = target ? base(target) : '';
  const interpreter = INTERPRETERS.has(targetName) ? targetName : interpreterIn(link.arguments ?? '');
  let title = 'Shortcut';
  if (interpreter && interpreter !== 'explorer.exe' && interpreter !== 'control.exe') {
    raise('danger');
    title = `Shortcut runs ${interpreter.replace(/\.exe$/, '')}`;
    reasons.push(`It starts ${interpreter}, which runs whatever its arguments tell it to: opening the shortcut runs that command.`);
  }
  const cpl = [target ?? '', ...link.idList.flatMap((i) => [i.name ?? '', ...(i.strings ?? [])])].find((s) => /\.cpl\b/i.test(s));
  const controlPanel = link.idList.some((i) => i.clsid !== undefined && CONTROL_PANEL_CLSIDS.has(i.clsid)) || link.specialFolder === CSIDL_CONTROLS || link.knownFolder === KNOWN_FOLDER_CONTROL_PANEL;
  if (cpl || controlPanel) {
    raise('danger');
    title = 'Shortcut to a Control Panel item';
    if (cpl) evidence.push(`control panel applet: ${cpl}`);
    if (controlPanel) evidence.push('the target is in the Control Panel namespace');
    reasons.push('Shortcuts to Control Panel applets are how CVE-2010-2568 (Stuxnet) and CVE-2017-8464 ran code when a folder was merely shown; an unpatched Windows loads the .cpl as soon as it draws the icon.');
  }
  if (isUnc(link.iconLocation) || isUnc(link.iconEnvironment) || isUnc(target ?? undefined)) {
    raise('danger');
    if (title === 'Shortcut') title = 'Shortcut reaches out to a network share';
    reasons.push('Windows contacts the named server when it shows the shortcut, sending the user\'s NTLM credentials.');
  }
  if (/\.(exe|scr|com|pif|bat|cmd|vbs|js|ps1|hta|msi|dll)$/i.test(targetName) && severity === 'info') {
    raise('warning');
    title = 'Shortcut starts a program';
    reasons.push('Opening it starts a program rather than a document.');
  }
  if (link.arguments && /\s{40,}/.test(link.arguments)) {
    raise('danger');
    evidence.push('arguments padded with blanks (hides them from the Properties dialog)');
  }
  if (link.showCommand === 7) evidence.push('runs minimised (SW_SHOWMINNOACTIVE)');
  if (link.flags & 0x2000) evidence.push('asks to run as administrator');
  for (const p of link.problems) evidence.push(`not fully decoded: ${p}`);
  const why = reasons.length > 0 ? reasons.join(' ') : 'A shortcut opens its target; check where it points before opening it.';
  return [makeFinding(severity, 'shortcut', ctx.path, title, evidence, why, ctx)];
}

export function autorunFindings(ctx: FileContext, ini: IniEntry[]): Finding[] {
  const autorun = ini.filter((e) => e.section === 'autorun' || e.section.startsWith('autorun.'));
  const run = autorun.filter((e) => e.key === 'open' || e.key === 'shellexecute' || /^shell\\.+\\command$/.test(e.key));
  const evidence = autorun.slice(0, MAX_EVIDENCE_LINES).map((e) => `${e.key}=${e.value}`);
  if (!ctx.atRoot) {
    return [makeFinding('info', 'autorun', ctx.path, 'autorun.inf outside the root', evidence, 'Windows reads autorun.inf only at the root of a drive; this one is inert, but its presence is suspicious.', ctx)];
  }
  if (run.length > 0) {
    return [makeFinding('danger', 'autorun', ctx.path, `AutoRun starts ${run[0]!.value.split(/\s/)[0] || 'a program'}`, evidence,
      'autorun.inf names a program to run when the drive is inserted or opened (open=, shellexecute=, shell\\...\\command=). Current Windows ignores it for USB drives, older or misconfigured systems run it; the program is almost certainly malware.', ctx)];
  }
  if (autorun.some((e) => e.key === 'action' || e.key === 'icon' || e.key === 'label')) {
    return [makeFinding('warning', 'autorun', ctx.path, 'autorun.inf changes how the drive looks', evidence,
      'icon=, label= and action= change the drive\'s icon, name and the AutoPlay prompt text: a way to make a trap look like a trusted drive or lure a click.', ctx)];
  }
  return [makeFinding('info', 'autorun', ctx.path, 'autorun.inf', evidence, 'An autorun.inf without commands; harmless as it stands.', ctx)];
}

export function desktopIniFindings(ctx: FileContext, ini: IniEntry[]): Finding[] {
  const info = ini.filter((e) => e.section === '.shellclassinfo');
  const evidence = info.map((e) => `${e.key}=${e.value}`);
  const clsid = info.filter((e) => e.key === 'clsid' || e.key === 'clsid2' || e.key === 'uiclsid');
  const remote = info.filter((e) => (e.key === 'iconresource' || e.key === 'iconfile') && isUnc(e.value));
  if (remote.length > 0) {
    return [makeFinding('danger', 'desktop-ini', ctx.path, 'Folder icon loaded from a network share', evidence,
      'Windows fetches the folder\'s icon from the named server when the folder is shown, sending the user\'s NTLM credentials.', ctx)];
  }
  if (clsid.length > 0) {
    return [makeFinding('warning', 'desktop-ini', ctx.path, 'Folder opens as a shell object', evidence,
      'A CLSID in desktop.ini turns the folder into a COM object (a "junction folder"): opening it runs the object\'s code instead of showing files.', ctx)];
  }
  return [makeFinding('info', 'desktop-ini', ctx.path, 'desktop.ini customises a folder', evidence, 'desktop.ini sets a folder\'s icon or name; harmless as it stands.', ctx)];
}

export function urlFindings(ctx: FileContext, ini: IniEntry[]): Finding[] {
  const url = iniValue(ini, 'internetshortcut', 'url') ?? '';
  const icon = iniValue(ini, 'internetshortcut', 'iconfile');
  const evidence = [`URL=${url}`, ...(icon !== undefined ? [`IconFile=${icon}`] : [])];
  if (isUnc(icon) || isUnc(url) || /^file:\/\/[^/]/i.test(url)) {
    return [makeFinding('danger', 'internet-shortcut', ctx.path, 'Internet shortcut reaches out to a network share', evidence,
      'Windows contacts the named server when it shows or opens the shortcut, sending the user\'s NTLM credentials.', ctx)];
  }
  if (/^(file|search-ms|ms-msdt|ms-officecmd|javascript|vbscript|mhtml|ms-its|ms-appinstaller):/i.test(url)) {
    return [makeFinding('warning', 'internet-shortcut', ctx.path, `Internet shortcut opens ${url.split(':')[0]}:`, evidence,
      'This URL scheme opens local files or protocol handlers, not a web page; such links have been used to run code.', ctx)];
  }
  return [makeFinding('info', 'internet-shortcut', ctx.path, 'Internet shortcut', evidence, 'Opens a web address in the browser.', ctx)];
}

export function scfFindings(ctx: FileContext, ini: IniEntry[]): Finding[] {
  const evidence = ini.map((e) => `[${e.section}] ${e.key}=${e.value}`);
  const icon = iniValue(ini, 'shell', 'iconfile');
  if (isUnc(icon)) {
    return [makeFinding('danger', 'shell-command', ctx.path, 'Shell command file fetches its icon from a network share', evidence,
      'Windows Explorer loads the .scf icon from the named server as soon as the folder is shown, sending the user\'s NTLM credentials: no click needed.', ctx)];
  }
  return [makeFinding('warning', 'shell-command', ctx.path, 'Shell command file', evidence, 'A .scf file runs an Explorer command when opened; ordinary users never need one on a stick.', ctx)];
}

export function desktopEntryFindings(ctx: FileContext, ini: IniEntry[]): Finding[] {
  const exec = iniValue(ini, 'desktop entry', 'exec');
  if (exec === undefined) return [];
  return [makeFinding('warning', 'autostart', ctx.path, 'Linux launcher runs a command', [`Exec=${exec}`, ...(iniValue(ini, 'desktop entry', 'name') ? [`Name=${iniValue(ini, 'desktop entry', 'name')}`] : [])],
    'A .desktop file runs its Exec= command when opened in a Linux desktop; the name and icon it shows can be anything.', ctx)];
}
/** Reads and decodes what the file's name and first bytes call for. */
export async function fileFindings(ctx: FileContext): Promise<Finding[]> {
  const lower = ctx.name.toLowerCase();
  const ext = extensionOf(lower);
  const out: Finding[] = [];
  // Configuration files are read whole (up to their cap); everything else by its first bytes.
  const config = lower === 'autorun.inf' || lower === 'desktop.ini' || ext === 'url' || ext === 'scf' || ext === 'desktop';
  const headLength = Math.min(ctx.size, config ? MAX_INI_BYTES : HEAD_BYTES);
  const head = headLength > 0 ? await ctx.file.read(0, headLength) : new Uint8Array(0);
  if (lower === 'autorun.inf') out.push(...autorunFindings(ctx, parseIni(head)));
  else if (lower === 'desktop.ini') out.push(...desktopIniFindings(ctx, parseIni(head)));
  else if (ext === 'url') out.push(...urlFindings(ctx, parseIni(head)));
  else if (ext === 'scf') out.push(...scfFindings(ctx, parseIni(head)));
  else if (ext === 'desktop') out.push(...desktopEntryFindings(ctx, parseIni(head)));
  else if (ext === 'lnk') {
    try {
      const bytes = ctx.size <= HEAD_BYTES ? head : await ctx.file.read(0, Math.min(ctx.size, MAX_LNK_BYTES));
      out.push(...shortcutFindings(ctx, decodeShellLink(bytes)));
    } catch (e) {
      if (!(e instanceof GloveboxError) || e.kind !== 'Corrupt') throw e;
      out.push(makeFinding('warning', 'shortcut', ctx.path, 'Shortcut that does not decode', [e.message], 'A .lnk file that is not a valid shell link may be crafted to exploit the shell\'s parser; do not open the folder in Windows Explorer.', ctx));
    }
  }
  if (ctx.atRoot && ['autorun', 'autorun.sh', '.autorun', 'autoopen', '.autoopen'].includes(lower)) {
    out.push(makeFinding('warning', 'autostart', ctx.path, 'Linux autostart file', [`name: ${ctx.name}`], 'Some Linux desktops offer to run autorun, autorun.sh or .autorun from the root of an inserted medium.', ctx));
  }
  out.push(...(await contentFindings(ctx, head)));
  return out;
}
