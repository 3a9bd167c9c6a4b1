export {
  ExtractWriter,
  MAX_RENAME_ATTEMPTS,
  type DirHandle,
  type ExtractAction,
  type ExtractOptions,
  type ExtractReport,
  type ExtractSummary,
} from './writer.js';
export { sanitiseName, quoteName, MAX_NAME_BYTES, type SafeName } from './names.js';
export { linkTargetProblem } from './symlink.js';
export { parseTimestamp } from './time.js';
export {
  markerFor,
  NoMarker,
  QuarantineMarker,
  ZoneIdentifierMarker,
  type MarkedFile,
  type MarkFailure,
  type MarkerRuntime,
  type UntrustedMarker,
} from './mark.js';
