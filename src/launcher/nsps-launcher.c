/*
 * nsps-launcher - creates and enters Linux namespaces for the NsPS module.
 *
 * The .NET runtime is multithreaded, and the kernel refuses
 * unshare(CLONE_NEWUSER) and setns() into user, mount and time namespaces
 * to a multithreaded process.  This single-threaded program does those
 * steps for the module.  It is spawned with one end of a SOCK_SEQPACKET
 * socketpair on descriptor 3 (the channel), reads one request from it,
 * reports each outcome as one compact JSON object per message, and exits.
 * PROTOCOL.md describes the messages, the process tree and the exit
 * statuses.
 *
 * Failures go through one path, die(): the step, the system call and the
 * errno are reported, a child already made is killed and reaped, and the
 * process exits with the status of the step.  In a child, die() hands the
 * failure to the parent over a private socket instead, so that the parent
 * stays the only writer on the channel.
 */
#include "request.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdnoreturn.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHANNEL_FD 3

extern char **environ;

enum step {
	STEP_REQUEST,
	STEP_CHANNEL,
	STEP_ABORT,
	STEP_INIT,
	STEP_SIGNALS,
	STEP_UNSHARE,
	STEP_TIME_OFFSETS,
	STEP_HOSTNAME,
	STEP_DOMAINNAME,
	STEP_PROPAGATION,
	STEP_FORK,
	STEP_HOLDER,
	STEP_NSID,
	STEP_MOUNTPROC,
	STEP_OPEN,
	STEP_VERIFY,
	STEP_SETNS,
	STEP_SETGROUPS,
	STEP_SETGID,
	STEP_SETUID,
	STEP_CHDIR,
	STEP_SETPGID,
	STEP_EXEC,
	STEP_COUNT
};

/* Report name and exit status of each step (PROTOCOL.md, "Exit status"). */
static const struct step_info {
	const char *name;
	int status;
} steps[STEP_COUNT] = {
	[STEP_REQUEST]      = { "request",        64 },
	[STEP_CHANNEL]      = { "channel",        65 },
	[STEP_ABORT]        = { "abort",          66 },
	[STEP_INIT]         = { "init",           70 },
	[STEP_SIGNALS]      = { "signals",        71 },
	[STEP_UNSHARE]      = { "unshare",        72 },
	[STEP_TIME_OFFSETS] = { "timens_offsets", 73 },
	[STEP_HOSTNAME]     = { "sethostname",    74 },
	[STEP_DOMAINNAME]   = { "setdomainname",  75 },
	[STEP_PROPAGATION]  = { "propagation",    76 },
	[STEP_FORK]         = { "fork",           77 },
	[STEP_HOLDER]       = { "holder",         78 },
	[STEP_NSID]         = { "nsid",           79 },
	[STEP_MOUNTPROC]    = { "mountproc",      80 },
	[STEP_OPEN]         = { "open",           81 },
	[STEP_VERIFY]       = { "verify",         82 },
	[STEP_SETNS]        = { "setns",          83 },
	[STEP_SETGROUPS]    = { "setgroups",      84 },
	[STEP_SETGID]       = { "setgid",         85 },
	[STEP_SETUID]       = { "setuid",         86 },
	[STEP_CHDIR]        = { "chdir",          87 },
	[STEP_SETPGID]      = { "setpgid",        88 },
	[STEP_EXEC]         = { "exec",           127 },
};

/* What a child tells its parent over the private socket. */
struct sync_msg {
	int32_t ok;            /* 1: ready (ids below), 0: failure */
	int32_t step;
	int32_t kind;          /* namespace kind, -1 for none */
	int32_t err;
	char syscall[16];
	uint64_t dev;
	uint64_t ino[NS_KIND_COUNT];
};

static int fail_fd = -1;   /* in a child: the socket to the parent */
static pid_t holder_pid = -1; /* create: the holder, the module's child to reap */
static pid_t child = -1;   /* in a parent: the child to kill on failure */
static int child_group;    /* enter: the child leads a process group: signal all of it */

/* ---- reports: compact JSON, one object per message ---- */

struct json {
	char buf[1024];
	size_t len;
	int comma;
};

