/*
 * glovebox_confine: the sandbox kernel's OS confinement, applied by the kernel to itself.
 * One N-API addon (so one build serves Node and Electron), one exported function per
 * platform behind the same shape: `apply(options) -> { layers: string[], problems: string[] }`.
 *
 *   Linux    PR_SET_NO_NEW_PRIVS + a seccomp-bpf filter installed with SECCOMP_FILTER_FLAG_TSYNC
 *            (every thread V8 and libuv already started gets it). Denied calls answer EPERM,
 *            never kill: the runtime survives a refused call and keeps serving block reads.
 *   macOS    sandbox_init(kSBXProfilePureComputation): no file system, network or processes.
 *   Windows  low integrity level, a job object (no child processes, memory cap, die on an
 *            unhandled exception), child-process / extension-point / image-load mitigations.
 *
 * The syscall list lives only in this file (DENIED below). The self-test in
 * core/sandbox/confine/selftest.ts is the judge of whether it holds.
 */
#define _GNU_SOURCE
#define NAPI_VERSION 8
#include <node_api.h>
#include <stdint.h>
#include <string.h>
#include <stdio.h>

#define MAX_ITEMS 16

typedef struct {
  const char *layers[MAX_ITEMS];
  int nlayers;
  char problems[MAX_ITEMS][256];
  int nproblems;
} report_t;

static void add_layer(report_t *r, const char *name) {
  if (r->nlayers < MAX_ITEMS) r->layers[r->nlayers++] = name;
}

static void add_problem(report_t *r, const char *what) {
  if (r->nproblems < MAX_ITEMS) snprintf(r->problems[r->nproblems++], 256, "%s", what);
}

/* ---------------------------------------------------------------------------------------- */
#if defined(__linux__)
#include <errno.h>
#include <stddef.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>

/* Calls newer than some C libraries' headers; numbers from 424 on are the same on every arch. */
#ifndef __NR_pidfd_send_signal
#define __NR_pidfd_send_signal 424
#endif
#ifndef __NR_io_uring_setup
#define __NR_io_uring_setup 425
#endif
#ifndef __NR_io_uring_enter
#define __NR_io_uring_enter 426
#endif
#ifndef __NR_io_uring_register
#define __NR_io_uring_register 427
#endif
#ifndef __NR_open_tree
#define __NR_open_tree 428
#endif
#ifndef __NR_move_mount
#define __NR_move_mount 429
#endif
#ifndef __NR_fsopen
#define __NR_fsopen 430
#endif
#ifndef __NR_fsconfig
#define __NR_fsconfig 431
#endif
#ifndef __NR_fsmount
#define __NR_fsmount 432
#endif
#ifndef __NR_fspick
#define __NR_fspick 433
#endif
#ifndef __NR_pidfd_open
#define __NR_pidfd_open 434
#endif
#ifndef __NR_clone3
#define __NR_clone3 435
#endif
#ifndef __NR_openat2
#define __NR_openat2 437
#endif
#ifndef __NR_pidfd_getfd
#define __NR_pidfd_getfd 438
#endif
#ifndef __NR_mount_setattr
#define __NR_mount_setattr 442
#endif
#ifndef __NR_landlock_create_ruleset
#define __NR_landlock_create_ruleset 444
#endif
#ifndef __NR_fchmodat2
#define __NR_fchmodat2 452
#endif

#if defined(__x86_64__)
#define GBX_AUDIT_ARCH AUDIT_ARCH_X86_64
#define GBX_X32_BIT 0x40000000u
#elif defined(__aarch64__)
#define GBX_AUDIT_ARCH AUDIT_ARCH_AARCH64
#endif

/* Every call the kernel must never make: opening or changing files by path, networking,
 * new processes, other processes' memory and signals, mounts, namespaces, keys, eBPF,
 * io_uring (which would bypass this filter). Each answers EPERM. */
