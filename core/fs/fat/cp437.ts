// Code page 437, the OEM code page of US DOS and Windows, for 8.3 names and volume labels.
// Windows writes short names in the system's OEM code page; 437 is the common default and the
// one Linux's vfat uses by default. Bytes below 0x80 are ASCII; control bytes are kept as the
// control characters they are (not CP437's graphic glyphs) so that escaping above can show them.

/** Unicode for bytes 0x80..0xFF (Python's cp437 codec, which follows the Unicode mapping file). */
const HIGH_HALF =
  'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒ' +
  'áíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐' +
  '└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀' +
  'αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00A0';

export function decodeCp437(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b < 0x80 ? String.fromCharCode(b) : HIGH_HALF[b - 0x80]!;
  return out;
}