static void json_putc(struct json *j, char c)
{
	if (j->len + 1 < sizeof(j->buf))
		j->buf[j->len++] = c;
}

static void json_puts(struct json *j, const char *s)
{
	while (*s)
		json_putc(j, *s++);
}

/* The strings are UTF-8 already (request.c checks the input). */
static void json_quote(struct json *j, const char *s)
{
	json_putc(j, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		char esc[8];

		if (c == '"' || c == '\\') {
			json_putc(j, '\\');
			json_putc(j, (char)c);
		} else if (c < 0x20) {
			(void)snprintf(esc, sizeof(esc), "\\u%04x", c);
			json_puts(j, esc);
		} else {
			json_putc(j, (char)c);
		}
	}
	json_putc(j, '"');
}

static void json_key(struct json *j, const char *key)
{
	if (j->comma)
		json_putc(j, ',');
	json_quote(j, key);
	json_putc(j, ':');
	j->comma = 1;
}

static void json_str(struct json *j, const char *key, const char *value)
{
	json_key(j, key);
	json_quote(j, value);
}

static void json_int(struct json *j, const char *key, int64_t value)
{
	char num[24];

	json_key(j, key);
	(void)snprintf(num, sizeof(num), "%" PRId64, value);
	json_puts(j, num);
}

static void json_uint(struct json *j, const char *key, uint64_t value)
{
	char num[24];

	json_key(j, key);
	(void)snprintf(num, sizeof(num), "%" PRIu64, value);
	json_puts(j, num);
}

static void json_open(struct json *j, const char *key)
{
	if (key)
		json_key(j, key);
	json_putc(j, '{');
	j->comma = 0;
}

static void json_close(struct json *j)
{
	json_putc(j, '}');
	j->comma = 1;
}

static void json_event(struct json *j, const char *event)
{
	j->len = 0;
	j->comma = 0;
	json_open(j, NULL);
	json_str(j, "event", event);
}

/* Closes the object and sends it as one message; -1 if the module is gone. */
static int send_report(struct json *j)
{
	ssize_t n;

	json_close(j);
	do
		n = send(CHANNEL_FD, j->buf, j->len, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)j->len ? 0 : -1;
}

/* ---- the one failure path ---- */

static int step_status(int step, int err)
{
	if (step == STEP_EXEC && err != ENOENT)
		return 126;
	return steps[step].status;
}

/* Signals the child, or its whole process group when it leads one. */
static void signal_child(int sig)
{
	if (child_group)
		kill(-child, sig);
	kill(child, sig);
}

static void kill_child(void)
{
	if (child > 0) {
		signal_child(SIGKILL);
		while (waitpid(child, NULL, 0) < 0 && errno == EINTR)
			;
		child = -1;
	}
}

static void report_error(int step, const char *syscall, int kind, int err,
			 const char *message)
{
	struct json j;

	json_event(&j, "error");
	json_str(&j, "step", steps[step].name);
	if (syscall)
		json_str(&j, "syscall", syscall);
	json_int(&j, "errno", err);
	if (kind >= 0)
		json_str(&j, "ns", ns_kinds[kind].name);
	if (message)
		json_str(&j, "message", message);
	if (holder_pid > 0)
		json_int(&j, "holder", holder_pid);
	send_report(&j);
}

static noreturn void die_errno(int step, const char *syscall, int kind, int err)
{
	if (fail_fd >= 0) {
		struct sync_msg m = { .ok = 0, .step = step, .kind = kind, .err = err };

		if (syscall)
			(void)snprintf(m.syscall, sizeof(m.syscall), "%s", syscall);
		send(fail_fd, &m, sizeof(m), MSG_NOSIGNAL);
		_exit(step_status(step, err));
	}
	kill_child();
	report_error(step, syscall, kind, err, NULL);
	_exit(step_status(step, err));
}

#define die(step, syscall, kind) die_errno((step), (syscall), (kind), errno)

static noreturn void die_request(const char *message)
{
	report_error(STEP_REQUEST, NULL, -1, EINVAL, message);
	_exit(steps[STEP_REQUEST].status);
}

/* ---- process setup ---- */

