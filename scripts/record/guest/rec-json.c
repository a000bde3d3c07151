#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "rec.h"

void buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		b->cap = (b->n + n + 1) * 2;
		b->p = realloc(b->p, b->cap);
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = 0;
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
	char tmp[4096];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	buf_add(b, tmp, n < (int)sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

void buf_json_str(struct buf *b, const char *s, size_t n)
{
	buf_add(b, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];
		if (c == '"' || c == '\\') { buf_add(b, "\\", 1); buf_add(b, (char *)&c, 1); }
		else if (c == '\n') buf_add(b, "\\n", 2);
		else if (c == '\t') buf_add(b, "\\t", 2);
		else if (c < 0x20 || c >= 0x7f) buf_printf(b, "\\u%04x", c);
		else buf_add(b, (char *)&c, 1);
	}
	buf_add(b, "\"", 1);
}

const char *errno_name(int e)
{
	switch (e) {
	case 0: return "ok";
	case EPERM: return "EPERM"; case ENOENT: return "ENOENT"; case ESRCH: return "ESRCH";
	case EINTR: return "EINTR"; case EIO: return "EIO"; case ENXIO: return "ENXIO";
	case E2BIG: return "E2BIG"; case EBADF: return "EBADF"; case EAGAIN: return "EAGAIN";
	case ENOMEM: return "ENOMEM"; case EACCES: return "EACCES"; case EFAULT: return "EFAULT";
	case EBUSY: return "EBUSY"; case EEXIST: return "EEXIST"; case ENODEV: return "ENODEV";
	case ENOTDIR: return "ENOTDIR"; case EISDIR: return "EISDIR"; case EINVAL: return "EINVAL";
	case ENOSPC: return "ENOSPC"; case ENOTTY: return "ENOTTY"; case ERANGE: return "ERANGE";
	case EOPNOTSUPP: return "EOPNOTSUPP"; case EBADFD: return "EBADFD";
	case EOVERFLOW: return "EOVERFLOW"; case ENOSYS: return "ENOSYS";
	case EPROTO: return "EPROTO"; case EDEADLK: return "EDEADLK";
	case EADDRINUSE: return "EADDRINUSE"; case ENOTEMPTY: return "ENOTEMPTY";
	case EMSGSIZE: return "EMSGSIZE"; case ESPIPE: return "ESPIPE"; case ENOTSOCK: return "ENOTSOCK";
	}
	static char tmp[32];
	snprintf(tmp, sizeof tmp, "E%d", e);
	return tmp;
}
