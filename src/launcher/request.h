/*
 * request.h - the requests the module sends to nsps-launcher.
 *
 * A request is one SEQPACKET message of UTF-8 text: lines of key=value.
 * parse_request() checks everything (keys, numbers, sizes, which keys a
 * mode allows, which keys need which namespace kinds) and touches no
 * system state, so that it can be fuzzed on its own.  PROTOCOL.md is the
 * reference for the format.
 */
#ifndef NSPS_REQUEST_H
#define NSPS_REQUEST_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define REQUEST_MAX       ((size_t)192 * 1024) /* bytes in one request message */
#define REQUEST_MAX_ARGS  4096         /* arg= lines */
#define REQUEST_MAX_ENV   4096         /* env= lines */
#define REQUEST_MAX_NAME  255          /* hostname= and domainname= bytes */
#define REQUEST_MAX_PATH  4095         /* target paths and cwd= bytes */

/* The namespace kinds, in the order they are joined (util-linux nsenter). */
enum ns_kind {
	NS_USER,
	NS_CGROUP,
	NS_IPC,
	NS_UTS,
	NS_NET,
	NS_PID,
	NS_MOUNT,
	NS_TIME,
	NS_KIND_COUNT
};

struct ns_kind_info {
	const char *name;  /* name in requests and reports */
	const char *proc;  /* name under /proc/PID/ns/ */
	int flag;          /* CLONE_NEW* */
};

extern const struct ns_kind_info ns_kinds[NS_KIND_COUNT];

#define NS_BIT(kind) (1U << (kind))

enum request_mode {
	MODE_NONE,
	MODE_CREATE,
	MODE_ENTER
};

enum propagation {
	PROPAGATION_UNSET,
	PROPAGATION_PRIVATE,
	PROPAGATION_SLAVE,
	PROPAGATION_SHARED,
	PROPAGATION_UNCHANGED
};

/* A namespace to join: its file and the identity it must still have. */
struct ns_target {
	const char *path;
	uint64_t dev;
	uint64_t ino;
};

struct request {
	enum request_mode mode;
	unsigned seen;                 /* keys seen, bit per key (duplicates) */

	/* mode=create */
	unsigned types;                /* NS_BIT() of the kinds to create */
	const char *hostname;          /* NULL: not given */
	const char *domainname;
	enum propagation propagation;  /* PRIVATE when a mount ns is made */
	int mountproc;
	int waitmap;
	int named;
	int has_monotonic;
	int has_boottime;
	int64_t monotonic;             /* nanoseconds */
	int64_t boottime;

	/* mode=enter */
	unsigned targets;              /* NS_BIT() of the kinds in target[] */
	struct ns_target target[NS_KIND_COUNT];
	int has_uid;
	int has_gid;
	uid_t uid;
	gid_t gid;
	const char *cwd;               /* NULL: not given */
	int pgroup;                    /* the program leads a process group of its own */
	int nointr;                    /* the program starts with SIGINT ignored */
	pid_t process;                 /* process= (0: not given): the targets are this
	                                  process's namespaces, joined at once with setns(pidfd) */
	uint64_t process_start;        /* its start time (field 22 of /proc/PID/stat) */
	size_t argc;
	const char *argv[REQUEST_MAX_ARGS + 1];  /* NULL terminated */
	size_t envc;                   /* 0: inherit the environment */
	const char *envp[REQUEST_MAX_ENV + 1];   /* NULL terminated */

	char text[REQUEST_MAX + 1];    /* the values point into this copy */
};

/*
 * Parses one request message of len bytes.  Returns 0 and fills *out, or
 * returns -1 and writes a one-line reason (at most errlen bytes, always
 * terminated) to err.
 */
int parse_request(const char *buf, size_t len, struct request *out,
		  char *err, size_t errlen);

enum control {
	CONTROL_INVALID = -1,
	CONTROL_CONTINUE,
	CONTROL_ABORT
};

/* Parses a control message: "continue" or "abort", one optional "\n". */
enum control parse_control(const char *buf, size_t len);

/* Finds a kind by its request name; returns -1 if there is none. */
int ns_kind_by_name(const char *name, size_t len);

#endif
