/* lib/stime.h: monotonic and wall clocks, Go-compatible durations and
 * RFC 3339 timestamps.
 *
 * Pure functions take `now` as an argument; only the *_ns() readers touch
 * the clock. Wall times are int64 Unix nanoseconds; 0 stands for Go's zero
 * time and formats as "0001-01-01T00:00:00Z". */
#ifndef STEPPE_LIB_STIME_H
#define STEPPE_LIB_STIME_H

#include <stddef.h>
#include <stdint.h>

#define STIME_NS_PER_US INT64_C(1000)
#define STIME_NS_PER_MS INT64_C(1000000)
#define STIME_NS_PER_S INT64_C(1000000000)
#define STIME_NS_PER_MIN (60 * STIME_NS_PER_S)
#define STIME_NS_PER_HOUR (60 * STIME_NS_PER_MIN)

int64_t stime_mono_ns(void);
int64_t stime_wall_ns(void);

/* Parses a Go duration ("30s", "1h30m", "1.5h", "300ms", "-2m", "0").
 * Returns 0 and sets *out, or -1 with a reason in why (a static string). */
int stime_parse_duration(const char *s, int64_t *out, const char **why);

/* Formats as Go's time.Duration.String(): "1h30m0s", "5s", "300ms",
 * "1.5µs", "0s". Returns the length written (truncated to size). */
size_t stime_format_duration(int64_t d, char *out, size_t size);

/* Formats wall ns as RFC 3339 in UTC. digits: -1 = Go's RFC3339Nano
 * (fraction with trailing zeros removed), 0 = seconds only, 1..9 = exactly
 * that many fraction digits. 0 ns formats as "0001-01-01T00:00:00Z". */
size_t stime_format_rfc3339(int64_t ns, int digits, char *out, size_t size);

/* Parses RFC 3339 with optional fraction and a Z or +hh:mm offset.
 * "0001-01-01T00:00:00Z" parses to 0. Returns 0 or -1. */
int stime_parse_rfc3339(const char *s, int64_t *out);

#endif
