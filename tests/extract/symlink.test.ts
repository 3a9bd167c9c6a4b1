import { describe, expect, it } from 'vitest';
import { linkTargetProblem } from '../../core/extract/symlink.js';

describe('linkTargetProblem', () => {
  it.each([
    ['file.txt', 0],
    ['dir/file.txt', 0],
    ['./dir//file', 0],
    ['.', 0],
    ['..', 1],
    ['../sibling/file', 1],
    ['../../top', 2],
    ['../../top', 5],
  ])('allows %j at depth %i', (target, depth) => {
    expect(linkTargetProblem(target, depth)).toBeNull();
  });

  it.each([
    ['', 0, 'empty'],
    ['a\0b', 0, 'NUL'],
    ['/etc/passwd', 3, 'absolute'],
    ['C:/Windows', 3, 'absolute'],
    ['c:file', 3, 'absolute'],
    ['..\\..\\x', 3, 'backslash'],
    ['..', 0, 'outside'],
    ['../x', 0, 'outside'],
    ['../../x', 1, 'outside'],
    ['./../x', 0, 'outside'],
    // Lexically inside, but a link at "l" pointing upward is followed before the "..".
    ['l/../x', 1, '".." after a name'],
    ['a/../../x', 1, '".." after a name'],
    ['x'.repeat(4096), 0, 'too long'],
  ])('refuses %j at depth %i', (target, depth, why) => {
    expect(linkTargetProblem(target, depth)).toContain(why);
  });
});