static void close_other_fds(void)
{
	DIR *dir;
	struct dirent *e;

	/* The system call itself: musl (the static build) has no close_range() wrapper. */
	if (syscall(SYS_close_range, CHANNEL_FD + 1, ~0U, 0U) == 0)
		return;
	dir = opendir("/proc/self/fd");
	if (!dir)
		die(STEP_INIT, "opendir", -1);
	/* readdir_r is deprecated (glibc 2.24); this process has one thread. */
	/* cppcheck-suppress readdirCalled */
	while ((e = readdir(dir)) != NULL) {
		char *end;
		long fd = strtol(e->d_name, &end, 10);

		if (end != e->d_name && *end == '\0' && fd > CHANNEL_FD &&
		    fd != dirfd(dir) && fd <= INT32_MAX)
			close((int)fd);
	}
	closedir(dir);
}

/*
 * Descriptors 0, 1 and 2 are open (on /dev/null where the caller left one
 * closed), so that no descriptor of the launcher's own takes their place:
 * enter closes 0, 1 and 2 once the program runs, and the holder and the
 * program inherit them.
 */
static void open_std_fds(void)
{
	for (int fd = STDIN_FILENO; fd <= STDERR_FILENO; fd++) {
		int opened;

		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		/* The lowest free descriptor is fd: those below it are open. */
		opened = open("/dev/null", O_RDWR | O_NOCTTY);
		if (opened < 0)
			die(STEP_INIT, "open", -1);
		if (opened != fd)
			die_errno(STEP_INIT, "open", -1, EBADF);
	}
}

static void unblock_signals(void)
{
	sigset_t none;

	sigemptyset(&none);
	if (sigprocmask(SIG_SETMASK, &none, NULL))
		die(STEP_SIGNALS, "sigprocmask", -1);
}

/* Signal dispositions and mask as after a clean exec (.NET ignores SIGPIPE). */
static void reset_signals(void)
{
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			(void)signal(sig, SIG_DFL);  /* fails harmlessly for reserved ones */
	unblock_signals();
}

static void init_process(void)
{
	int type = 0, domain = 0;
	socklen_t len = sizeof(type);

	if (getsockopt(CHANNEL_FD, SOL_SOCKET, SO_TYPE, &type, &len) ||
	    type != SOCK_SEQPACKET)
		_exit(steps[STEP_CHANNEL].status);  /* nobody to report to */
	len = sizeof(domain);
	if (getsockopt(CHANNEL_FD, SOL_SOCKET, SO_DOMAIN, &domain, &len) ||
	    domain != AF_UNIX)
		_exit(steps[STEP_CHANNEL].status);
	open_std_fds();
	if (fcntl(CHANNEL_FD, F_SETFD, FD_CLOEXEC))
		die(STEP_INIT, "fcntl", -1);
	close_other_fds();
	if (prctl(PR_SET_NO_NEW_PRIVS, 1L, 0L, 0L, 0L))
		die(STEP_INIT, "prctl", -1);
	reset_signals();
}

/* Blocks the signals and returns a signalfd that reads them. */
static int signal_fd(const int *sigs, size_t count)
{
	sigset_t set;
	int fd;

	sigemptyset(&set);
	for (size_t i = 0; i < count; i++)
		sigaddset(&set, sigs[i]);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		die(STEP_SIGNALS, "sigprocmask", -1);
	fd = signalfd(-1, &set, SFD_CLOEXEC);
	if (fd < 0)
		die(STEP_SIGNALS, "signalfd", -1);
	return fd;
}

/* ---- the channel and the parent-child socket ---- */

/*
 * Receives one message; returns the bytes stored, at most size (0: end of
 * file).  A longer message is cut to size: each buffer is one byte longer
 * than the longest valid message, so the parsers still reject it.
 */
