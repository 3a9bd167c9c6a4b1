/** What the host serves block reads from: an image file or a device, opened read-only. */
export interface HostSource {
  readonly size: number;
  /** Exactly `length` bytes at `offset` (the supervisor has checked the range). */
  read(offset: number, length: number): Promise<Uint8Array>;
  close(): Promise<void>;
}
