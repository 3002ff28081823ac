#include "lib/stime.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

int64_t stime_mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * STIME_NS_PER_S + ts.tv_nsec;
}

int64_t stime_wall_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * STIME_NS_PER_S + ts.tv_nsec;
}

static int64_t stime_unit(const char *u, size_t n)
{
	static const struct {
		const char *name;
		int64_t ns;
	} units[] = {
		{"ns", 1},
		{"us", STIME_NS_PER_US},
		{"\xc2\xb5s", STIME_NS_PER_US}, /* U+00B5 micro sign */
		{"\xce\xbcs", STIME_NS_PER_US}, /* U+03BC greek mu */
		{"ms", STIME_NS_PER_MS},
		{"s", STIME_NS_PER_S},
		{"m", STIME_NS_PER_MIN},
		{"h", STIME_NS_PER_HOUR},
	};
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
		if (strlen(units[i].name) == n && memcmp(units[i].name, u, n) == 0)
			return units[i].ns;
	return 0;
}

/* Parses one "<number><unit>" term at *p, adding it to *total. */
static int stime_parse_term(const char **p, uint64_t *total, const char **why)
{
	const char *s = *p;
	uint64_t whole = 0;
	double frac = 0, scale = 1;
	int digits = 0;
	while (isdigit((unsigned char)*s)) {
		if (whole > (UINT64_MAX - 9) / 10) {
			*why = "duration out of range";
			return -1;
		}
		whole = whole * 10 + (uint64_t)(*s++ - '0');
		digits++;
	}
	if (*s == '.') {
		s++;
		while (isdigit((unsigned char)*s)) {
			scale /= 10;
			frac += (*s++ - '0') * scale;
			digits++;
		}
	}
	if (digits == 0) {
		*why = "expected a number";
		return -1;
	}
	const char *u = s;
	while (*s != '\0' && *s != '.' && !isdigit((unsigned char)*s))
		s++;
	if (s == u) {
		*why = "missing unit in duration";
		return -1;
	}
	int64_t unit = stime_unit(u, (size_t)(s - u));
	if (unit == 0) {
		*why = "unknown unit in duration";
		return -1;
	}
	/* Magnitudes up to 2^63 are allowed here: "-2562047h47m16.854775808s"
	 * is INT64_MIN; the caller rejects 2^63 for positive durations. */
	const uint64_t limit = (uint64_t)INT64_MAX + 1;
	if (whole > limit / (uint64_t)unit) {
		*why = "duration out of range";
		return -1;
	}
	/* Round the fraction: 1e-9 * 1e9 is not exactly 1 in binary. */
	uint64_t add = whole * (uint64_t)unit +
		       (uint64_t)(frac * (double)unit + 0.5);
	if (add > limit || *total > limit - add) {
		*why = "duration out of range";
		return -1;
	}
	*total += add;
	if (*total > limit) {
		*why = "duration out of range";
		return -1;
	}
	*p = s;
	return 0;
}

int stime_parse_duration(const char *s, int64_t *out, const char **why)
{
	const char *dummy;
	uint64_t total = 0;
	int neg = 0;
	if (why == NULL)
		why = &dummy;
	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if (strcmp(s, "0") == 0) {
		*out = 0;
		return 0;
	}
	if (*s == '\0') {
		*why = "empty duration";
		return -1;
	}
	while (*s != '\0')
		if (stime_parse_term(&s, &total, why) != 0)
			return -1;
	if (!neg && total > (uint64_t)INT64_MAX) {
		*why = "duration out of range";
		return -1;
	}
	*out = neg ? (int64_t)(0 - total) : (int64_t)total;
	return 0;
}

/* Writes v/10^prec with trailing zeros of the fraction removed, backwards
 * from end; returns the new start. Mirrors Go's fmtFrac + fmtInt. */
static char *stime_put_frac_int(char *end, uint64_t v, int prec)
{
	char *w = end;
	int print = 0;
	for (int i = 0; i < prec; i++) {
		int digit = (int)(v % 10);
		print = print || digit != 0;
		if (print)
			*--w = (char)('0' + digit);
		v /= 10;
	}
	if (print)
		*--w = '.';
	if (v == 0) {
		*--w = '0';
	} else {
		while (v > 0) {
			*--w = (char)('0' + v % 10);
			v /= 10;
		}
	}
	return w;
}

static char *stime_put_int(char *end, uint64_t v)
{
	return stime_put_frac_int(end, v, 0);
}

