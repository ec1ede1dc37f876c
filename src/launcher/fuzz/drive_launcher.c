/*
 * drive_launcher.c - a stand-in for the NsPS module, for the launcher tests
 * (tests/Launcher.Tests.ps1).  Not part of the launcher binary.
 *
 * It starts nsps-launcher the way PROTOCOL.md says (a SOCK_SEQPACKET pair,
 * the launcher's end on descriptor 3, no shell), sends one request, prints
 * every report, and cleans up like the module: it waits for the launcher,
 * stops and reaps the holder (which is this process's child: CLONE_PARENT).
 * Being a small C program, it can also run as another user (setpriv) and
 * set up what the module never does: extra inherited descriptors, closed
 * standard streams, a descriptor passed along with the request.
 *
 *   drive_launcher [-c WORD] [-x] [-r] [-z] [-i] LAUNCHER REQUEST
 *
 *   -c WORD  the control message to send when a "userns" report comes
 *   -x       the launcher inherits two extra descriptors (7 and 8)
 *   -r       the request carries a descriptor (SCM_RIGHTS)
 *   -z       the launcher starts with descriptors 0, 1 and 2 closed
 *   -i       on "ready" or "started": print the descriptors and the
 *            privileges of that process (the holder or the program)
 *
 * Output, one item per line on standard output:
 *   caller <Field>:<value>         this process's NoNewPrivs, CapEff, ...
 *   send-error <why>               the launcher ended before the request was sent
 *   report <json>                  each report, as received
 *   fd <n> <link>                  -i: a descriptor of the inspected process
 *   inspect-error <why>            -i: the process could not be inspected
 *   inspect-note <what>            -i: the process never blocked in poll(2)
 *                                  or a sleep
 *   status <Field>:<value>         -i: the inspected process's privileges
 *   exit <n> | signal <n>          how the launcher ended
 *   holder-exit <n> | holder-signal <n>
 * The exit status is 0 unless the driver itself failed (then 2).
 */
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static void fatal(const char *what)
{
	fprintf(stderr, "drive_launcher: %s: %s\n", what, strerror(errno));
	exit(2);
}

/* The lines of /proc/PID/status that tell the privileges. */
static void print_status(const char *prefix, const char *pid)
{
	static const char *const fields[] = {
		"Uid:", "Gid:", "NoNewPrivs:", "CapInh:", "CapPrm:", "CapEff:",
		"CapBnd:", "CapAmb:", "Seccomp:",
	};
	char path[64], line[512];
	FILE *f;

	(void)snprintf(path, sizeof(path), "/proc/%s/status", pid);
	f = fopen(path, "re");
	if (!f) {
		printf("inspect-error %s: %s\n", path, strerror(errno));
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
			if (strncmp(line, fields[i], strlen(fields[i])) == 0) {
				char *p = line + strlen(fields[i]);

				while (*p == ' ' || *p == '\t')
					p++;
				printf("%s %s%s", prefix, fields[i], p);
			}
		}
	}
	(void)fclose(f);
}

/* Every open descriptor of a process, with what it refers to. */
static void print_fds(pid_t pid)
{
	char dir_path[64];
	struct dirent *e;
	DIR *dir;

	(void)snprintf(dir_path, sizeof(dir_path), "/proc/%d/fd", (int)pid);
	dir = opendir(dir_path);
	if (!dir) {
		printf("inspect-error %s: %s\n", dir_path, strerror(errno));
		return;
	}
	/* cppcheck-suppress readdirCalled ; readdir_r is deprecated, one thread here */
	while ((e = readdir(dir)) != NULL) {
		char link[PATH_MAX];
		ssize_t n;

		if (e->d_name[0] == '.')
			continue;
		n = readlinkat(dirfd(dir), e->d_name, link, sizeof(link) - 1);
		if (n < 0)
			n = 0;  /* closed meanwhile */
		link[n] = '\0';
		printf("fd %s %s\n", e->d_name, link);
	}
	(void)closedir(dir);
}

/* The system call a process is blocked in (/proc/PID/syscall), or -1. */
static long blocked_in(pid_t pid)
{
	char path[64];
	long nr = -1;
	FILE *f;

	(void)snprintf(path, sizeof(path), "/proc/%d/syscall", (int)pid);
	f = fopen(path, "re");
	if (f) {
		char line[128];

		if (fgets(line, sizeof(line), f))
			nr = strtol(line, NULL, 10);
		(void)fclose(f);
	}
	return nr;
}

/* Waits until the process blocks in poll(2) (the holder in its hold loop)
 * or in a sleep (the program, sleep(1)): by then it has closed what it used
 * to set itself up.  At most 60 s, a bound for a busy machine only. */
static void wait_settled(pid_t pid, const char *who)
{
	const struct timespec tick = { 0, 10 * 1000 * 1000 };

	for (int i = 0; i < 6000; i++) {
		long nr = blocked_in(pid);

#ifdef SYS_poll
		if (nr == SYS_poll)
			return;
#endif
#ifdef SYS_nanosleep
		if (nr == SYS_nanosleep)
			return;
#endif
		if (nr == SYS_ppoll || nr == SYS_clock_nanosleep)
			return;
		(void)nanosleep(&tick, NULL);
	}
	printf("inspect-note the %s never blocked in poll or a sleep\n", who);
}

