#include "lib/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "lib/buf.h"
#include "lib/stime.h"

enum log_level log_current_level = LOG_INFO;
static bool log_json;
static log_sink_fn log_sink;
static void *log_sink_data;

static const char *const log_names[] = {"TRACE", "DEBUG", "INFO",
					"WARN",  "ERROR", "OFF"};

int log_level_parse(const char *name, enum log_level *out)
{
	for (int i = LOG_TRACE; i <= LOG_OFF; i++) {
		if (strcasecmp(name, log_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	if (strcasecmp(name, "WARNING") == 0) {
		*out = LOG_WARN;
		return 0;
	}
	return -1;
}

const char *log_level_name(enum log_level level)
{
	if (level < LOG_TRACE || level > LOG_OFF)
		return "UNKNOWN";
	return log_names[level];
}

void log_set_level(enum log_level level)
{
	log_current_level = level;
}

enum log_level log_get_level(void)
{
	return log_current_level;
}

void log_set_json(bool json)
{
	log_json = json;
}

void log_set_sink(log_sink_fn fn, void *data)
{
	log_sink = fn;
	log_sink_data = data;
}

static void log_lower(char *dst, const char *src, size_t size)
{
	size_t i = 0;
	for (; src[i] != '\0' && i + 1 < size; i++)
		dst[i] = (char)((src[i] >= 'A' && src[i] <= 'Z') ? src[i] + 32
								 : src[i]);
	dst[i] = '\0';
}

static void log_format(struct buf *b, enum log_level level,
		       const char *module, const char *msg)
{
	char ts[64];
	stime_format_rfc3339(stime_wall_ns(), 3, ts, sizeof ts);
	if (log_json) {
		char lvl[8];
		log_lower(lvl, log_level_name(level), sizeof lvl);
		buf_appendf(b, "{\"@level\":\"%s\",\"@message\":", lvl);
		buf_append_json_string(b, msg);
		buf_append_str(b, ",\"@module\":");
		buf_append_json_string(b, module);
		buf_appendf(b, ",\"@timestamp\":\"%s\"}", ts);
		return;
	}
	char tag[12];
	snprintf(tag, sizeof tag, "[%s]", log_level_name(level));
	buf_appendf(b, "%s %-7s %s: %s", ts, tag, module, msg);
}

void log_emit(enum log_level level, const char *module, const char *fmt, ...)
{
	char msg[4096];
	struct buf line;
	va_list ap;
	if (level < log_current_level || level >= LOG_OFF)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	buf_init(&line);
	log_format(&line, level, module, msg);
	if (line.oom) {
		buf_release(&line);
		return;
	}
	if (log_sink != NULL) {
		log_sink(log_sink_data, level, buf_cstr(&line));
	} else {
		fprintf(stderr, "%s\n", buf_cstr(&line));
		fflush(stderr);
	}
	buf_release(&line);
}
