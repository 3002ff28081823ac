/* lib/fs.h: small file-system helpers. */
#ifndef STEPPE_LIB_FS_H
#define STEPPE_LIB_FS_H

#include "lib/err.h"

/* Creates dir and its missing parents with mode 0700 (mkdir -p). Paths
 * longer than 511 bytes are refused. */
int fs_mkdirs(const char *dir, struct err *e);

#endif