size_t stime_format_duration(int64_t d, char *out, size_t size)
{
	char tmp[40];
	char *w = tmp + sizeof tmp;
	uint64_t u = d < 0 ? (uint64_t)0 - (uint64_t)d : (uint64_t)d;
	if (u < (uint64_t)STIME_NS_PER_S) {
		const char *unit = "s";
		int prec = 0;
		if (u == 0) {
			return (size_t)snprintf(out, size, "0s");
		} else if (u < (uint64_t)STIME_NS_PER_US) {
			unit = "ns";
		} else if (u < (uint64_t)STIME_NS_PER_MS) {
			unit = "\xc2\xb5s";
			prec = 3;
		} else {
			unit = "ms";
			prec = 6;
		}
		w -= strlen(unit);
		memcpy(w, unit, strlen(unit));
		w = stime_put_frac_int(w, u, prec);
	} else {
		uint64_t ns = u % (uint64_t)STIME_NS_PER_S;
		uint64_t secs = u / (uint64_t)STIME_NS_PER_S;
		*--w = 's';
		w = stime_put_frac_int(w, (secs % 60) * (uint64_t)STIME_NS_PER_S + ns, 9);
		uint64_t mins = secs / 60;
		if (mins > 0) {
			*--w = 'm';
			w = stime_put_int(w, mins % 60);
			uint64_t hours = mins / 60;
			if (hours > 0) {
				*--w = 'h';
				w = stime_put_int(w, hours);
			}
		}
	}
	if (d < 0)
		*--w = '-';
	return (size_t)snprintf(out, size, "%.*s", (int)(tmp + sizeof tmp - w), w);
}

size_t stime_format_rfc3339(int64_t ns, int digits, char *out, size_t size)
{
	struct tm tm;
	time_t secs;
	int64_t frac;
	char fbuf[16] = "";
	if (ns == 0)
		return (size_t)snprintf(out, size, "0001-01-01T00:00:00Z");
	secs = (time_t)(ns / STIME_NS_PER_S);
	frac = ns % STIME_NS_PER_S;
	if (frac < 0) {
		frac += STIME_NS_PER_S;
		secs -= 1;
	}
	gmtime_r(&secs, &tm);
	if (digits < 0 && frac != 0) {
		snprintf(fbuf, sizeof fbuf, ".%09lld", (long long)frac);
		size_t n = strlen(fbuf);
		while (n > 1 && fbuf[n - 1] == '0')
			fbuf[--n] = '\0';
	} else if (digits > 0) {
		if (digits > 9)
			digits = 9;
		snprintf(fbuf, sizeof fbuf, ".%09lld", (long long)frac);
		fbuf[digits + 1] = '\0';
	}
	return (size_t)snprintf(out, size, "%04d-%02d-%02dT%02d:%02d:%02d%sZ",
				tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
				tm.tm_hour, tm.tm_min, tm.tm_sec, fbuf);
}

static int stime_digits(const char **p, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -1;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

static int stime_expect(const char **p, char c)
{
	if (**p != c)
		return -1;
	(*p)++;
	return 0;
}

int stime_parse_rfc3339(const char *s, int64_t *out)
{
	struct tm tm;
	int y, mo, d, h, mi, sec, offh = 0, offm = 0, sign = 0;
	int64_t frac = 0;
	memset(&tm, 0, sizeof tm);
	if (stime_digits(&s, 4, &y) || stime_expect(&s, '-') ||
	    stime_digits(&s, 2, &mo) || stime_expect(&s, '-') ||
	    stime_digits(&s, 2, &d) || (*s != 'T' && *s != 't') ||
	    (s++, stime_digits(&s, 2, &h)) || stime_expect(&s, ':') ||
	    stime_digits(&s, 2, &mi) || stime_expect(&s, ':') ||
	    stime_digits(&s, 2, &sec))
		return -1;
	if (*s == '.') {
		int64_t scale = STIME_NS_PER_S;
		s++;
		if (!isdigit((unsigned char)*s))
			return -1;
		while (isdigit((unsigned char)*s)) {
			scale /= 10;
			frac += (*s++ - '0') * scale;
		}
	}
	if (*s == 'Z' || *s == 'z') {
		s++;
	} else if (*s == '+' || *s == '-') {
		sign = *s++ == '-' ? -1 : 1;
		if (stime_digits(&s, 2, &offh) || stime_expect(&s, ':') ||
		    stime_digits(&s, 2, &offm))
			return -1;
	} else {
		return -1;
	}
	if (*s != '\0' || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 ||
	    mi > 59 || sec > 60)
		return -1;
	/* int64 nanoseconds since 1970 cover 1677-09-21 to 2262-04-11; refuse
	 * whole years outside that instead of overflowing. Year 1 stays valid
	 * for Go's zero time below. */
	if (y != 1 && (y < 1678 || y > 2261))
		return -1;
	if (y == 1 && mo == 1 && d == 1 && h == 0 && mi == 0 && sec == 0 &&
	    frac == 0 && sign == 0) {
		*out = 0;
		return 0;
	}
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	int64_t secs = (int64_t)timegm(&tm);
	secs -= sign * (offh * 3600 + offm * 60);
	*out = secs * STIME_NS_PER_S + frac;
	return 0;
}
