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

Options:
  --volume N   volume number from 'glovebox info' (default: the first with a file system)
  --json       machine-readable output (ls: one JSON object per line)
  --require-isolation  refuse to parse unless the sandbox's OS-level confinement is in force
  --expand-limit SIZE  largest decompressed size of a compressed image (.xz .gz .zst .bz2
               .zip: expanded by the sandbox into a private temporary file; default 64G)
  -h, --help   this help;  --version  the version

Exit status: 0 done, 1 the image or the request failed, 2 usage error.`;

export class UsageError extends Error {
  override name = 'UsageError';
}
