/* client/template.h: the task `template` block, rendered before the task
 * starts. steppe renders a subset of Go's text/template as consul-template
 * uses it: literal text, `{{ env "NAME" }}` (the task's environment), and
 * the `{{-` / `-}}` trim markers. Any other action fails the render with
 * the action named, so a template that needs what steppe lacks (nomadVar,
 * nomadService, range, ...) fails visibly instead of rendering wrong. */
#ifndef STEPPE_CLIENT_TEMPLATE_H
#define STEPPE_CLIENT_TEMPLATE_H

#include "lib/buf.h"
#include "lib/err.h"

struct task_template;
struct taskenv;

/* Renders text into out. Errors name the line of the action:
 * `template: 3: unsupported action {{ nomadVar "x" }}`. */
int template_render(const char *text, const struct taskenv *env,
                    struct buf *out, struct err *e);

/* Renders t (its embedded data, or its source file relative to task_dir)
 * to its destination under task_dir (which must stay inside the task or
 * alloc dir) with its perms (default 0644). Blocking: pool thread. */
int template_write(const struct task_template *t, const struct taskenv *env,
                   const char *task_dir, struct err *e);

#endif