static size_t receive(char *buf, size_t size)
{
	ssize_t n;

	do
		n = recv(CHANNEL_FD, buf, size, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		die(STEP_CHANNEL, "recv", -1);
	return (size_t)n;
}

static void sync_pair(int sv[2])
{
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		die(STEP_INIT, "socketpair", -1);
}

/*
 * Reads the child's message.  Returns 1 with *m filled when the child is
 * ready, 0 when it closed the socket without a word (it exec'd, or died).
 * A failure the child reported becomes this process's failure; a broken
 * socket is blamed on step.
 */
static int child_message(int fd, struct sync_msg *m, int step)
{
	ssize_t n;

	do
		n = recv(fd, m, sizeof(*m), 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		die(step, "recv", -1);
	if (n == 0)
		return 0;
	if (n != (ssize_t)sizeof(*m) || m->step < 0 || m->step >= STEP_COUNT ||
	    m->kind < -1 || m->kind >= NS_KIND_COUNT)
		die_errno(step, "recv", -1, EPROTO);
	if (m->ok)
		return 1;
	m->syscall[sizeof(m->syscall) - 1] = '\0';
	die_errno(m->step, m->syscall[0] ? m->syscall : NULL, m->kind, m->err);
}

static int peer_closed(int fd)
{
	struct pollfd p = { fd, POLLIN, 0 };

	return poll(&p, 1, 0) > 0 && (p.revents & POLLHUP);
}

/* After poll reported the channel: 1 if it reached end of file or broke
 * (a message the module sent instead is read and dropped). */
static int channel_gone(int fd)
{
	char c;
	ssize_t n = recv(fd, &c, 1, MSG_DONTWAIT);

	return n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR);
}

/* ---- mode=create ---- */

static void unshare_kind(int kind)
{
	if (unshare(ns_kinds[kind].flag))
		die(STEP_UNSHARE, "unshare", kind);
}

/* Lets the module write uid_map, gid_map and setgroups from outside. */
static void wait_for_map(void)
{
	char msg[64];
	struct json j;
	size_t len;

	json_event(&j, "userns");
	json_int(&j, "pid", getpid());
	if (send_report(&j))
		die(STEP_CHANNEL, "send", -1);
	len = receive(msg, sizeof(msg));
	if (len == 0)
		_exit(steps[STEP_ABORT].status);
	switch (parse_control(msg, len)) {
	case CONTROL_CONTINUE:
		return;
	case CONTROL_ABORT:
		die_errno(STEP_ABORT, NULL, -1, ECANCELED);
	case CONTROL_INVALID:
	default:
		die_request("expected continue or abort");
	}
}

/* Appends "clock seconds nanoseconds\n" to buf, which always has room (the
 * two lines take at most 63 bytes). */
static void format_offset(char *buf, size_t size, size_t *len, const char *clock, int64_t ns)
{
	int64_t sec = ns / 1000000000, nsec = ns % 1000000000;
	int n;

	if (nsec < 0) {
		nsec += 1000000000;
		sec--;
	}
	n = snprintf(buf + *len, size - *len, "%s %" PRId64 " %" PRId64 "\n", clock, sec, nsec);
	if (n < 0 || (size_t)n >= size - *len)
		die_errno(STEP_TIME_OFFSETS, NULL, NS_TIME, EOVERFLOW);
	*len += (size_t)n;
}

/* Offsets must be written before any process is in the time namespace. */
static void write_time_offsets(const struct request *r)
{
	char buf[128];
	size_t len = 0;
	ssize_t n;
	int fd;

	if (r->has_monotonic)
		format_offset(buf, sizeof(buf), &len, "monotonic", r->monotonic);
	if (r->has_boottime)
		format_offset(buf, sizeof(buf), &len, "boottime", r->boottime);
	fd = open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		die(STEP_TIME_OFFSETS, "open", NS_TIME);
	n = write(fd, buf, len);
	if (n < 0)
		die(STEP_TIME_OFFSETS, "write", NS_TIME);
	if ((size_t)n != len)
		die_errno(STEP_TIME_OFFSETS, "write", NS_TIME, EIO);
	close(fd);
}

static void set_uts_names(const struct request *r)
{
	if (r->hostname && sethostname(r->hostname, strlen(r->hostname)))
		die(STEP_HOSTNAME, "sethostname", NS_UTS);
	if (r->domainname && setdomainname(r->domainname, strlen(r->domainname)))
		die(STEP_DOMAINNAME, "setdomainname", NS_UTS);
}

static void set_propagation(enum propagation propagation)
{
	unsigned long flag;

	switch (propagation) {
	case PROPAGATION_PRIVATE:
		flag = MS_PRIVATE;
		break;
	case PROPAGATION_SLAVE:
		flag = MS_SLAVE;
		break;
	case PROPAGATION_SHARED:
		flag = MS_SHARED;
		break;
	default:
		return;
	}
	if (mount("none", "/", NULL, MS_REC | flag, NULL))
		die(STEP_PROPAGATION, "mount", NS_MOUNT);
}

/* A fresh /proc for the new pid namespace; its mount point is made private
 * first, so that the new mount never propagates to another namespace. */
static void mount_proc(void)
{
	if (mount("none", "/proc", NULL, MS_PRIVATE, NULL))
		die(STEP_MOUNTPROC, "mount", NS_MOUNT);
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL))
		die(STEP_MOUNTPROC, "mount", NS_MOUNT);
}

