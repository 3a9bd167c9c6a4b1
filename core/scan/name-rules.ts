// Findings about names: one entry's name (bidi controls, double extensions, blanks, look-alike
// letters), a hidden folder beside its visible twin, and the volume's label.
import type { NodeStat } from '../fs/types.js';
import { bidiControls, confusableSkeleton, displayedName, doubleExtension, invisibleName, SYSTEM_HIDDEN_NAMES, trailingDotOrSpace } from './names.js';
import { makeFinding } from './finding.js';
import type { Finding } from './types.js';

interface Named {
  name: string;
  node: number;
  type: string;
  size: number;
}

const fileOf = (e: Named) => (e.type === 'file' ? { node: e.node, size: e.size } : undefined);
const quoted = (s: string) => JSON.stringify(s);

export function nameFindings(e: Named, path: string): Finding[] {
  const out: Finding[] = [];
  const bidi = bidiControls(e.name);
  if (bidi.length > 0) {
    out.push(makeFinding('danger', 'bidi-name', path, 'Name hides its real extension with a direction control', [`name: ${quoted(e.name)}`, `shown as: ${displayedName(e.name)}`, ...bidi.map((b) => `contains ${b}`)],
      'Bidirectional control characters make a name display differently from what it is: "invoice\u202efdp.exe" shows as "invoiceexe.pdf". The real extension decides what opening it does.', fileOf(e)));
  }
  const double = doubleExtension(e.name);
  if (double && e.type !== 'dir') {
    out.push(makeFinding('danger', 'double-extension', path, `.${double.real} disguised as .${double.shown}`, [`name: ${quoted(e.name)}`, `real extension: .${double.real}`, ...(double.padded ? ['blanks before the real extension push it out of sight'] : [])],
      `Windows hides known extensions by default, so this shows as a .${double.shown} file; opening it runs the .${double.real}.`, fileOf(e)));
  }
  if (invisibleName(e.name)) {
    out.push(makeFinding('warning', 'invisible-name', path, `A ${e.type === 'dir' ? 'folder' : 'file'} with a blank name`, [`name: ${quoted(e.name)}`],
      'USB worms hide the user\'s files in a folder whose name is a non-breaking space or another invisible character, and put a shortcut in their place.', fileOf(e)));
  } else if (trailingDotOrSpace(e.name)) {
    out.push(makeFinding('warning', 'trailing-dot-space', path, 'Name ends with a dot or a space', [`name: ${quoted(e.name)}`],
      'Windows strips trailing dots and spaces, so Explorer shows such an entry under another name and often cannot open or delete it: a way to hide files.', fileOf(e)));
  }
  const skeleton = confusableSkeleton(e.name);
  if (skeleton !== null && SYSTEM_HIDDEN_NAMES.has(skeleton.toLowerCase())) {
    out.push(makeFinding('warning', 'homoglyph-name', path, `Looks like ${skeleton} but is not`, [`name: ${quoted(e.name)}`, `looks like: ${skeleton}`],
      'Letters from another alphabet that look like Latin ones make a name pass for a system file.', fileOf(e)));
  }
  return out;
}

/** A directory's entries by lower-cased name, built once per listing (huge directories stay linear). */
const indexes = new WeakMap<readonly Named[], Map<string, Named[]>>();
function byName(listing: readonly Named[]): Map<string, Named[]> {
  let index = indexes.get(listing);
  if (!index) {
    index = new Map();
    for (const o of listing) {
      const key = o.name.toLowerCase();
      const list = index.get(key);
      if (list) list.push(o);
      else index.set(key, [o]);
    }
    indexes.set(listing, index);
  }
  return index;
}

/** A hidden directory beside a visible entry with its name (or its name + .lnk/.exe): the USB worm pattern. */
export function twinFindings(e: Named, st: NodeStat, listing: readonly Named[], path: string): Finding[] {
  const out: Finding[] = [];
  const attrs = st.attributes ?? [];
  const hidden = attrs.includes('hidden');
  const lower = e.name.toLowerCase();
  const skeleton = confusableSkeleton(e.name);
  const index = byName(listing);
  const named = (name: string) => (index.get(name) ?? []).filter((o) => o.node !== e.node);
  if (skeleton !== null) {
    const twin = named(skeleton.toLowerCase())[0];
    if (twin) {
      out.push(makeFinding('warning', 'homoglyph-name', path, `Look-alike of "${twin.name}"`, [`name: ${quoted(e.name)}`, `beside: ${quoted(twin.name)}`],
        'Two entries that look the same but are different: one of them is made to be opened by mistake.'));
    }
  }
  if (!hidden || SYSTEM_HIDDEN_NAMES.has(lower)) return out;
  const twins = ['', '.lnk', '.exe', '.scr', '.bat', '.cmd', '.vbs'].flatMap((suffix) => named(`${lower}${suffix}`));
  if (twins.length > 0) {
    out.push(makeFinding('danger', 'hidden-twin', path, `Hidden folder with a visible look-alike`, [`hidden folder: ${quoted(e.name)} (${attrs.join(', ')})`, ...twins.slice(0, 4).map((t) => `visible: ${quoted(t.name)}`)],
      'USB worms hide the real folder and put a shortcut or program with the same name and a folder icon in its place; opening the look-alike runs the worm, then shows the real folder so nothing seems wrong.'));
  } else if (attrs.includes('system')) {
    out.push(makeFinding('info', 'hidden-twin', path, 'Hidden system folder', [`folder: ${quoted(e.name)} (${attrs.join(', ')})`],
      'A hidden folder marked as a system folder does not show in Explorer even with hidden files shown; check what is inside.'));
  }
  return out;
}

/** Labels of volumes Windows creates itself: a stick named like one is pretending. */
const SYSTEM_LABELS = new Set(['system', 'system reserved', 'windows', 'recovery', 'winre', 'efi', 'esp', 'microsoft', 'windows update', 'bitlocker', 'restore', 'boot']);

export function volumeFindings(label: string | null): Finding[] {
  if (label === null || !SYSTEM_LABELS.has(label.trim().toLowerCase())) return [];
  return [makeFinding('info', 'volume-label', '/', `Volume label mimics a system volume ("${label.trim()}")`, [`label: ${JSON.stringify(label)}`],
    'A removable stick labelled like a Windows system or recovery volume may be meant to be trusted or booted from.')];
}
