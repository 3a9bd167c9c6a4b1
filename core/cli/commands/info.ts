import type { ImageSession } from '../../sandbox/host/session.js';
import { humanSize, table, terminalSafe } from '../format.js';
import type { Output } from '../output.js';

export async function infoCommand(session: ImageSession, imageName: string, json: boolean, out: Output): Promise<void> {
  const info = await session.info();
  if (json) {
    await out.line(
      JSON.stringify({
        size: info.size,
        virtualSize: info.size,
        container: info.container,
        ...(info.inner !== undefined ? { inner: info.inner } : {}),
        ...(info.refused !== undefined ? { refused: info.refused } : {}),
        partitioning: info.partitioning,
        volumes: info.volumes.map((v) => ({
          index: v.index,
          partition: v.partition,
          offset: v.offset,
          size: v.size,
          fs: v.fs,
          label: v.label,
        })),
        isolation: session.isolation,
      }),
    );
    return;
  }
  const table_ = info.partitioning === 'none' ? 'no partition table' : `${info.partitioning.toUpperCase()} partition table`;
  const kind = info.inner !== undefined ? `${info.container} image holding ${info.inner}` : `${info.container} image`;
  await out.line(`${terminalSafe(imageName)}: ${humanSize(info.size)}, ${kind}, ${table_}`);
  for (const w of info.warnings) await out.line(`  warning: ${terminalSafe(w)}`);
  // What the sandbox that parsed this image was confined by, as reported and self-tested.
  await out.line(`  isolation: ${session.isolation.join(', ') || 'none'}`);
  const rows = [['volume', 'partition', 'offset', 'size', 'fs', 'label', 'type']];
  for (const v of info.volumes) {
    rows.push([
      String(v.index),
      v.partition === null ? '-' : String(v.partition),
      String(v.offset),
      humanSize(v.size),
      v.fs ?? '-',
      v.label === null ? '' : terminalSafe(v.label),
      terminalSafe([v.partitionTypeName ?? v.partitionType ?? '', v.partitionName ? `"${v.partitionName}"` : '', v.error ? `error: ${v.error}` : ''].filter(Boolean).join(' ')),
    ]);
  }
  for (const line of table(rows)) await out.line(`  ${line}`);
  for (const v of info.volumes) for (const n of v.notes ?? []) await out.line(`  volume ${v.index}: ${terminalSafe(n)}`);
}
