/* lib/log.h: levelled logging through one process-wide sink.
 *
 * Cheap when off: the LOG_* macros test the level before formatting. Lines
 * look like Nomad's: "2026-11-24T20:47:38.123Z [INFO]  agent: message", or
 * JSON lines {"@level":"info","@message":"...","@module":"agent",
 * "@timestamp":"..."} when log_json is set. Library-like folders log only
 * through this sink, never to stderr directly. Never pass secrets (token
 * SecretIDs, variable items) to a log call. */
#ifndef STEPPE_LIB_LOG_H
#define STEPPE_LIB_LOG_H

#include <stdbool.h>

enum log_level {
	LOG_TRACE = 0,
	LOG_DEBUG,
	LOG_INFO,
	LOG_WARN,
	LOG_ERROR,
	LOG_OFF,
};

/* Receives one formatted line without the trailing newline. */
typedef void (*log_sink_fn)(void *data, enum log_level level,
			    const char *line);

/* Parses "TRACE", "DEBUG", "INFO", "WARN", "ERROR", "OFF" (any case).
 * Returns 0 and sets *out, or -1 for an unknown name. */
int log_level_parse(const char *name, enum log_level *out);
const char *log_level_name(enum log_level level);

/* Process-wide settings; call from the loop thread. Default: INFO, text,
 * stderr sink. A NULL sink restores stderr. */
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
void log_set_json(bool json);
void log_set_sink(log_sink_fn fn, void *data);

/* Formats and emits one line when level is enabled. */
void log_emit(enum log_level level, const char *module, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

extern enum log_level log_current_level;

#define LOG_AT(level, module, ...)                                \
	do {                                                      \
		if ((level) >= log_current_level)                 \
			log_emit((level), (module), __VA_ARGS__); \
	} while (0)
#define LOG_TRACE(module, ...) LOG_AT(LOG_TRACE, module, __VA_ARGS__)
#define LOG_DEBUG(module, ...) LOG_AT(LOG_DEBUG, module, __VA_ARGS__)
#define LOG_INFO(module, ...) LOG_AT(LOG_INFO, module, __VA_ARGS__)
#define LOG_WARN(module, ...) LOG_AT(LOG_WARN, module, __VA_ARGS__)
#define LOG_ERROR(module, ...) LOG_AT(LOG_ERROR, module, __VA_ARGS__)

#endif
