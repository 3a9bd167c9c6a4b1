export const USAGE = `Usage: glovebox <command> [options]

Inspect untrusted disk images and USB sticks: the file system drivers run in a confined
sandbox process and nothing is ever written to the image.

Commands:
  info <image> [--json]                         container, partitions, volumes and the
                                                sandbox's isolation
  ls <image> [path] [--volume N] [-r] [-a] [--json]
                                                list a directory (recursively with -r; -a/--all
                                                adds file system metadata and alternate streams)
  cat <image> <path> [--volume N]               write a file's bytes to stdout
  extract <image> [path...] -o <dir> [--volume N] [--overwrite]
                                                copy files and directories out, safely
  scan <image> [--volume N] [--json | --html] [--hash] [--hash-list FILE]
                                                what could hurt you: autorun files, shortcuts,
                                                programs, scripts, macros, disguised names
                                                (--hash: SHA-256 of flagged files; --html: one
                                                self-contained report page; --hash-list: flag
                                                files whose MD5/SHA-1/SHA-256 is listed, or
                                                mark NSRL RDS known files)
  hash <image> [path] [--volume N] [--algo sha256,sha1,md5] [--json]
                                                digests of a file in the image (no path: of
                                                the image file itself)
  devices [--json] [--watch]                    USB sticks, disks and loop devices, with
                                                warnings (BadUSB, mounted by the OS, system
                                                disk); --watch prints changes as they happen
  image <device|image> -o <file> [--partition N] [--overwrite]
                                                copy a whole device (or one partition) to an
                                                image file, with <file>.sha256 and a log of
                                                unreadable ranges
  mount <image|device> <dir> [--volume N] [--foreground] [--allow-other]
                                                mount a volume read-only (FUSE), served by the
                                                sandbox: ro,nosuid,nodev,noexec
  unmount <dir>                                 unmount what glovebox mount mounted

Options:
  --volume N   volume number from 'glovebox info' (default: the first with a file system)
  --json       machine-readable output (ls, scan: one JSON object per line)
  --require-isolation  refuse to parse unless the sandbox's OS-level confinement is in force
  --expand-limit SIZE  largest decompressed size of a compressed image (.xz .gz .zst .bz2
               .zip: expanded by the sandbox into a private temporary file; default 64G)
  -h, --help   this help;  --version  the version

Exit status: 0 done, 1 the image or the request failed, 2 usage error.`;

export class UsageError extends Error {
  override name = 'UsageError';
}
