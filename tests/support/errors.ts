import { expect } from 'vitest';
import { GloveboxError } from '../../core/errors.js';

/** The GloveboxError a promise rejects with; fails the test on success or a foreign error. */
export async function rejection(p: Promise<unknown>): Promise<GloveboxError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(GloveboxError);
    return e as GloveboxError;
  }
  throw new Error('expected a rejection');
}
