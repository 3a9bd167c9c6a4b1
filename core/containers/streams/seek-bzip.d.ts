// The parts of seek-bzip (a pure-JS bzip2 decoder, no typings of its own) that bzip2.ts uses:
// its block-at-a-time decoder over synchronous byte streams.
declare module 'seek-bzip' {
  interface ByteSource {
    readByte(): number;
    read(buffer: Uint8Array, offset: number, length: number): number;
  }
  interface ByteSink {
    writeByte(byte: number): void;
  }
  interface BunzipState {
    reader: { read(bits: number): number };
    streamCRC: number;
    _init_block(): boolean;
    _read_bunzip(): unknown;
    _start_bunzip(input: ByteSource, output: ByteSink): void;
  }
  const Bunzip: new (input: ByteSource, output: ByteSink) => BunzipState;
  export default Bunzip;
}
