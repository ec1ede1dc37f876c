/*
 * request.c - strict parser for nsps-launcher requests (see PROTOCOL.md).
 *
 * Pure functions: no system calls, no allocation, no global state beyond
 * constant tables.  Everything not explicitly allowed is rejected.
 */
#include "request.h"

#include <sched.h>
#include <stdio.h>
#include <string.h>

const struct ns_kind_info ns_kinds[NS_KIND_COUNT] = {
	[NS_USER]   = { "user",   "user",   CLONE_NEWUSER },
	[NS_CGROUP] = { "cgroup", "cgroup", CLONE_NEWCGROUP },
	[NS_IPC]    = { "ipc",    "ipc",    CLONE_NEWIPC },
	[NS_UTS]    = { "uts",    "uts",    CLONE_NEWUTS },
	[NS_NET]    = { "net",    "net",    CLONE_NEWNET },
	[NS_PID]    = { "pid",    "pid",    CLONE_NEWPID },
	[NS_MOUNT]  = { "mount",  "mnt",    CLONE_NEWNS },
	[NS_TIME]   = { "time",   "time",   CLONE_NEWTIME },
};

struct parse_ctx {
	char *err;
	size_t errlen;
	size_t line;      /* 0: not about one line */
	const char *key;  /* NULL: not about a key, or one not fit to print */
};

#define STR_(x) #x
#define STR(x) STR_(x)

/* Writes "line N: key: reason detail", leaving out what is unknown. */
static int fail(struct parse_ctx *ctx, const char *reason, const char *detail)
{
	char where[64] = "";

	if (ctx->line && ctx->key)
		(void)snprintf(where, sizeof(where), "line %zu: %s: ", ctx->line, ctx->key);
	else if (ctx->line)
		(void)snprintf(where, sizeof(where), "line %zu: ", ctx->line);
	(void)snprintf(ctx->err, ctx->errlen, "%s%s%s%s", where, reason,
		 detail ? " " : "", detail ? detail : "");
	return -1;
}

int ns_kind_by_name(const char *name, size_t len)
{
	for (int k = 0; k < NS_KIND_COUNT; k++)
		if (strlen(ns_kinds[k].name) == len &&
		    memcmp(ns_kinds[k].name, name, len) == 0)
			return k;
	return -1;
}

/* Well-formed UTF-8 (no overlongs, no surrogates, at most U+10FFFF), no NUL. */
static int valid_utf8(const unsigned char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		unsigned char c = s[i];
		size_t n;
		unsigned lo = 0x80, hi = 0xBF;

		if (c == 0)
			return 0;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF)
			n = 1;
		else if (c >= 0xE0 && c <= 0xEF)
			n = 2;
		else if (c >= 0xF0 && c <= 0xF4)
			n = 3;
		else
			return 0;
		if (c == 0xE0)
			lo = 0xA0;
		else if (c == 0xED)
			hi = 0x9F;
		else if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;
		if (len - i - 1 < n)
			return 0;
		if (s[i + 1] < lo || s[i + 1] > hi)
			return 0;
		for (size_t j = 2; j <= n; j++)
			if (s[i + j] < 0x80 || s[i + j] > 0xBF)
				return 0;
		i += n + 1;
	}
	return 1;
}

/* Decodes "\\" and "\n" in place; any other backslash is an error. */
static int unescape(char *value, size_t *len)
{
	size_t r = 0, w = 0;

	while (r < *len) {
		char c = value[r++];

		if (c == '\\') {
			if (r == *len)
				return -1;
			c = value[r++];
			if (c == 'n')
				c = '\n';
			else if (c != '\\')
				return -1;
		}
		value[w++] = c;
	}
	value[w] = '\0';
	*len = w;
	return 0;
}