static const int DENIED[] = {
  /* files by path */
#ifdef __NR_open
  __NR_open,
#endif
#ifdef __NR_creat
  __NR_creat,
#endif
  __NR_openat, __NR_openat2, __NR_open_by_handle_at, __NR_name_to_handle_at,
#ifdef __NR_unlink
  __NR_unlink,
#endif
#ifdef __NR_rename
  __NR_rename,
#endif
#ifdef __NR_mkdir
  __NR_mkdir,
#endif
#ifdef __NR_rmdir
  __NR_rmdir,
#endif
#ifdef __NR_symlink
  __NR_symlink,
#endif
#ifdef __NR_link
  __NR_link,
#endif
#ifdef __NR_chmod
  __NR_chmod,
#endif
#ifdef __NR_chown
  __NR_chown,
#endif
#ifdef __NR_lchown
  __NR_lchown,
#endif
#ifdef __NR_mknod
  __NR_mknod,
#endif
#ifdef __NR_utimes
  __NR_utimes,
#endif
#ifdef __NR_futimesat
  __NR_futimesat,
#endif
#ifdef __NR_uselib
  __NR_uselib,
#endif
#ifdef __NR_renameat
  __NR_renameat,
#endif
  __NR_unlinkat, __NR_renameat2, __NR_mkdirat, __NR_symlinkat, __NR_linkat, __NR_fchmodat,
  __NR_fchmodat2, __NR_fchownat, __NR_mknodat, __NR_truncate, __NR_utimensat, __NR_chdir,
  __NR_chroot, __NR_inotify_add_watch, __NR_fanotify_init, __NR_fanotify_mark,
  __NR_setxattr, __NR_lsetxattr, __NR_removexattr, __NR_lremovexattr,
  /* network (the channel the process already holds keeps working) */
  __NR_socket, __NR_socketpair, __NR_connect, __NR_bind, __NR_listen, __NR_accept, __NR_accept4,
  /* processes */
  __NR_execve, __NR_execveat,
#ifdef __NR_fork
  __NR_fork,
#endif
#ifdef __NR_vfork
  __NR_vfork,
#endif
  __NR_ptrace, __NR_process_vm_readv, __NR_process_vm_writev, __NR_kcmp,
  __NR_pidfd_open, __NR_pidfd_getfd, __NR_pidfd_send_signal, __NR_tkill,
  /* mounts, namespaces, keys, eBPF, io_uring, kernel modules, perf */
  __NR_mount, __NR_umount2, __NR_pivot_root, __NR_open_tree, __NR_move_mount, __NR_fsopen,
  __NR_fsconfig, __NR_fsmount, __NR_fspick, __NR_mount_setattr, __NR_unshare, __NR_setns,
  __NR_keyctl, __NR_add_key, __NR_request_key, __NR_bpf, __NR_io_uring_setup,
  __NR_io_uring_enter, __NR_io_uring_register, __NR_init_module, __NR_finit_module,
  __NR_delete_module, __NR_perf_event_open, __NR_userfaultfd, __NR_quotactl, __NR_acct,
  __NR_swapon, __NR_swapoff, __NR_reboot, __NR_kexec_load, __NR_personality,
};
#define NDENIED (sizeof(DENIED) / sizeof(DENIED[0]))

#define ARG_LO(i) (offsetof(struct seccomp_data, args) + 8 * (i))
#define DENY(err) (SECCOMP_RET_ERRNO | ((err) & SECCOMP_RET_DATA))
/* Namespace flags: a thread may not be started in a new namespace either. */
#define CLONE_NS_MASK 0x7E020000u

static int install_seccomp(report_t *r) {
#if !defined(GBX_AUDIT_ARCH)
  add_problem(r, "seccomp: this CPU architecture is not supported (only x86-64 and arm64)");
  return -1;
#else
  struct sock_filter prog[2 * NDENIED + 32];
  unsigned n = 0;
  const unsigned pid = (unsigned)getpid();
  /* Another ABI than the native one (i386 int 0x80 on x86-64, arm32 compat): refused. */
  prog[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
  prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, GBX_AUDIT_ARCH, 1, 0);
  prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, DENY(EPERM));
  prog[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
#if defined(GBX_X32_BIT)
  /* x32 calls carry the same arch with bit 30 set in the number. */
  prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, GBX_X32_BIT, 0, 1);
  prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, DENY(EPERM));
