/* scheduler/version.h: versions and version constraints as the `version`
 * and `semver` constraint operators read them.
 *
 * Versions follow hashicorp/go-version: an optional "v", numeric segments
 * separated by dots (padded to at least three), an optional prerelease
 * ("-beta.1", or glued as in "1.0beta1") and optional metadata ("+ent",
 * ignored when ordering). Ordering is semver 2.0's: segments numerically,
 * a prerelease before its release, prerelease parts compared numerically
 * when both are numbers, numbers before words, words lexically.
 *
 * Constraints are comma separated lists of "<op> <version>", all of which
 * must hold:
 *   version: ops = != > < >= <= ~> (none = "="); a version with a
 *            prerelease only satisfies an ordering constraint whose
 *            version has a prerelease on the same segments (go-version);
 *            "~> 1.2" allows 1.2 up to but excluding 2.0, "~> 1.2.3" up to
 *            1.3.
 *   semver:  ops = != > < >= <= (none = "="), no "~>", the constraint's
 *            version needs a "-" before a prerelease, plain semver 2.0
 *            ordering (prereleases compare with everything).
 * Anything malformed does not parse: the constraint filters the node. */
#ifndef STEPPE_SCHEDULER_VERSION_H
#define STEPPE_SCHEDULER_VERSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sched_version;
struct sched_vconstraint;

/* Parses a version (go-version's lenient form when strict is false,
 * NewSemver's when true). Returns a mem_malloc'd version or NULL when
 * malformed or out of memory. */
struct sched_version *sched_version_parse(const char *s, bool strict);
void sched_version_free(struct sched_version *v);
/* -1, 0 or 1. */
int sched_version_compare(const struct sched_version *a,
                          const struct sched_version *b);

/* Parses a constraint list; semver selects the `semver` rules. NULL when
 * malformed or out of memory. */
struct sched_vconstraint *sched_vconstraint_parse(const char *s, bool semver);
void sched_vconstraint_free(struct sched_vconstraint *c);
/* Whether v satisfies every constraint of the list. */
bool sched_vconstraint_check(const struct sched_vconstraint *c,
                             const struct sched_version *v);

#endif