/* The holder's own namespaces (before /proc is replaced). */
static void read_ns_ids(struct sync_msg *m)
{
	for (int k = 0; k < NS_KIND_COUNT; k++) {
		char path[64];
		struct stat st;

		(void)snprintf(path, sizeof(path), "/proc/self/ns/%s", ns_kinds[k].proc);
		if (stat(path, &st))
			die(STEP_NSID, "stat", k);
		m->dev = (uint64_t)st.st_dev;
		m->ino[k] = (uint64_t)st.st_ino;
	}
}

static noreturn void stop_holder(int sig)
{
	/* PID 1 of a pid namespace: kill(-1) reaches only that namespace, and
	 * exiting kills whatever is left in it. */
	if (sig && getpid() == 1)
		kill(-1, sig);
	_exit(0);
}

static void reap_all(void)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

/* Keeps the namespaces alive until SIGTERM/SIGINT/SIGHUP, or until the
 * channel reaches end of file (channel < 0: no channel). */
static noreturn void hold(int sfd, int channel)
{
	struct pollfd p[2] = { { sfd, POLLIN, 0 }, { channel, POLLIN, 0 } };
	nfds_t count = channel >= 0 ? 2 : 1;

	for (;;) {
		struct signalfd_siginfo si;

		if (poll(p, count, -1) < 0) {
			if (errno == EINTR)
				continue;
			stop_holder(SIGKILL);
		}
		if (count == 2 && p[1].revents && channel_gone(channel))
			stop_holder(0);
		if (p[0].revents && read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
			if (si.ssi_signo == SIGCHLD)
				reap_all();
			else
				stop_holder((int)si.ssi_signo);
		}
	}
}

static noreturn void holder(const struct request *r, int sync)
{
	static const int sigs[] = { SIGCHLD, SIGTERM, SIGINT, SIGHUP };
	struct sync_msg m = { .ok = 1, .kind = -1 };
	int sfd;
	char ack;

	fail_fd = sync;
	if (prctl(PR_SET_PDEATHSIG, (long)SIGKILL, 0L, 0L, 0L))
		die(STEP_HOLDER, "prctl", -1);
	/* "nsps-holder" in ps and Get-Process; the command line stays nsps-launcher. */
	if (prctl(PR_SET_NAME, (unsigned long)"nsps-holder", 0L, 0L, 0L))
		die(STEP_HOLDER, "prctl", -1);
	if (peer_closed(sync))
		_exit(steps[STEP_ABORT].status);
	if (setsid() < 0)
		die(STEP_HOLDER, "setsid", -1);
	if (chdir("/"))
		die(STEP_HOLDER, "chdir", -1);
	read_ns_ids(&m);
	if (r->mountproc)
		mount_proc();
	sfd = signal_fd(sigs, sizeof(sigs) / sizeof(sigs[0]));

	/* The launcher exits once it has the ids: from here on, the ack (or
	 * end of file, if the launcher died) decides whether to stay. */
	if (prctl(PR_SET_PDEATHSIG, 0L, 0L, 0L, 0L))
		die(STEP_HOLDER, "prctl", -1);
	if (send(sync, &m, sizeof(m), MSG_NOSIGNAL) != (ssize_t)sizeof(m))
		_exit(steps[STEP_ABORT].status);
	if (recv(sync, &ack, 1, 0) != 1)
		_exit(steps[STEP_ABORT].status);
	close(sync);
	fail_fd = -1;
	if (r->named)
		close(CHANNEL_FD);
	hold(sfd, r->named ? -1 : CHANNEL_FD);
}

