/* client/allocdir.h: an allocation's directory tree on the client and the
 * safe path handling the file-system API needs.
 *
 *   <alloc_root>/<alloc_id>/
 *     alloc/ data/ logs/ tmp/     shared by the tasks (NOMAD_ALLOC_DIR)
 *     <task>/ local/ secrets/ tmp/
 *
 * Modes: the directories are 0777 (tasks may run as another user), tmp/
 * 1777, secrets/ 0700. When the agent runs as root, secrets/ is a tmpfs
 * (1 MB, noexec, nosuid, nodev) as in Nomad, so secrets never reach the
 * disk; where mounting is not allowed it stays a plain 0700 directory.
 *
 * Everything here is blocking file-system work: call it off the loop
 * (pool thread) when the tree may be large. Thread-safe: no shared
 * state, no chdir. */
#ifndef STEPPE_CLIENT_ALLOCDIR_H
#define STEPPE_CLIENT_ALLOCDIR_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/err.h"

/* Creates the tree for the tasks (idempotent: existing directories and
 * mounts are kept). Task names must be plain file names (no "/", not
 * "alloc", ".", ".."). Errors: ERR_INVAL (a bad name, named), ERR_IO. */
int allocdir_build(const char *alloc_root, const char *alloc_id,
                   const char *const *tasks, size_t ntasks, struct err *e);

/* Lazily unmounts everything mounted under <alloc_root>/<alloc_id>
 * (deepest first, from /proc/self/mountinfo), then removes the tree
 * without following symlinks and without crossing into another file
 * system (a mount that could not be unmounted is an error, not
 * recursed into). A missing directory is not an error. */
int allocdir_destroy(const char *alloc_root, const char *alloc_id,
                     struct err *e);

/* Gives a task's directories (the task dir, local, secrets, tmp) to
 * uid:gid, for a task that runs as another user. */
int allocdir_chown_task(const char *alloc_dir, const char *task, uid_t uid,
                        gid_t gid, struct err *e);

/* For the file-system API: resolves rel, a path relative to the
 * allocation directory alloc_dir ("<alloc_root>/<alloc_id>"), such as
 * "alloc/logs/web.stdout.0" or "/web/local/x" (a leading "/" is the
 * allocation directory, as in `nomad alloc fs`), into an absolute host
 * path in out. The result has every symlink resolved and must exist.
 * Errors:
 *   ERR_DENIED   "path escapes the allocation directory" (".." above the
 *                root, or a symlink pointing outside)
 *   ERR_DENIED   "permission denied: secrets" (anything in a task's
 *                secrets directory)
 *   ERR_NOTFOUND "<rel>: no such file or directory"
 *   ERR_INVAL    path too long */
int allocdir_resolve(const char *alloc_dir, const char *rel, char *out,
                     size_t outlen, struct err *e);

/* Nomad's AllocFileInfo for path, shown under name: {"Name", "IsDir",
 * "Size", "FileMode" (Go's os.FileMode string, "-rw-r--r--",
 * "drwxrwxrwx", "dtrwxrwxrwx"), "ModTime" (RFC 3339), "ContentType"
 * (regular files only)}. Symlinks are described, not followed. NULL when
 * path cannot be stat'ed or on oom. */
json_t *allocdir_stat_json(const char *path, const char *name);

/* A JSON array of AllocFileInfo for the entries of directory path,
 * sorted by name ("." and ".." left out). Errors: ERR_NOTFOUND,
 * ERR_INVAL (not a directory), ERR_IO, ERR_NOMEM. */
int allocdir_list_json(const char *path, json_t **out, struct err *e);

/* Bytes of disk the tree under alloc_dir uses (allocated blocks), not
 * following symlinks or crossing mounts. Returns 0 or ERR_IO. */
int allocdir_disk_usage(const char *alloc_dir, uint64_t *bytes);

#endif
