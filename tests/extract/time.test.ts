import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTimestamp } from '../../core/extract/time.js';

describe('parseTimestamp', () => {
  const savedTz = process.env.TZ;
  beforeAll(() => {
    // A zone that is not UTC, so treating local time as UTC (or the reverse) shows.
    process.env.TZ = 'America/New_York';
  });
  afterAll(() => {
    if (savedTz === undefined) delete process.env.TZ;
    else process.env.TZ = savedTz;
  });

  it('runs in a zone that differs from UTC', () => {
    expect(new Date(2023, 3, 5).getTimezoneOffset()).toBe(240);
  });

  it('reads a time without zone as host local wall-clock time', () => {
    const got = parseTimestamp('2023-04-05T06:07:08');
    expect(got?.getTime()).toBe(new Date(2023, 3, 5, 6, 7, 8).getTime());
    expect(got?.getTime()).toBe(Date.UTC(2023, 3, 5, 10, 7, 8));
  });

  it('reads Z and numeric offsets as instants', () => {
    expect(parseTimestamp('2023-04-05T06:07:08Z')?.getTime()).toBe(Date.UTC(2023, 3, 5, 6, 7, 8));
    expect(parseTimestamp('2023-04-05T06:07:08+02:00')?.getTime()).toBe(Date.UTC(2023, 3, 5, 4, 7, 8));
    expect(parseTimestamp('2023-04-05T06:07:08-05:30')?.getTime()).toBe(Date.UTC(2023, 3, 5, 11, 37, 8));
  });

  it('keeps milliseconds from fractions of any length', () => {
    expect(parseTimestamp('2023-04-05T06:07:08.5Z')?.getTime()).toBe(Date.UTC(2023, 3, 5, 6, 7, 8, 500));
    expect(parseTimestamp('2023-04-05T06:07:08.123456789Z')?.getTime()).toBe(Date.UTC(2023, 3, 5, 6, 7, 8, 123));
  });

  it('accepts the full range every host can store, including before 1970', () => {
    expect(parseTimestamp('1601-01-01T00:00:00Z')?.getUTCFullYear()).toBe(1601);
    expect(parseTimestamp('1969-12-31T23:59:59Z')?.getTime()).toBe(-1000);
    expect(parseTimestamp('2000-02-29T00:00:00')).not.toBeNull();
  });

  it.each([
    null,
    undefined,
    '',
    'garbage',
    '2023-04-05',
    '2023-04-05 06:07:08',
    '2023-13-01T00:00:00',
    '2023-02-29T00:00:00',
    '2023-04-31T00:00:00Z',
    '2023-04-05T24:00:00',
    '2023-04-05T23:60:00',
    '2023-04-05T23:59:60',
    '2023-04-05T06:07:08+24:00',
    '1600-12-31T23:59:59Z',
    '+10000-01-01T00:00:00Z',
    '2023-04-05T06:07:08z',
  ])('rejects %j', (value) => {
    expect(parseTimestamp(value)).toBeNull();
  });
});
