import { invalid } from '../../errors.js';
import type { ImageSession } from '../../sandbox/host/session.js';
import type { Output } from '../output.js';

export async function catCommand(session: ImageSession, path: string, volume: number | undefined, out: Output): Promise<void> {
  const vol = await session.volume(volume);
  const st = await session.lookup(vol.index, path);
  if (st.type === 'dir') throw invalid(`${path} is a directory`);
  if (st.type === 'symlink') throw invalid(`${path} is a symbolic link (to read its target, use ls)`);
  if (st.type !== 'file') throw invalid(`${path} is not a regular file`);
  for await (const chunk of session.data(vol.index, st.node, st.size)) await out.write(chunk);
}
