#include "lib/fs.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

int fs_mkdirs(const char *dir, struct err *e)
{
	char tmp[512];
	if (snprintf(tmp, sizeof tmp, "%s", dir) >= (int)sizeof tmp)
		return err_set(e, ERR_INVAL, "path too long: %.60s...", dir);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
			return err_set(e, ERR_IO, "create %s: %s", tmp,
				       strerror(errno));
		*p = '/';
	}
	if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
		return err_set(e, ERR_IO, "create %s: %s", tmp, strerror(errno));
	return ERR_OK;
}