static void report_ready(pid_t pid, const struct sync_msg *m)
{
	struct json j;

	json_event(&j, "ready");
	json_int(&j, "pid", pid);
	json_uint(&j, "dev", m->dev);
	json_open(&j, "ns");
	for (int k = 0; k < NS_KIND_COUNT; k++)
		json_uint(&j, ns_kinds[k].name, m->ino[k]);
	json_close(&j);
	if (send_report(&j))
		die(STEP_CHANNEL, "send", -1);
}

/*
 * fork(), but the holder becomes the module's child, not this process's
 * (CLONE_PARENT): the module reaps it the moment it ends, so its pid
 * namespace goes with it at once, whatever an adopting init does with
 * orphans.  This process exits after "ready".
 */
static pid_t fork_holder(void)
{
	return (pid_t)syscall(SYS_clone, (unsigned long)(CLONE_PARENT | SIGCHLD), 0UL, 0UL, 0UL, 0UL);
}

static noreturn void create(const struct request *r)
{
	struct sync_msg m;
	int sync[2];
	const char ack = 1;

	if (r->types & NS_BIT(NS_USER)) {
		unshare_kind(NS_USER);
		if (r->waitmap)
			wait_for_map();
	}
	for (int k = 0; k < NS_KIND_COUNT; k++)
		if (k != NS_USER && (r->types & NS_BIT(k)))
			unshare_kind(k);
	if (r->has_monotonic || r->has_boottime)
		write_time_offsets(r);
	set_uts_names(r);
	set_propagation(r->propagation);

	sync_pair(sync);
	child = fork_holder();
	if (child < 0)
		die(STEP_FORK, "clone", -1);
	if (child == 0) {
		close(sync[0]);
		holder(r, sync[1]);
	}
	holder_pid = child;
	close(sync[1]);
	if (!child_message(sync[0], &m, STEP_HOLDER))
		die_errno(STEP_HOLDER, NULL, -1, ECHILD);
	report_ready(child, &m);
	if (send(sync[0], &ack, 1, MSG_NOSIGNAL) != 1)
		die(STEP_HOLDER, "send", -1);
	_exit(0);
}

/* ---- mode=enter ---- */

