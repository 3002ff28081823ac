/* client/getter.h: the task `artifact` block (Nomad's go-getter subset).
 *
 * Sources: "http://..." and "https://..." (libcurl: redirects followed,
 * only to http/https; a status >= 400 fails with "bad response code: N";
 * GetterHeaders sent; GetterInsecure skips TLS verification; userinfo in
 * the URL is basic auth) and "file:///abs/path" or "/abs/path" (a file, or
 * a directory copied whole). A go-getter forcing prefix "http::",
 * "https::" or "file::" is accepted; any other getter (git::, s3::, gcs::,
 * hg::) is ERR_UNSUPPORTED. Source, destination, option and header values
 * are interpolated with the task environment first (the destination with
 * the host's directory paths, as Nomad does).
 *
 * Options (GetterOptions, or go-getter's query parameters on the source,
 * which are removed from the URL fetched):
 *   checksum = "sha256:HEX" (md5, sha1, sha256, sha512; a bare HEX picks
 *              the type by its length): checked on the downloaded file,
 *              before unpacking; "checksum mismatch: expected X, got Y"
 *   archive  = "false" to keep an archive as it is, or a format name to
 *              unpack regardless of the name ("tar.gz", "zip", ...)
 *   filename = the file's name in "any" mode (default: the URL's base name)
 * Archives are recognised by extension: .tar.gz .tgz .tar.bz2 .tbz2
 * .tar.xz .txz .tar.zst .tzst .tar .zip (unpacked into the destination)
 * and .gz .bz2 .xz .zst (one compressed file: decompressed, the extension
 * dropped). Unpacking (libarchive) refuses absolute names, ".." and
 * writing through symlinks, skips devices and FIFOs, never restores
 * set-id bits, and stops past GETTER_MAX_FILES entries or
 * GETTER_MAX_BYTES unpacked.
 *
 * Modes (GetterMode): "any" (default: an archive is unpacked into the
 * destination directory, a plain file lands as <destination>/<name>),
 * "dir" (the source must be an archive or a directory), "file" (the
 * destination is the file's path; an archive must hold exactly one file).
 *
 * Destination (RelativeDest, default "local/", or "local/<name>" in file
 * mode) is relative to the task directory; it must stay inside the task
 * directory or the allocation's shared alloc/ directory (checked on the
 * path and again on the directories as they exist, never following a
 * symlink), otherwise ERR_DENIED "destination ... escapes the task
 * directory".
 *
 * Errors name the source, its password (if any) replaced by "xxxxx":
 *   artifact "https://u:xxxxx@h/x.tgz": bad response code: 404
 * Not done yet: chown (files belong to the agent's user), and confining
 * file sources: a file:// source reads any path the agent can read
 * (Nomad confines its getter with Landlock), so the client may want to
 * restrict file sources until that exists.
 *
 * getter_fetch blocks (network, disk): run it on a pool thread. It is
 * thread-safe; it never changes the working directory. */
#ifndef STEPPE_CLIENT_GETTER_H
#define STEPPE_CLIENT_GETTER_H

#include "client/taskenv.h"
#include "lib/err.h"
#include "structs/job.h"

/* Nomad's client defaults (artifact { decompression_file_count_limit,
 * decompression_size_limit, http_max_size, http_read_timeout }). */
#define GETTER_MAX_FILES      4096
#define GETTER_MAX_BYTES      (100ULL * 1000 * 1000 * 1000)
#define GETTER_READ_TIMEOUT_S (30 * 60)

/* Fetches artifact a into task_dir (the task's host directory). env may
 * be NULL (no interpolation; the destination must then stay in
 * task_dir). Errors: ERR_INVAL (bad source, option or destination),
 * ERR_UNSUPPORTED, ERR_DENIED (destination escape, archive entry
 * refused), ERR_NOTFOUND (file source missing), ERR_IO (transfer,
 * checksum mismatch, unpacking), ERR_TOOBIG, ERR_NOMEM. */
int getter_fetch(const struct task_artifact *a, const struct taskenv *env,
                 const char *task_dir, struct err *e);

/* The URL with any password replaced by "xxxxx" (Go's URL.Redacted), in
 * out (truncated to size). */
void getter_redact(const char *url, char *out, size_t size);

#endif