#endif
  for (unsigned i = 0; i < NDENIED; i++) {
    prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)DENIED[i], 0, 1);
    prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, DENY(EPERM));
  }
  /* clone3 passes its flags in memory the filter cannot read: ENOSYS makes the C library
   * fall back to clone, whose flags it can. */
  prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone3, 0, 1);
  prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, DENY(ENOSYS));
  /* clone: threads only (CLONE_THREAD, no new namespace). Jumps are counted to the two
   * returns at the end: deny (second to last) and allow (last). */
  prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone, 0, 3);
  prog[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(0));
  prog[n++] = (struct sock_filter)BPF_STMT(BPF_ALU | BPF_AND | BPF_K, CLONE_THREAD | CLONE_NS_MASK);
  prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, CLONE_THREAD, 7, 6);
  /* kill: only this process itself (the kernel truncates pid to 32 bits, and so do we). */
  prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_kill, 0, 2);
  prog[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(0));
  prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, pid, 4, 3);
  /* tgkill: only threads of this process. */
  prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_tgkill, 0, 3);
  prog[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(0));
  prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, pid, 1, 0);
  prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, DENY(EPERM));
  prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);

  struct sock_fprog fprog = { .len = (unsigned short)n, .filter = prog };
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    add_problem(r, "no_new_privs could not be set");
    return -1;
  }
  add_layer(r, "no-new-privs");
  long rc = syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &fprog);
  if (rc != 0) {
    char msg[200];
    if (rc > 0) snprintf(msg, sizeof msg, "seccomp: thread %ld could not be synchronised", rc);
    else snprintf(msg, sizeof msg, "seccomp: the filter was refused (%s)", strerror(errno));
    add_problem(r, msg);
    return -1;
  }
  add_layer(r, "seccomp");
  return 0;
#endif
}

static void apply_platform(report_t *r, long long memory_bytes) {
  (void)memory_bytes; /* Linux: the supervisor enforces the memory cap from outside. */
  install_seccomp(r);
}

/* ---------------------------------------------------------------------------------------- */
#elif defined(__APPLE__)
#include <stdlib.h>
/* Deprecated in the SDK but still the documented way to enter a named profile. */
extern const char kSBXProfilePureComputation[];
extern int sandbox_init(const char *profile, uint64_t flags, char **errorbuf);
extern void sandbox_free_error(char *errorbuf);
#define SANDBOX_NAMED 0x0001

static void apply_platform(report_t *r, long long memory_bytes) {
  (void)memory_bytes;
  char *err = NULL;
  if (sandbox_init(kSBXProfilePureComputation, SANDBOX_NAMED, &err) == 0) {
    add_layer(r, "sandbox-pure-computation");
  } else {
    char msg[200];
    snprintf(msg, sizeof msg, "sandbox_init failed: %s", err ? err : "unknown error");
    add_problem(r, msg);
    if (err) sandbox_free_error(err);
  }
}

/* ---------------------------------------------------------------------------------------- */
#elif defined(_WIN32)
#ifndef _WIN32_WINNT
#define _WIN32_WINNT 0x0A00
#endif
#include <windows.h>
#include <sddl.h>

static void win_problem(report_t *r, const char *what) {
  char msg[200];
  snprintf(msg, sizeof msg, "%s failed (error %lu)", what, (unsigned long)GetLastError());
  add_problem(r, msg);
}

static void lower_integrity(report_t *r) {
  HANDLE token = NULL;
  PSID low = NULL;
  if (!OpenProcessToken(GetCurrentProcess(), TOKEN_ADJUST_DEFAULT | TOKEN_QUERY, &token)) {
    win_problem(r, "OpenProcessToken");
    return;
  }
  if (!ConvertStringSidToSidW(L"S-1-16-4096", &low)) { /* low mandatory level */
    win_problem(r, "ConvertStringSidToSid");
    CloseHandle(token);
    return;
  }
  TOKEN_MANDATORY_LABEL label = { 0 };
  label.Label.Attributes = SE_GROUP_INTEGRITY;
  label.Label.Sid = low;
  if (SetTokenInformation(token, TokenIntegrityLevel, &label, sizeof label + GetLengthSid(low))) add_layer(r, "low-integrity");
  else win_problem(r, "SetTokenInformation(TokenIntegrityLevel)");
  LocalFree(low);
  CloseHandle(token);
}

