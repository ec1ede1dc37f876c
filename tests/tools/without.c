/*
 * without: runs a program on this kernel as an older kernel would run it,
 * by making the kernel refuse, with the errno an older kernel gives, the
 * features named (a seccomp filter, inherited by everything the program
 * starts).  For the tests of NsPS's fallbacks.
 *
 *   without FEATURE[,FEATURE...] PROGRAM [ARG...]
 *
 *   pidfd_open   pidfd_open(2) fails with ENOSYS             (before 5.3)
 *   close_range  close_range(2) fails with ENOSYS            (before 5.9)
 *   setns_pidfd  setns(2) with several kinds at once fails
 *                with EINVAL, as setns on a pidfd did        (before 5.8)
 *   ns_get_id    ioctl(NS_GET_ID) fails with ENOTTY          (before 6.18)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__x86_64__)
#define ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define ARCH AUDIT_ARCH_AARCH64
#endif

#define NS_GET_ID 0x8008b70dU
#define ARG1 (offsetof(struct seccomp_data, args) + sizeof(__u64))
#define LD(off) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (off))
#define JEQ(k, t, f) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (k), (t), (f))
#define RET(v) BPF_STMT(BPF_RET | BPF_K, (v))
#define ALLOW RET(SECCOMP_RET_ALLOW)
#define FAIL(e) RET(SECCOMP_RET_ERRNO | (e))

static const unsigned kinds[] = {
	0, CLONE_NEWCGROUP, CLONE_NEWIPC, CLONE_NEWNS, CLONE_NEWNET,
	CLONE_NEWPID, 0x80 /* CLONE_NEWTIME */, CLONE_NEWUSER, CLONE_NEWUTS,
};
#define KINDS (sizeof(kinds) / sizeof(kinds[0]))

int main(int argc, char **argv)
{
	struct sock_filter f[64];
	struct sock_fprog prog;
	unsigned short n = 0;
	char *list, *word, *save;

	if (argc < 3) {
		fprintf(stderr, "usage: without FEATURE[,FEATURE...] PROGRAM [ARG...]\n");
		return 2;
	}
	f[n++] = (struct sock_filter)LD(offsetof(struct seccomp_data, arch));
	f[n++] = (struct sock_filter)JEQ(ARCH, 1, 0);
	f[n++] = (struct sock_filter)ALLOW;
	f[n++] = (struct sock_filter)LD(offsetof(struct seccomp_data, nr));
	list = strdup(argv[1]);
	for (word = strtok_r(list, ",", &save); word; word = strtok_r(NULL, ",", &save)) {
		if (!strcmp(word, "pidfd_open") || !strcmp(word, "close_range")) {
			f[n++] = (struct sock_filter)JEQ(word[0] == 'p' ? SYS_pidfd_open : SYS_close_range, 0, 1);
			f[n++] = (struct sock_filter)FAIL(ENOSYS);
		} else if (!strcmp(word, "ns_get_id")) {
			/* The block ends in a return, so what follows still sees the number. */
			f[n++] = (struct sock_filter)JEQ(SYS_ioctl, 0, 4);
			f[n++] = (struct sock_filter)LD(ARG1);
			f[n++] = (struct sock_filter)JEQ(NS_GET_ID, 0, 1);
			f[n++] = (struct sock_filter)FAIL(ENOTTY);
			f[n++] = (struct sock_filter)ALLOW;
		} else if (!strcmp(word, "setns_pidfd")) {
			f[n++] = (struct sock_filter)JEQ(SYS_setns, 0, KINDS + 3);
			f[n++] = (struct sock_filter)LD(ARG1);
			for (unsigned i = 0; i < KINDS; i++)
				f[n++] = (struct sock_filter)JEQ(kinds[i], (unsigned char)(KINDS - i), 0);
			f[n++] = (struct sock_filter)FAIL(EINVAL);
			f[n++] = (struct sock_filter)ALLOW;
		} else {
			fprintf(stderr, "without: unknown feature '%s'\n", word);
			return 2;
		}
		if (n > sizeof(f) / sizeof(f[0]) - 16) {
			fprintf(stderr, "without: too many features\n");
			return 2;
		}
	}
	f[n++] = (struct sock_filter)ALLOW;
	prog.len = n;
	prog.filter = f;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1L, 0L, 0L, 0L) || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog)) {
		perror("without: seccomp");
		return 1;
	}
	execvp(argv[2], argv + 2);
	perror("without: exec");
	return 127;
}
