/* lib/dl_archive.c: libarchive, loaded at first use (see lib/dl.h). */
#include <archive.h>
#include <archive_entry.h>
#include <sys/types.h>

#include "lib/dl_int.h"

#define ARCHIVE_FNS(X)                      \
	X(archive_error_string)             \
	X(archive_read_new)                 \
	X(archive_read_free)                \
	X(archive_read_support_filter_all)  \
	X(archive_read_support_format_raw)  \
	X(archive_read_support_format_tar)  \
	X(archive_read_support_format_zip)  \
	X(archive_read_open_fd)             \
	X(archive_read_next_header)         \
	X(archive_read_data_block)          \
	X(archive_write_new)                \
	X(archive_write_free)               \
	X(archive_write_set_format_by_name) \
	X(archive_write_add_filter_by_name) \
	X(archive_write_open_filename)      \
	X(archive_write_header)             \
	X(archive_write_data)               \
	X(archive_write_close)              \
	X(archive_entry_new)                \
	X(archive_entry_free)               \
	X(archive_entry_pathname)           \
	X(archive_entry_filetype)           \
	X(archive_entry_perm)               \
	X(archive_entry_size)               \
	X(archive_entry_hardlink)           \
	X(archive_entry_symlink)            \
	X(archive_entry_mtime)              \
	X(archive_entry_mtime_nsec)         \
	X(archive_entry_mtime_is_set)       \
	X(archive_entry_set_pathname)       \
	X(archive_entry_set_filetype)       \
	X(archive_entry_set_perm)           \
	X(archive_entry_set_size)           \
	X(archive_entry_set_symlink)

DL_TABLE(ARCHIVE_FNS)
DL_LIBRARY(archive, "libarchive.so.13", "libarchive13")

typedef struct archive *dl_ar;
typedef struct archive_entry *dl_ent;

DL_FWD(const char *, archive_error_string, "libarchive is not loaded",
       (dl_ar a), (a))
DL_FWD(dl_ar, archive_read_new, NULL, (void), ())
DL_FWD(int, archive_read_support_filter_all, ARCHIVE_FATAL, (dl_ar a), (a))
DL_FWD(int, archive_read_support_format_raw, ARCHIVE_FATAL, (dl_ar a), (a))
DL_FWD(int, archive_read_support_format_tar, ARCHIVE_FATAL, (dl_ar a), (a))
DL_FWD(int, archive_read_support_format_zip, ARCHIVE_FATAL, (dl_ar a), (a))
DL_FWD(int, archive_read_open_fd, ARCHIVE_FATAL,
       (dl_ar a, int fd, size_t block), (a, fd, block))
DL_FWD(int, archive_read_next_header, ARCHIVE_FATAL, (dl_ar a, dl_ent *e),
       (a, e))
DL_FWD(int, archive_read_data_block, ARCHIVE_FATAL,
       (dl_ar a, const void **buf, size_t *n, la_int64_t *off),
       (a, buf, n, off))
DL_FWD(dl_ar, archive_write_new, NULL, (void), ())
DL_FWD(int, archive_write_set_format_by_name, ARCHIVE_FATAL,
       (dl_ar a, const char *name), (a, name))
DL_FWD(int, archive_write_add_filter_by_name, ARCHIVE_FATAL,
       (dl_ar a, const char *name), (a, name))
DL_FWD(int, archive_write_open_filename, ARCHIVE_FATAL,
       (dl_ar a, const char *file), (a, file))
DL_FWD(int, archive_write_header, ARCHIVE_FATAL, (dl_ar a, dl_ent e), (a, e))
DL_FWD(la_ssize_t, archive_write_data, ARCHIVE_FATAL,
       (dl_ar a, const void *p, size_t n), (a, p, n))
DL_FWD(int, archive_write_close, ARCHIVE_FATAL, (dl_ar a), (a))
DL_FWD(dl_ent, archive_entry_new, NULL, (void), ())
DL_FWD_FREE(archive_entry_free, dl_ent)
DL_FWD(const char *, archive_entry_pathname, NULL, (dl_ent e), (e))
DL_FWD(mode_t, archive_entry_filetype, 0, (dl_ent e), (e))
DL_FWD(mode_t, archive_entry_perm, 0, (dl_ent e), (e))
DL_FWD(la_int64_t, archive_entry_size, 0, (dl_ent e), (e))
DL_FWD(const char *, archive_entry_hardlink, NULL, (dl_ent e), (e))
DL_FWD(const char *, archive_entry_symlink, NULL, (dl_ent e), (e))
DL_FWD(time_t, archive_entry_mtime, 0, (dl_ent e), (e))
DL_FWD(long, archive_entry_mtime_nsec, 0, (dl_ent e), (e))
DL_FWD(int, archive_entry_mtime_is_set, 0, (dl_ent e), (e))
DL_FWD_VOID(archive_entry_set_pathname, (dl_ent e, const char *s), (e, s))
DL_FWD_VOID(archive_entry_set_filetype, (dl_ent e, unsigned t), (e, t))
DL_FWD_VOID(archive_entry_set_perm, (dl_ent e, mode_t m), (e, m))
DL_FWD_VOID(archive_entry_set_size, (dl_ent e, la_int64_t n), (e, n))
DL_FWD_VOID(archive_entry_set_symlink, (dl_ent e, const char *s), (e, s))

int archive_read_free(struct archive *a)
{
	return a == NULL    ? ARCHIVE_OK
	       : dl_ready() ? fn.archive_read_free(a)
	                    : ARCHIVE_FATAL;
}

int archive_write_free(struct archive *a)
{
	return a == NULL    ? ARCHIVE_OK
	       : dl_ready() ? fn.archive_write_free(a)
	                    : ARCHIVE_FATAL;
}