/* Canonical unsigned decimal: digits only, no leading zero, <= max. */
static int parse_u64(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (len == 0 || len > 20 || (s[0] == '0' && len > 1))
		return -1;
	for (size_t i = 0; i < len; i++) {
		uint64_t d;

		if (s[i] < '0' || s[i] > '9')
			return -1;
		d = (uint64_t)(s[i] - '0');
		if (v > (max - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

/* Canonical signed decimal: optional '-', no "-0", within int64_t. */
static int parse_i64(const char *s, size_t len, int64_t *out)
{
	uint64_t mag;

	if (len > 0 && s[0] == '-') {
		if (parse_u64(s + 1, len - 1, (uint64_t)INT64_MAX + 1, &mag) || mag == 0)
			return -1;
		*out = mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag;
		return 0;
	}
	if (parse_u64(s, len, INT64_MAX, &mag))
		return -1;
	*out = (int64_t)mag;
	return 0;
}

static int parse_bool(struct parse_ctx *ctx, const char *v, size_t len, int *out)
{
	if (len != 1 || (v[0] != '0' && v[0] != '1'))
		return fail(ctx, "expected 0 or 1", NULL);
	*out = v[0] == '1';
	return 0;
}

/* uid= and gid= are parsed into uid_t and gid_t through a uint32_t pointer. */
_Static_assert(_Generic((uid_t)0, uint32_t: 1, default: 0) &&
	       _Generic((gid_t)0, uint32_t: 1, default: 0),
	       "uid_t and gid_t must be uint32_t");

static int parse_id(struct parse_ctx *ctx, const char *v, size_t len, uint32_t *out, int *has)
{
	uint64_t id;

	/* (uid_t)-1 means "unchanged" to the kernel: never a real id. */
	if (parse_u64(v, len, UINT32_MAX - 1, &id))
		return fail(ctx, "expected an id from 0 to 4294967294", NULL);
	*out = (uint32_t)id;
	*has = 1;
	return 0;
}

typedef int (*setter)(struct request *r, struct parse_ctx *ctx, char *v, size_t len);

static int set_types(struct request *r, struct parse_ctx *ctx, char *v, size_t len)
{
	size_t start = 0;

	for (size_t i = 0; i <= len; i++) {
		int kind;

		if (i < len && v[i] != ',')
			continue;
		kind = ns_kind_by_name(v + start, i - start);
		if (kind < 0)
			return fail(ctx, "unknown namespace kind", NULL);
		if (r->types & NS_BIT(kind))
			return fail(ctx, "kind given twice:", ns_kinds[kind].name);
		r->types |= NS_BIT(kind);
		start = i + 1;
	}
	return 0;
}

static int set_uts_name(struct parse_ctx *ctx, char *v, size_t len, const char **out)
{
	if (len > REQUEST_MAX_NAME)
		return fail(ctx, "longer than " STR(REQUEST_MAX_NAME) " bytes", NULL);
	*out = v;
	return 0;
}

static int set_hostname(struct request *r, struct parse_ctx *ctx, char *v, size_t len)
{
	return set_uts_name(ctx, v, len, &r->hostname);
}

static int set_domainname(struct request *r, struct parse_ctx *ctx, char *v, size_t len)
{
	return set_uts_name(ctx, v, len, &r->domainname);
}

static int set_propagation(struct request *r, struct parse_ctx *ctx, char *v, size_t len)
{
	static const char *const names[] = {
		[PROPAGATION_PRIVATE] = "private",
		[PROPAGATION_SLAVE] = "slave",
		[PROPAGATION_SHARED] = "shared",
		[PROPAGATION_UNCHANGED] = "unchanged",
	};

	for (size_t p = PROPAGATION_PRIVATE; p <= PROPAGATION_UNCHANGED; p++)
		if (strlen(names[p]) == len && memcmp(names[p], v, len) == 0) {
			r->propagation = (enum propagation)p;
			return 0;
		}
	return fail(ctx, "expected private, slave, shared or unchanged", NULL);
}

static int set_mountproc(struct request *r, struct parse_ctx *ctx, char *v, size_t len)
{
	return parse_bool(ctx, v, len, &r->mountproc);
}

static int set_waitmap(struct request *r, struct parse_ctx *ctx, char *v, size_t len)
{
	return parse_bool(ctx, v, len, &r->waitmap);
}

static int set_named(struct request *r, struct parse_ctx *ctx, char *v, size_t len)
{
	return parse_bool(ctx, v, len, &r->named);
}

static int set_offset(struct parse_ctx *ctx, const char *v, size_t len, int64_t *out, int *has)
{
	if (parse_i64(v, len, out))
		return fail(ctx, "expected signed decimal nanoseconds", NULL);
	*has = 1;
	return 0;
}

static int set_monotonic(struct request *r, struct parse_ctx *ctx, char *v, size_t len)
{
	return set_offset(ctx, v, len, &r->monotonic, &r->has_monotonic);
}

static int set_boottime(struct request *r, struct parse_ctx *ctx, char *v, size_t len)
{
	return set_offset(ctx, v, len, &r->boottime, &r->has_boottime);
}

/* kind:path:dev:inode, where path may itself contain ':'. */
static int set_target(struct request *r, struct parse_ctx *ctx, char *v, size_t len)
{
	char *kind_end = memchr(v, ':', len);
	char *ino_colon = memrchr(v, ':', len);
	char *dev_colon;
	struct ns_target *t;
	size_t path_len;
	int kind;

	if (!kind_end || ino_colon == kind_end)
		return fail(ctx, "expected kind:path:dev:inode", NULL);
	dev_colon = memrchr(v, ':', (size_t)(ino_colon - v));
	if (dev_colon == kind_end)
		return fail(ctx, "expected kind:path:dev:inode", NULL);
	kind = ns_kind_by_name(v, (size_t)(kind_end - v));
	if (kind < 0)
		return fail(ctx, "unknown namespace kind", NULL);
	if (r->targets & NS_BIT(kind))
		return fail(ctx, "kind given twice:", ns_kinds[kind].name);
	t = &r->target[kind];
	path_len = (size_t)(dev_colon - kind_end - 1);
	if (path_len == 0 || path_len > REQUEST_MAX_PATH || kind_end[1] != '/')
		return fail(ctx, "path must be absolute and at most "
			    STR(REQUEST_MAX_PATH) " bytes", NULL);
	if (parse_u64(dev_colon + 1, (size_t)(ino_colon - dev_colon - 1), UINT64_MAX, &t->dev) ||
	    parse_u64(ino_colon + 1, (size_t)(v + len - ino_colon - 1), UINT64_MAX, &t->ino))
		return fail(ctx, "dev and inode must be unsigned decimals", NULL);
	*dev_colon = '\0';
	t->path = kind_end + 1;
	r->targets |= NS_BIT(kind);
	return 0;
}

static int set_uid(struct request *r, struct parse_ctx *ctx, char *v, size_t len)
{
	return parse_id(ctx, v, len, &r->uid, &r->has_uid);
}

static int set_gid(struct request *r, struct parse_ctx *ctx, char *v, size_t len)
{
	return parse_id(ctx, v, len, &r->gid, &r->has_gid);
}

static int set_cwd(struct request *r, struct parse_ctx *ctx, char *v, size_t len)
{
	if (len == 0 || len > REQUEST_MAX_PATH)
		return fail(ctx, "must have 1 to " STR(REQUEST_MAX_PATH) " bytes", NULL);
	r->cwd = v;
	return 0;
}

static int set_process(struct request *r, struct parse_ctx *ctx, char *v, size_t len)
{
	const char *colon = memchr(v, ':', len);
	uint64_t pid = 0;

	if (!colon)
		return fail(ctx, "expected pid:starttime", NULL);
	if (parse_u64(v, (size_t)(colon - v), INT32_MAX, &pid) || pid == 0 ||
	    parse_u64(colon + 1, (size_t)(v + len - colon - 1), UINT64_MAX, &r->process_start))
		return fail(ctx, "expected pid:starttime, unsigned decimals", NULL);
	r->process = (pid_t)pid;
	return 0;
}

static int set_pgroup(struct request *r, struct parse_ctx *ctx, char *v, size_t len)
{
	return parse_bool(ctx, v, len, &r->pgroup);
}

static int set_nointr(struct request *r, struct parse_ctx *ctx, char *v, size_t len)
{
	return parse_bool(ctx, v, len, &r->nointr);
}

static int set_arg(struct request *r, struct parse_ctx *ctx, char *v, size_t len)
{
	if (r->argc == REQUEST_MAX_ARGS)
		return fail(ctx, "more than " STR(REQUEST_MAX_ARGS) " lines", NULL);
	if (r->argc == 0 && len == 0)
		return fail(ctx, "the first one (the program) is empty", NULL);
	r->argv[r->argc++] = v;
	return 0;
}

static int set_env(struct request *r, struct parse_ctx *ctx, char *v, size_t len)
{
	const char *eq = memchr(v, '=', len);

	if (r->envc == REQUEST_MAX_ENV)
		return fail(ctx, "more than " STR(REQUEST_MAX_ENV) " lines", NULL);
	if (!eq || eq == v)
		return fail(ctx, "expected env=NAME=VALUE", NULL);
	r->envp[r->envc++] = v;
	return 0;
}

#define M_CREATE (1U << MODE_CREATE)
#define M_ENTER  (1U << MODE_ENTER)

static const struct key {
	const char *name;
	unsigned modes;  /* modes that accept the key */
	int repeat;      /* may appear on several lines */
	setter set;
} keys[] = {
	{ "types",       M_CREATE, 0, set_types },
	{ "hostname",    M_CREATE, 0, set_hostname },
	{ "domainname",  M_CREATE, 0, set_domainname },
	{ "propagation", M_CREATE, 0, set_propagation },
	{ "mountproc",   M_CREATE, 0, set_mountproc },
	{ "monotonic",   M_CREATE, 0, set_monotonic },
	{ "boottime",    M_CREATE, 0, set_boottime },
	{ "waitmap",     M_CREATE, 0, set_waitmap },
	{ "named",       M_CREATE, 0, set_named },
	{ "target",      M_ENTER,  1, set_target },
	{ "uid",         M_ENTER,  0, set_uid },
	{ "gid",         M_ENTER,  0, set_gid },
	{ "cwd",         M_ENTER,  0, set_cwd },
	{ "pgroup",      M_ENTER,  0, set_pgroup },
	{ "nointr",      M_ENTER,  0, set_nointr },
	{ "process",     M_ENTER,  0, set_process },
	{ "arg",         M_ENTER,  1, set_arg },
	{ "env",         M_ENTER,  1, set_env },
};

static const char *mode_name(enum request_mode mode)
{
	return mode == MODE_CREATE ? "create" : "enter";
}

/* Names the key in messages only when it is short printable ASCII. */
static int printable_key(const char *key, size_t len)
{
	if (len == 0 || len > 32)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (key[i] < 0x20 || key[i] > 0x7E || key[i] == '"' || key[i] == '\\')
			return 0;
	return 1;
}

static int parse_line(struct request *r, struct parse_ctx *ctx, char *line, size_t len)
{
	char *eq = memchr(line, '=', len);
	size_t key_len, value_len;
	char *value;

	ctx->key = NULL;
	if (!eq)
		return fail(ctx, "expected key=value", NULL);
	*eq = '\0';
	key_len = (size_t)(eq - line);
	if (printable_key(line, key_len))
		ctx->key = line;
	value = eq + 1;
	value_len = len - key_len - 1;
	if (unescape(value, &value_len))
		return fail(ctx, "bad escape: only \\\\ and \\n are allowed", NULL);

	if (ctx->line == 1) {
		if (strcmp(line, "mode") != 0)
			return fail(ctx, "the first line must be mode=create or mode=enter", NULL);
		if (strcmp(value, "create") == 0)
			r->mode = MODE_CREATE;
		else if (strcmp(value, "enter") == 0)
			r->mode = MODE_ENTER;
		else
			return fail(ctx, "expected create or enter", NULL);
		return 0;
	}
	if (strcmp(line, "mode") == 0)
		return fail(ctx, "given twice", NULL);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const struct key *k = &keys[i];

		if (strcmp(k->name, line) != 0)
			continue;
		if (!(k->modes & (1U << r->mode)))
			return fail(ctx, "not allowed with mode", mode_name(r->mode));
		if (!k->repeat && (r->seen & (1U << i)))
			return fail(ctx, "given twice", NULL);
		r->seen |= 1U << i;
		return k->set(r, ctx, value, value_len);
	}
	return fail(ctx, "unknown key", NULL);
}

static int check_create(struct request *r, struct parse_ctx *ctx)
{
	unsigned t = r->types;

	if (t == 0)
		return fail(ctx, "mode=create needs types=", NULL);
	if ((r->hostname || r->domainname) && !(t & NS_BIT(NS_UTS)))
		return fail(ctx, "hostname and domainname need a uts namespace", NULL);
	if (r->propagation != PROPAGATION_UNSET && !(t & NS_BIT(NS_MOUNT)))
		return fail(ctx, "propagation needs a mount namespace", NULL);
	if (r->mountproc && (t & (NS_BIT(NS_MOUNT) | NS_BIT(NS_PID))) !=
			    (NS_BIT(NS_MOUNT) | NS_BIT(NS_PID)))
		return fail(ctx, "mountproc needs mount and pid namespaces", NULL);
	if ((r->has_monotonic || r->has_boottime) && !(t & NS_BIT(NS_TIME)))
		return fail(ctx, "monotonic and boottime need a time namespace", NULL);
	if (r->waitmap && !(t & NS_BIT(NS_USER)))
		return fail(ctx, "waitmap needs a user namespace", NULL);
	if (r->propagation == PROPAGATION_UNSET && (t & NS_BIT(NS_MOUNT)))
		r->propagation = PROPAGATION_PRIVATE;
	return 0;
}

static int check_enter(const struct request *r, struct parse_ctx *ctx)
{
	if (r->targets == 0)
		return fail(ctx, "mode=enter needs at least one target=", NULL);
	if (r->argc == 0)
		return fail(ctx, "mode=enter needs at least one arg=", NULL);
	return 0;
}

int parse_request(const char *buf, size_t len, struct request *out,
		  char *err, size_t errlen)
{
	struct parse_ctx ctx = { err, errlen, 0, NULL };
	size_t pos = 0;

	memset(out, 0, offsetof(struct request, text));
	if (errlen)
		err[0] = '\0';
	if (len == 0)
		return fail(&ctx, "empty request", NULL);
	if (len > REQUEST_MAX)
		return fail(&ctx, "request too long", NULL);
	if (!valid_utf8((const unsigned char *)buf, len))
		return fail(&ctx, "request is not UTF-8 text without NUL", NULL);
	memcpy(out->text, buf, len);
	out->text[len] = '\0';
	if (out->text[len - 1] == '\n')
		len--;  /* one final newline is allowed */

	while (pos <= len) {
		char *line = out->text + pos;
		char *nl = memchr(line, '\n', len - pos);
		size_t line_len = nl ? (size_t)(nl - line) : len - pos;

		ctx.line++;
		line[line_len] = '\0';
		if (parse_line(out, &ctx, line, line_len))
			return -1;
		pos += line_len + 1;
	}
	ctx.line = 0;
	ctx.key = NULL;
	if (out->mode == MODE_CREATE)
		return check_create(out, &ctx);
	return check_enter(out, &ctx);
}

enum control parse_control(const char *buf, size_t len)
{
	if (len > 0 && buf[len - 1] == '\n')
		len--;
	if (len == 8 && memcmp(buf, "continue", 8) == 0)
		return CONTROL_CONTINUE;
	if (len == 5 && memcmp(buf, "abort", 5) == 0)
		return CONTROL_ABORT;
	return CONTROL_INVALID;
}
