/* jobspec/jobspec.h: Nomad job files (HCL2) to struct job.
 *
 * Follows the HCL-to-API mapping of Nomad's jobspec2 (reference 2.18):
 * labelled blocks name their element, repeated blocks form lists, ports
 * with `static` go to ReservedPorts and the others to DynamicPorts, task
 * `config` is a free-form map, constraint shortcuts (`distinct_hosts =
 * true`, `regexp = "..."`, ...) set Operand and RTarget, an unnamed or
 * "default" identity block is Task.Identity and named ones Identities, and
 * a `task` directly inside `job` becomes a group of its own. The result is
 * the job as written (not canonicalised). */
#ifndef STEPPE_JOBSPEC_JOBSPEC_H
#define STEPPE_JOBSPEC_JOBSPEC_H

#include <stddef.h>

#include "jobspec/hcl.h"
#include "lib/err.h"

struct job;

/* Largest job file accepted, in bytes. */
#define JOBSPEC_MAX_FILE (64u * 1024 * 1024)

/* Parses src into a zeroed job. vars may be NULL (no overrides). Errors are
 * "FILE:LINE:COL: message". On error the job is released. */
int jobspec_parse(const char *filename, const char *src, size_t len,
		  const struct hcl_var_overrides *vars, struct job *out,
		  struct err *e);

/* Reads path (at most JOBSPEC_MAX_FILE bytes; "-" reads stdin) and parses
 * it. */
int jobspec_parse_file(const char *path, const struct hcl_var_overrides *vars,
		       struct job *out, struct err *e);

/* Reads a whole file for any of the HCL formats, refusing files larger
 * than max bytes with "PATH:1:1: file is N MB, larger than the M MB
 * limit". "-" reads standard input. The caller frees *out. */
int jobspec_read_file(const char *path, size_t max, char **out, size_t *len,
		      struct err *e);

#endif