static void inspect(pid_t pid)
{
	char id[32];

	(void)snprintf(id, sizeof(id), "%d", (int)pid);
	print_fds(pid);
	print_status("status", id);
}

/* A number member of a compact JSON report ("key":N); -1 if there is none.
 * key is given with its quotes and colon: "\"pid\":". */
static pid_t json_number(const char *json, const char *key)
{
	const char *p = strstr(json, key);

	return p ? (pid_t)strtol(p + strlen(key), NULL, 10) : -1;
}

static void send_request(int fd, const char *request, int with_fd)
{
	struct iovec iov = { (void *)request, strlen(request) };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} control;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	int passed = -1;

	if (with_fd) {
		struct cmsghdr *c;

		passed = open("/etc/hostname", O_RDONLY | O_CLOEXEC);
		if (passed < 0)
			fatal("open /etc/hostname");
		memset(&control, 0, sizeof(control));
		msg.msg_control = control.buf;
		msg.msg_controllen = sizeof(control.buf);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &passed, sizeof(int));
	}
	if (sendmsg(fd, &msg, MSG_NOSIGNAL) != (ssize_t)iov.iov_len) {
		/* A launcher that ended already: its reports may still be queued. */
		if (errno != EPIPE && errno != ECONNRESET)
			fatal("sendmsg");
		printf("send-error %s\n", strerror(errno));
	}
	if (passed >= 0)
		(void)close(passed);
}

static int usage(void)
{
	fprintf(stderr, "usage: drive_launcher [-c WORD] [-x] [-r] [-z] [-i] LAUNCHER REQUEST\n");
	return 2;
}

static void print_wait(const char *prefix, int status)
{
	if (WIFSIGNALED(status))
		printf("%ssignal %d\n", prefix, WTERMSIG(status));
	else
		printf("%sexit %d\n", prefix, WEXITSTATUS(status));
}

int main(int argc, char **argv)
{
	const char *control = NULL, *launcher, *request;
	int extra = 0, pass_fd = 0, no_stdio = 0, do_inspect = 0;
	int sv[2], opt, status;
	pid_t pid, holder = -1;
	char buf[65536];

	while ((opt = getopt(argc, argv, "c:xrzi")) != -1) {
		switch (opt) {
		case 'c': control = optarg; break;
		case 'x': extra = 1; break;
		case 'r': pass_fd = 1; break;
		case 'z': no_stdio = 1; break;
		case 'i': do_inspect = 1; break;
		default:
			return usage();
		}
	}
	if (argc - optind != 2)
		return usage();
	launcher = argv[optind];
	request = argv[optind + 1];
	setvbuf(stdout, NULL, _IOLBF, 0);
	print_status("caller", "self");

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		fatal("socketpair");
	(void)fflush(stdout);
	pid = fork();
	if (pid < 0)
		fatal("fork");
	if (pid == 0) {
		char *const args[] = { "nsps-launcher", NULL };

		if (dup2(sv[1], 3) != 3)
			_exit(120);
		if (extra) {
			/* Descriptors the launcher was not meant to have (no CLOEXEC). */
			int a = open("/etc/hostname", O_RDONLY), b = open("/dev/null", O_WRONLY);

			if (a < 0 || b < 0 || dup2(a, 7) != 7 || dup2(b, 8) != 8)
				_exit(121);
		}
		if (no_stdio) {
			(void)close(0);
			(void)close(1);
			(void)close(2);
		}
		execv(launcher, args);
		_exit(122);
	}
	(void)close(sv[1]);
	send_request(sv[0], request, pass_fd);

	/* Reports until the last one: ready, error, exited, or end of file.
	 * (An unnamed holder shares the launcher's end of the channel, so
	 * after "ready" no end of file comes: stop reading there.) */
	for (;;) {
		ssize_t n;

		do
			n = recv(sv[0], buf, sizeof(buf) - 1, 0);
		while (n < 0 && errno == EINTR);
		if (n < 0 && errno == ECONNRESET)
			n = 0;
		if (n < 0)
			fatal("recv");
		if (n == 0)
			break;
		buf[n] = '\0';
		printf("report %s\n", buf);
		if (strstr(buf, "\"holder\":"))
			holder = json_number(buf, "\"holder\":");
		if (strstr(buf, "\"event\":\"userns\"") && control &&
		    send(sv[0], control, strlen(control), MSG_NOSIGNAL) < 0)
			fatal("send");
		if (strstr(buf, "\"event\":\"ready\"")) {
			holder = json_number(buf, "\"pid\":");
			break;
		}
		if (strstr(buf, "\"event\":\"started\"") && do_inspect) {
			/* Inspect, then give up: the launcher kills the program. */
			pid_t program = json_number(buf, "\"pid\":");

			wait_settled(program, "program");
			inspect(program);
			break;
		}
	}
	if (holder <= 0)
		(void)close(sv[0]);   /* a launcher still supervising gives up */
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			fatal("waitpid launcher");
	print_wait("", status);
	if (holder > 0 && do_inspect && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		wait_settled(holder, "holder");
		inspect(holder);   /* the holder as it stays */
	}
	if (holder > 0) {
		(void)close(sv[0]);           /* an unnamed holder sees end of file and exits */
		(void)kill(holder, SIGTERM);  /* a named holder lives until signalled */
		while (waitpid(holder, &status, 0) < 0)
			if (errno != EINTR)
				fatal("waitpid holder");
		print_wait("holder-", status);
	}
	return 0;
}