static void job_object(report_t *r, long long memory_bytes) {
  HANDLE job = CreateJobObjectW(NULL, NULL);
  if (!job) {
    win_problem(r, "CreateJobObject");
    return;
  }
  JOBOBJECT_EXTENDED_LIMIT_INFORMATION info = { 0 };
  info.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_ACTIVE_PROCESS | JOB_OBJECT_LIMIT_DIE_ON_UNHANDLED_EXCEPTION;
  info.BasicLimitInformation.ActiveProcessLimit = 1;
  if (memory_bytes > 0) {
    info.BasicLimitInformation.LimitFlags |= JOB_OBJECT_LIMIT_PROCESS_MEMORY;
    info.ProcessMemoryLimit = (SIZE_T)memory_bytes;
  }
  JOBOBJECT_BASIC_UI_RESTRICTIONS ui = { JOB_OBJECT_UILIMIT_DESKTOP | JOB_OBJECT_UILIMIT_DISPLAYSETTINGS |
                                         JOB_OBJECT_UILIMIT_EXITWINDOWS | JOB_OBJECT_UILIMIT_GLOBALATOMS |
                                         JOB_OBJECT_UILIMIT_HANDLES | JOB_OBJECT_UILIMIT_READCLIPBOARD |
                                         JOB_OBJECT_UILIMIT_SYSTEMPARAMETERS | JOB_OBJECT_UILIMIT_WRITECLIPBOARD };
  if (!SetInformationJobObject(job, JobObjectExtendedLimitInformation, &info, sizeof info)) {
    win_problem(r, "SetInformationJobObject(limits)");
  } else if (!SetInformationJobObject(job, JobObjectBasicUIRestrictions, &ui, sizeof ui)) {
    win_problem(r, "SetInformationJobObject(UI)");
  } else if (!AssignProcessToJobObject(job, GetCurrentProcess())) {
    win_problem(r, "AssignProcessToJobObject");
  } else {
    add_layer(r, "job-object");
    return; /* the handle stays open for the life of the process: closing it would not end the limits, but keep it simple */
  }
  CloseHandle(job);
}

static void mitigations(report_t *r) {
  PROCESS_MITIGATION_CHILD_PROCESS_POLICY child = { 0 };
  child.NoChildProcessCreation = 1;
  if (SetProcessMitigationPolicy(ProcessChildProcessPolicy, &child, sizeof child)) add_layer(r, "no-child-process-policy");
  else win_problem(r, "SetProcessMitigationPolicy(child process)");
  PROCESS_MITIGATION_EXTENSION_POINT_DISABLE_POLICY ext = { 0 };
  ext.DisableExtensionPoints = 1;
  if (!SetProcessMitigationPolicy(ProcessExtensionPointDisablePolicy, &ext, sizeof ext)) win_problem(r, "SetProcessMitigationPolicy(extension points)");
  PROCESS_MITIGATION_IMAGE_LOAD_POLICY img = { 0 };
  img.NoRemoteImages = 1;
  img.NoLowMandatoryLabelImages = 1;
  if (!SetProcessMitigationPolicy(ProcessImageLoadPolicy, &img, sizeof img)) win_problem(r, "SetProcessMitigationPolicy(image load)");
  /* ProcessDynamicCodePolicy (no dynamic code) is left off: V8's JIT writes code at run time. */
}

static void apply_platform(report_t *r, long long memory_bytes) {
  job_object(r, memory_bytes);
  mitigations(r);
  lower_integrity(r); /* last: a low-integrity token may no longer be allowed the calls above */
}

/* ---------------------------------------------------------------------------------------- */
#else
static void apply_platform(report_t *r, long long memory_bytes) {
  (void)memory_bytes;
  add_problem(r, "no OS confinement is implemented for this platform");
}
#endif

