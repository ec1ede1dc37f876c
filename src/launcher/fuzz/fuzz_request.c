/*
 * fuzz_request.c - libFuzzer harness for the launcher's message parser
 * (request.c).  Not part of the launcher binary: build.ps1 compiles only
 * the .c files directly in src/launcher.  tests/Launcher.Tests.ps1 builds
 * and runs it, and src/build/Test-Launcher.ps1 runs it for longer, both
 * built with the flags of Get-LauncherFuzzFlag (src/build/Launcher.psm1):
 *
 *   ./fuzz_request -dict=src/launcher/fuzz/request.dict NEW_CORPUS_DIR src/launcher/fuzz/corpus
 *
 * Each input is one whole message, as the launcher receives it: a request
 * for parse_request() and a control message for parse_control().  Besides
 * the sanitizers, the harness checks what the launcher relies on after a
 * parse, and traps when it does not hold.
 */
#include "request.h"

#include <stdint.h>
#include <string.h>

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct request req;  /* as in the launcher: too big for the stack */

/* A string the request points to lies in its own copy of the text. */
static void check_inside(const char *s, size_t max)
{
	const char *begin = req.text, *end = req.text + sizeof(req.text);
	size_t len;

	CHECK(s >= begin && s < end);
	len = strnlen(s, (size_t)(end - s));
	CHECK(s + len < end);  /* terminated inside */
	CHECK(len <= max);
}

/* The reason of a rejection: one non-empty line of printable ASCII (it goes
 * into a JSON report and into error messages as it is). */
static void check_reason(const char *err, size_t errlen)
{
	size_t len = strnlen(err, errlen);

	CHECK(len < errlen);
	CHECK(len > 0);
	for (size_t i = 0; i < len; i++)
		CHECK(err[i] >= 0x20 && err[i] <= 0x7E);
}

static void check_request(void)
{
	CHECK(req.mode == MODE_CREATE || req.mode == MODE_ENTER);
	if (req.mode == MODE_CREATE) {
		unsigned t = req.types;

		CHECK(t != 0 && t < NS_BIT(NS_KIND_COUNT));
		CHECK(req.targets == 0 && req.argc == 0 && req.envc == 0 && !req.cwd);
		CHECK(!req.has_uid && !req.has_gid && !req.pgroup);
		if (req.hostname || req.domainname)
			CHECK(t & NS_BIT(NS_UTS));
		if (req.hostname)
			check_inside(req.hostname, REQUEST_MAX_NAME);
		if (req.domainname)
			check_inside(req.domainname, REQUEST_MAX_NAME);
		CHECK((req.propagation != PROPAGATION_UNSET) == !!(t & NS_BIT(NS_MOUNT)));
		CHECK(req.propagation <= PROPAGATION_UNCHANGED);
		if (req.mountproc)
			CHECK((t & NS_BIT(NS_MOUNT)) && (t & NS_BIT(NS_PID)));
		if (req.has_monotonic || req.has_boottime)
			CHECK(t & NS_BIT(NS_TIME));
		CHECK(req.has_monotonic || req.monotonic == 0);
		CHECK(req.has_boottime || req.boottime == 0);
		if (req.waitmap)
			CHECK(t & NS_BIT(NS_USER));
		CHECK(req.mountproc <= 1 && req.waitmap <= 1 && req.named <= 1);
		return;
	}
	CHECK(req.types == 0 && !req.hostname && !req.domainname);
	CHECK(req.targets != 0 && req.targets < NS_BIT(NS_KIND_COUNT));
	for (int k = 0; k < NS_KIND_COUNT; k++) {
		if (!(req.targets & NS_BIT(k))) {
			CHECK(req.target[k].path == NULL);
			continue;
		}
		check_inside(req.target[k].path, REQUEST_MAX_PATH);
		CHECK(req.target[k].path[0] == '/');
	}
	CHECK(req.argc >= 1 && req.argc <= REQUEST_MAX_ARGS);
	CHECK(req.argv[req.argc] == NULL);
	CHECK(req.argv[0][0] != '\0');
	for (size_t i = 0; i < req.argc; i++)
		check_inside(req.argv[i], REQUEST_MAX);
	CHECK(req.envc <= REQUEST_MAX_ENV);
	CHECK(req.envp[req.envc] == NULL);
	for (size_t i = 0; i < req.envc; i++) {
		const char *eq;

		check_inside(req.envp[i], REQUEST_MAX);
		eq = strchr(req.envp[i], '=');
		CHECK(eq && eq != req.envp[i]);
	}
	if (req.cwd)
		check_inside(req.cwd, REQUEST_MAX_PATH);
	if (req.has_uid)
		CHECK(req.uid != (uid_t)-1);
	if (req.has_gid)
		CHECK(req.gid != (gid_t)-1);
	CHECK(req.pgroup <= 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	char err[200];
	enum control c;

	memset(err, 'x', sizeof(err));
	if (parse_request(buf, size, &req, err, sizeof(err)) == 0) {
		CHECK(err[0] == '\0');
		check_request();
	} else {
		char tiny[8];

		check_reason(err, sizeof(err));
		/* A short buffer gets the reason cut, still terminated; a buffer
		 * of size 0 is left alone. */
		memset(tiny, 'x', sizeof(tiny));
		CHECK(parse_request(buf, size, &req, tiny, sizeof(tiny)) == -1);
		CHECK(memchr(tiny, '\0', sizeof(tiny)) != NULL);
		memset(tiny, 'x', sizeof(tiny));
		CHECK(parse_request(buf, size, &req, tiny, 0) == -1);
		CHECK(tiny[0] == 'x');
	}

	c = parse_control(buf, size);
	CHECK(c == CONTROL_INVALID || c == CONTROL_CONTINUE || c == CONTROL_ABORT);
	if (c == CONTROL_CONTINUE)
		CHECK(size == 8 || (size == 9 && buf[8] == '\n'));
	if (c == CONTROL_ABORT)
		CHECK(size == 5 || (size == 6 && buf[5] == '\n'));
	return 0;
}

#ifdef NSPS_PARSE_MAIN
/*
 * Without libFuzzer (cc -DNSPS_PARSE_MAIN): parses each file given and
 * prints "FILE: ok" or "FILE: rejected: REASON" (control messages: "FILE:
 * control N"), after the same checks.  The tests use it to keep the seed
 * corpus honest: bad-* inputs are rejected, the others accepted.
 */
#include <stdio.h>

int main(int argc, char **argv)
{
	static char buf[REQUEST_MAX + 2];

	for (int i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		char err[200];
		enum control c;
		size_t n;

		if (!f) {
			perror(argv[i]);
			return 2;
		}
		n = fread(buf, 1, sizeof(buf), f);
		(void)fclose(f);
		(void)LLVMFuzzerTestOneInput((const uint8_t *)buf, n);
		c = parse_control(buf, n);
		if (c != CONTROL_INVALID)
			printf("%s: control %d\n", argv[i], (int)c);
		else if (parse_request(buf, n, &req, err, sizeof(err)) == 0)
			printf("%s: ok\n", argv[i]);
		else
			printf("%s: rejected: %s\n", argv[i], err);
	}
	return 0;
}
#endif