/* Opens every target and checks that it is still the namespace meant. */
static void open_targets(const struct request *r, int fds[NS_KIND_COUNT])
{
	struct stat own;

	for (int k = 0; k < NS_KIND_COUNT; k++) {
		const struct ns_target *t = &r->target[k];
		struct stat st;

		fds[k] = -1;
		if (!(r->targets & NS_BIT(k)))
			continue;
		fds[k] = open(t->path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
		if (fds[k] < 0)
			die(STEP_OPEN, "open", k);
		if (fstat(fds[k], &st))
			die(STEP_OPEN, "fstat", k);
		if ((uint64_t)st.st_dev != t->dev || (uint64_t)st.st_ino != t->ino)
			die_errno(STEP_VERIFY, NULL, k, ESTALE);
	}
	/* The kernel refuses to "join" the user namespace one is already in. */
	if (fds[NS_USER] >= 0 && stat("/proc/self/ns/user", &own) == 0 &&
	    (uint64_t)own.st_dev == r->target[NS_USER].dev &&
	    (uint64_t)own.st_ino == r->target[NS_USER].ino) {
		close(fds[NS_USER]);
		fds[NS_USER] = -1;
	}
}

static void join(int fds[NS_KIND_COUNT], int kind)
{
	if (setns(fds[kind], ns_kinds[kind].flag))
		die(STEP_SETNS, "setns", kind);
	close(fds[kind]);
	fds[kind] = -1;
}

/*
 * The nsenter order: every kind but user first, so that a privileged caller
 * still has its rights there; then user, which grants rights in what it
 * owns; then once more every kind that failed with EPERM before.
 */
static void join_namespaces(int fds[NS_KIND_COUNT])
{
	for (int k = 0; k < NS_KIND_COUNT; k++) {
		if (k == NS_USER || fds[k] < 0)
			continue;
		if (setns(fds[k], ns_kinds[k].flag) == 0) {
			close(fds[k]);
			fds[k] = -1;
		} else if (errno != EPERM || fds[NS_USER] < 0) {
			die(STEP_SETNS, "setns", k);
		}
	}
	for (int k = 0; k < NS_KIND_COUNT; k++)
		if (fds[k] >= 0)
			join(fds, k);
}

/* setgroups is refused in a user namespace whose setgroups file says deny. */
static int setgroups_denied(void)
{
	char buf[8] = "";
	int fd = open("/proc/self/setgroups", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 && strncmp(buf, "deny", 4) == 0;
}

static void set_credentials(const struct request *r)
{
	if (!r->has_uid && !r->has_gid)
		return;
	if (setgroups(0, NULL) && !(errno == EPERM && setgroups_denied()))
		die(STEP_SETGROUPS, "setgroups", -1);
	if (r->has_gid && setgid(r->gid))
		die(STEP_SETGID, "setgid", -1);
	if (r->has_uid && setuid(r->uid))
		die(STEP_SETUID, "setuid", -1);
}

/* The program's environment is env= if given, else the launcher's; a name
 * without '/' is looked up in that environment's PATH, as env(1) does. */
static noreturn void run_program(const struct request *r, int sync)
{
	char *const *argv = (char *const *)r->argv;

	fail_fd = sync;
	unblock_signals();
	/* An ignored SIGINT stays ignored across execve: no Ctrl+C ends a server. */
	if (r->nointr && signal(SIGINT, SIG_IGN) == SIG_ERR)
		die(STEP_SIGNALS, "signal", -1);
	if (r->pgroup && setpgid(0, 0))
		die(STEP_SETPGID, "setpgid", -1);
	/* If the launcher dies, so does the program: it never outlives its supervisor. */
	if (prctl(PR_SET_PDEATHSIG, (long)SIGKILL, 0L, 0L, 0L))
		die(STEP_SIGNALS, "prctl", -1);
	if (peer_closed(sync))
		_exit(steps[STEP_ABORT].status);
	set_credentials(r);
	if (r->cwd && chdir(r->cwd))
		die(STEP_CHDIR, "chdir", -1);
	if (r->envc)
		environ = (char **)r->envp;
	if (strchr(argv[0], '/')) {
		execv(argv[0], argv);
		die(STEP_EXEC, "execve", -1);
	}
	execvp(argv[0], argv);
	die(STEP_EXEC, "execvp", -1);
}

static noreturn void report_exit(int status)
{
	struct json j;
	int code;

	json_event(&j, "exited");
	if (WIFSIGNALED(status)) {
		json_int(&j, "signal", WTERMSIG(status));
		code = 128 + WTERMSIG(status);
	} else {
		json_int(&j, "code", WEXITSTATUS(status));
		code = WEXITSTATUS(status);
	}
	send_report(&j);
	_exit(code);
}

/* Forwards signals to the child until it ends; end of file on the channel
 * (the module is gone or gave up) kills it. */
static noreturn void supervise(int sfd)
{
	struct pollfd p[2] = { { sfd, POLLIN, 0 }, { CHANNEL_FD, POLLIN, 0 } };

	for (;;) {
		struct signalfd_siginfo si;
		int status;

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			die(STEP_SIGNALS, "poll", -1);
		}
		if (p[1].revents && channel_gone(CHANNEL_FD)) {
			kill_child();
			_exit(steps[STEP_ABORT].status);
		}
		if (!p[0].revents || read(sfd, &si, sizeof(si)) != (ssize_t)sizeof(si))
			continue;
		if (si.ssi_signo != SIGCHLD) {
			signal_child((int)si.ssi_signo);
			continue;
		}
		if (waitpid(child, &status, WNOHANG) == child &&
		    (WIFEXITED(status) || WIFSIGNALED(status)))
			report_exit(status);
	}
}

/* The start time of a process (field 22 of /proc/PID/stat); 0 if unreadable. */
static uint64_t start_time(pid_t pid)
{
	char path[64], buf[1024];
	const char *p;
	ssize_t n;
	int fd, field = 2;

	(void)snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (!p)
		return 0;
	/* After "pid (comm)" come fields 3 onwards, separated by single spaces. */
	for (; *p && field < 22; p++)
		if (*p == ' ')
			field++;
	return field == 22 ? strtoull(p, NULL, 10) : 0;
}

/*
 * A pidfd for process=, once it is known to be that very process (its start
 * time): then its namespaces can be joined all at once.  -1 where the kernel
 * has no pidfd_open.
 */
static int open_process(const struct request *r)
{
	int fd = (int)syscall(SYS_pidfd_open, r->process, 0);

	if (fd < 0) {
		if (errno == ENOSYS)
			return -1;
		die(STEP_OPEN, "pidfd_open", -1);
	}
	if (start_time(r->process) != r->process_start)
		die_errno(STEP_VERIFY, NULL, -1, ESTALE);
	return fd;
}

/*
 * Joins every target at once with setns(pidfd, flags): the kernel orders the
 * kinds itself and changes nothing if one fails.  0 when the kernel cannot
 * (EINVAL before Linux 5.8): then they are joined one by one.
 */
static int join_by_pidfd(int pidfd, int fds[NS_KIND_COUNT])
{
	int flags = 0;

	for (int k = 0; k < NS_KIND_COUNT; k++)
		if (fds[k] >= 0)
			flags |= ns_kinds[k].flag;
	if (flags && setns(pidfd, flags)) {
		if (errno == EINVAL)
			return 0;
		die(STEP_SETNS, "setns", -1);
	}
	for (int k = 0; k < NS_KIND_COUNT; k++)
		if (fds[k] >= 0) {
			close(fds[k]);
			fds[k] = -1;
		}
	return 1;
}

static noreturn void enter(const struct request *r)
{
	static const int sigs[] = { SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGQUIT };
	int fds[NS_KIND_COUNT];
	struct sync_msg m;
	struct json j;
	int sync[2], sfd;

	int pidfd = r->process > 0 ? open_process(r) : -1;

	/* Each target is still checked (device, inode) before anything is joined. */
	open_targets(r, fds);
	if (pidfd < 0 || !join_by_pidfd(pidfd, fds))
		join_namespaces(fds);
	if (pidfd >= 0)
		close(pidfd);
	sfd = signal_fd(sigs, sizeof(sigs) / sizeof(sigs[0]));
	sync_pair(sync);
	child = fork();
	if (child < 0)
		die(STEP_FORK, "fork", -1);
	if (child == 0) {
		close(sync[0]);
		close(sfd);
		run_program(r, sync[1]);
	}
	if (r->pgroup) {
		/* Also from here, so that the group exists before any signal is passed on. */
		setpgid(child, child);
		child_group = 1;
	}
	close(sync[1]);
	if (child_message(sync[0], &m, STEP_EXEC))
		die_errno(STEP_EXEC, NULL, -1, EPROTO);
	close(sync[0]);

	json_event(&j, "started");
	json_int(&j, "pid", child);
	if (send_report(&j))
		die(STEP_CHANNEL, "send", -1);
	/* The program alone holds its standard streams from here. */
	close(STDIN_FILENO);
	close(STDOUT_FILENO);
	close(STDERR_FILENO);
	supervise(sfd);
}

int main(void)
{
	static struct request req;
	static char msg[REQUEST_MAX + 1];
	char why[200];
	size_t len;

	init_process();
	len = receive(msg, sizeof(msg));
	if (len == 0)
		_exit(steps[STEP_CHANNEL].status);
	/* Started set-user-id, set-group-id or with file capabilities, the
	 * launcher would act with more rights than its caller: it never does.
	 * (Refused once the request is read, so that the module's send of it
	 * cannot fail and the module reads this report.) */
	if (getauxval(AT_SECURE))
		die_errno(STEP_INIT, NULL, -1, EPERM);
	if (parse_request(msg, len, &req, why, sizeof(why)))
		die_request(why);
	if (req.mode == MODE_CREATE)
		create(&req);
	enter(&req);
}