/* ---------------------------------------------------------------------------------------- */
#if defined(__linux__) || defined(__APPLE__)
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

/* Closes descriptors above stderr that survived exec without FD_CLOEXEC (so were inherited
 * from whoever started the host, not opened by Node or libuv, which always set it), except
 * the message channel. Returns how many were closed. */
static int close_inherited(int keep) {
  int fds[1024];
  int n = 0, closed = 0;
#if defined(__linux__)
  DIR *dir = opendir("/proc/self/fd");
  if (dir) {
    int self = dirfd(dir);
    struct dirent *e;
    while ((e = readdir(dir)) != NULL && n < 1024) {
      if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
      int fd = atoi(e->d_name);
      if (fd > 2 && fd != self && fd != keep) fds[n++] = fd;
    }
    closedir(dir);
  } else
#endif
  {
    for (int fd = 3; fd < 4096 && n < 1024; fd++) if (fd != keep) fds[n++] = fd;
  }
  for (int i = 0; i < n; i++) {
    int flags = fcntl(fds[i], F_GETFD);
    if (flags >= 0 && !(flags & FD_CLOEXEC) && close(fds[i]) == 0) closed++;
  }
  return closed;
}
#else
static int close_inherited(int keep) {
  (void)keep; /* Windows: handles are inherited only when the parent asks; Node and Electron do not. */
  return 0;
}
#endif

/* closeInherited(keepFd: number) -> number of descriptors closed. */
static napi_value CloseInherited(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], result;
  int32_t keep = -1;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (argc >= 1) napi_get_value_int32(env, argv[0], &keep);
  napi_create_int32(env, close_inherited(keep), &result);
  return result;
}

static int applied = 0;

/* apply({ memoryBytes?: number }) -> { layers: string[], problems: string[] }; once per process. */
static napi_value Apply(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  long long memory_bytes = 0;
  report_t r;
  memset(&r, 0, sizeof r);
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (argc >= 1) {
    napi_valuetype t;
    napi_value v;
    bool has = false;
    if (napi_typeof(env, argv[0], &t) == napi_ok && t == napi_object &&
        napi_has_named_property(env, argv[0], "memoryBytes", &has) == napi_ok && has &&
        napi_get_named_property(env, argv[0], "memoryBytes", &v) == napi_ok) {
      double d = 0;
      if (napi_get_value_double(env, v, &d) == napi_ok && d > 0 && d < 9.0e15) memory_bytes = (long long)d;
    }
  }
  if (applied) add_problem(&r, "confinement was already applied");
  else {
    applied = 1;
    apply_platform(&r, memory_bytes);
  }
  napi_value result, layers, problems;
  napi_create_object(env, &result);
  napi_create_array_with_length(env, (size_t)r.nlayers, &layers);
  napi_create_array_with_length(env, (size_t)r.nproblems, &problems);
  for (int i = 0; i < r.nlayers; i++) {
    napi_value s;
    napi_create_string_utf8(env, r.layers[i], NAPI_AUTO_LENGTH, &s);
    napi_set_element(env, layers, (uint32_t)i, s);
  }
  for (int i = 0; i < r.nproblems; i++) {
    napi_value s;
    napi_create_string_utf8(env, r.problems[i], NAPI_AUTO_LENGTH, &s);
    napi_set_element(env, problems, (uint32_t)i, s);
  }
  napi_set_named_property(env, result, "layers", layers);
  napi_set_named_property(env, result, "problems", problems);
  return result;
}

static napi_value Init(napi_env env, napi_value exports) {
  napi_value fn;
  if (napi_create_function(env, "apply", NAPI_AUTO_LENGTH, Apply, NULL, &fn) == napi_ok) {
    napi_set_named_property(env, exports, "apply", fn);
  }
  if (napi_create_function(env, "closeInherited", NAPI_AUTO_LENGTH, CloseInherited, NULL, &fn) == napi_ok) {
    napi_set_named_property(env, exports, "closeInherited", fn);
  }
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
