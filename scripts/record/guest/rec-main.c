/* dmaown-rec SCRIPT — run one scenario script (a scenarios file) and print, on the data port
 * (/dev/ttyS1, or stdout with DMAOWN_OUT=-), one "@S {step}" line per dmaown-trace/1 step.
 *
 * sysfs calls run in a forked child that closes every inherited descriptor first (or it would
 * keep the VFIO device fds open itself) and reports its errno through a pipe: a call that has not
 * answered within the timeout is "blocked" (a later "wait ID" tells how it ended); a child that
 * dies by a signal hit a kernel BUG/oops ("oops"). open/ioctl/close run in this process, which
 * holds the descriptors. Kernel log lines of level warning or worse that appear during a step
 * become its "note". */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#if defined(__x86_64__) || defined(__i386__)
#include <sys/io.h>
#endif
#include <sys/syscall.h>
#include <pthread.h>
#include "rec.h"

FILE *out;
static int kmsg = -1;

struct pending { char id[32]; pid_t pid; int rfd; struct buf got; int done; char kind; };
static struct pending pend[32];
static int npend, autoid;

static long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* "RAX: ...", "FS:  ...", "CR2: ...": an upper-case word and a colon. */
static int register_line(const char *m)
{
	int i = 0;
	while (isupper((unsigned char)m[i]) || isdigit((unsigned char)m[i])) i++;
	return i >= 2 && i <= 4 && m[i] == ':';
}

/* Kernel log lines (priority <= warning, or BUG/Oops text) since the last call. */
static void drain_kmsg(struct buf *note)
{
	char rec[8192];
	if (kmsg < 0) return;
	for (;;) {
		ssize_t n = read(kmsg, rec, sizeof rec - 1);
		if (n < 0) { if (errno == EPIPE) continue; break; }
		rec[n] = 0;
		char *semi = strchr(rec, ';');
		if (!semi) continue;
		int pri = atoi(rec) & 7;
		char *msg = semi + 1, *nl = strchr(msg, '\n');
		if (nl) *nl = 0;
		if (msg[0] == ' ' || !strncmp(msg, "Code:", 5) || !strncmp(msg, "Call Trace", 10) ||
		    !strncmp(msg, "Modules linked", 14) || !strncmp(msg, "Hardware name", 13) ||
		    !strncmp(msg, "CPU:", 4) || !strncmp(msg, "---[", 4) || !strncmp(msg, "invalid opcode", 14) ||
		    strstr(msg, "[ cut here ]") || (register_line(msg) && strncmp(msg, "RIP:", 4) && strncmp(msg, "BUG:", 4)))
			continue;  /* register dumps and stack traces stay in the console log */
		if (pri <= 4 || strstr(msg, "BUG") || strstr(msg, "Oops")) {
			if (note->n > 600 || (!strncmp(msg, "RIP:", 4) && strstr(note->p ? note->p : "", "RIP:"))) continue;
			if (note->n) buf_add(note, " | ", 3);
			buf_add(note, msg, strlen(msg) > 300 ? 300 : strlen(msg));
		}
	}
}

/* The child side of a sysfs call: first 4 bytes the errno, then the output. */
static void child_op(char kind, const char *path, const char *data, int w)
{
	int e = 0;
	char b[65536];
	ssize_t n = 0;
	if (kind == 'w') {
		int fd = open(path, O_WRONLY);
		/* echo semantics: the trace's "data" is what was written without the newline. */
		char d[4096];
		int len = snprintf(d, sizeof d, "%s\n", data);
		if (fd < 0 || write(fd, d, len) < 0) e = errno;
	} else if (kind == 'r') {
		int fd = open(path, O_RDONLY);
		if (fd < 0 || (n = read(fd, b, sizeof b)) < 0) { e = errno; n = 0; }
	} else if (kind == 'l') {
		if ((n = readlink(path, b, sizeof b)) < 0) { e = errno; n = 0; }
	} else if (kind == 's') {
		struct stat st;
		if (stat(path, &st) < 0) e = errno;
	} else if (kind == 'd') {
		DIR *d = opendir(path);
		struct dirent *de;
		if (!d) e = errno;
		while (d && (de = readdir(d)))
			if (de->d_name[0] != '.') n += snprintf(b + n, sizeof b - n, "%s\n", de->d_name);
	}
	if (write(w, &e, sizeof e) < 0 || write(w, b, n) < 0) _exit(1);
	_exit(0);
}

/* Reads the child's answer until EOF or the deadline; returns 1 when the call has ended. */
static int collect(struct pending *p, long deadline)
{
	char b[4096];
	while (!p->done) {
		struct pollfd pf = { .fd = p->rfd, .events = POLLIN };
		long left = deadline - now_ms();
		if (left < 0 || poll(&pf, 1, left) <= 0) return 0;
		ssize_t n = read(p->rfd, b, sizeof b);
		if (n > 0) { buf_add(&p->got, b, n); continue; }
		if (n < 0 && errno == EINTR) continue;
		p->done = 1;
		close(p->rfd);
	}
	return 1;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char **)a, *(char **)b); }

/* Finishes a step from an ended child: result, and out for read/readlink/list. */
static void finish(struct buf *s, struct pending *p, struct buf *note)
{
	int status = 0;
	waitpid(p->pid, &status, 0);
	if (WIFSIGNALED(status) || p->got.n < sizeof(int)) {
		buf_printf(s, ",\"result\":\"oops\"");
		usleep(300000);
		drain_kmsg(note);
		if (!note->n) buf_printf(note, "writer died (signal %d)", WTERMSIG(status));
		return;
	}
	int e;
	memcpy(&e, p->got.p, sizeof e);
	buf_printf(s, ",\"result\":\"%s\"", errno_name(e));
	char *d = p->got.p + sizeof e;
	size_t n = p->got.n - sizeof e;
	if (e || p->kind == 'w' || p->kind == 's') return;
	if (p->kind == 'd') {
		char *v[512];
		int k = 0;
		for (char *t = strtok(d, "\n"); t && k < 512; t = strtok(0, "\n")) v[k++] = t;
		qsort(v, k, sizeof *v, cmp_str);
		buf_add(s, ",\"out\":[", 8);
		for (int i = 0; i < k; i++) { if (i) buf_add(s, ",", 1); buf_json_str(s, v[i], strlen(v[i])); }
		buf_add(s, "]", 1);
		return;
	}
	buf_add(s, ",\"out\":", 7);
	buf_json_str(s, d, n);
}

static void sysfs_step(struct buf *s, char kind, const char *id, const char *path, const char *data,
		       int timeout_ms, struct buf *note)
{
	static const char *calls[] = { ['w'] = "write", ['r'] = "read", ['l'] = "readlink",
		['s'] = "stat", ['d'] = "list" };
	buf_printf(s, "\"call\":\"%s\",\"path\":", calls[(int)kind]);
	buf_json_str(s, path, strlen(path));
	if (kind == 'w') { buf_add(s, ",\"data\":", 8); buf_json_str(s, data, strlen(data)); }
	int pfd[2];
	if (pipe(pfd) < 0) { perror("pipe"); exit(1); }
	fflush(out);
	pid_t pid = fork();
	if (pid == 0) {
		close_labels_in_child(pfd[1]);
		child_op(kind, path, data, pfd[1]);
	}
	close(pfd[1]);
	struct pending *p = &pend[npend];
	memset(p, 0, sizeof *p);
	p->pid = pid; p->rfd = pfd[0]; p->kind = kind;
	if (collect(p, now_ms() + timeout_ms)) { finish(s, p, note); free(p->got.p); return; }
	if (id) snprintf(p->id, sizeof p->id, "%s", id);
	else snprintf(p->id, sizeof p->id, "b%d", ++autoid);
	npend++;
	buf_printf(s, ",\"id\":\"%s\",\"result\":\"blocked\"", p->id);
}

static int pending_id(const char *id)
{
	for (int i = 0; i < npend; i++)
		if (!strcmp(pend[i].id, id) && pend[i].done != 2) return 1;
	return 0;
}

static void wait_step(struct buf *s, const char *id, int timeout_ms, struct buf *note)
{
	buf_printf(s, "\"call\":\"wait\",\"id\":\"%s\"", id);
	for (int i = 0; i < npend; i++) {
		struct pending *p = &pend[i];
		if (strcmp(p->id, id)) continue;
		if (p->done == 2) break;
		if (collect(p, now_ms() + timeout_ms)) { finish(s, p, note); p->done = 2; }
		else buf_printf(s, ",\"result\":\"blocked\"");
		return;
	}
	buf_printf(s, ",\"result\":\"EINVAL\",\"note\":\"recorder: no such pending call\"");
}

static struct { char name[32], value[32]; } vars[32];
static int nvars;

static const char *var_get(const char *name)
{
	for (int i = 0; i < nvars; i++)
		if (!strcmp(vars[i].name, name)) return vars[i].value;
	return 0;
}

/* Keeps the first number in the step's "out" (devid, id, pt_id); 0 if the call failed. */
static void var_keep(const char *name, const char *step)
{
	const char *o = strstr(step, "\"out\":{");
	const char *c = o ? strchr(o + 7, ':') : 0;
	snprintf(vars[nvars].name, sizeof vars[0].name, "%s", name);
	snprintf(vars[nvars].value, sizeof vars[0].value, "%ld", c ? strtol(c + 1, 0, 10) : 0L);
	nvars++;
}

/* open / close / ioctl run in a thread of this process (they share its descriptor table) so that
 * a call that blocks is "blocked" after 8 s and a call that kills its task in the kernel (a BUG or
 * oops; the thread vanishes without answering) is "oops", while the descriptors stay open. A
 * blocked call is left behind: it has its own buffer and is never waited for. */
struct job { char kind; char **argv; int argc; struct buf s; int pipe_w; volatile pid_t tid; };

static void *job_main(void *arg)
{
	struct job *j = arg;
	char **argv = j->argv;
	j->tid = syscall(SYS_gettid);
	if (j->kind == 'o') {
		buf_printf(&j->s, "\"call\":\"open\",\"path\":\"%s\",\"fd\":\"%s\"", argv[0], argv[1]);
		int fd = open(argv[0], O_RDWR | O_CLOEXEC);
		buf_printf(&j->s, ",\"result\":\"%s\"", errno_name(fd < 0 ? errno : 0));
		label_set(argv[1], fd);
	} else if (j->kind == 'c') {
		buf_printf(&j->s, "\"call\":\"close\",\"fd\":\"%s\"", argv[0]);
		int fd = label_fd(argv[0]);
		int r = fd < 0 ? -1 : close(fd);
		buf_printf(&j->s, ",\"result\":\"%s\"", fd < 0 ? "EBADF" : errno_name(r < 0 ? errno : 0));
		label_drop(argv[0]);
	} else {
		do_ioctl(&j->s, argv, j->argc);
	}
	char c = 1;
	if (write(j->pipe_w, &c, 1) < 0) perror("job pipe");
	return 0;
}

static void fd_call(struct buf *s, char kind, char **argv, int argc, struct buf *note)
{
	struct job *j = calloc(1, sizeof *j);
	int pfd[2];
	pthread_t t;
	if (pipe(pfd) < 0) { perror("pipe"); exit(1); }
	j->kind = kind; j->argv = argv; j->argc = argc; j->pipe_w = pfd[1];
	buf_add(&j->s, "", 0);
	pthread_create(&t, 0, job_main, j);
	pthread_detach(t);
	long deadline = now_ms() + 8000;
	for (;;) {
		struct pollfd pf = { .fd = pfd[0], .events = POLLIN };
		if (poll(&pf, 1, 200) > 0) {
			buf_add(s, j->s.p, j->s.n);
			close(pfd[0]); close(pfd[1]); free(j->s.p); free(j);
			return;
		}
		char task[64];
		snprintf(task, sizeof task, "/proc/self/task/%d", (int)j->tid);
		if (j->tid && access(task, F_OK) < 0) {
			buf_add(s, j->s.p, j->s.n);
			buf_printf(s, ",\"result\":\"oops\"");
			usleep(300000);
			drain_kmsg(note);
			return;
		}
		if (now_ms() > deadline) {
			char tmp[4096];
			snprintf(tmp, sizeof tmp, "%s", j->s.p);
			buf_add(s, tmp, strlen(tmp));
			buf_printf(s, ",\"id\":\"b%d\",\"result\":\"blocked\"", ++autoid);
			return;
		}
	}
}

static char *unquote(char *d) { return !strcmp(d, "\"\"") ? "" : d; }

static void run_line(char *line)
{
	struct buf s = { 0 }, note = { 0 };
	line[strcspn(line, "\n")] = 0;
	char *user_note = strstr(line, " ## ");
	if (user_note) { *user_note = 0; user_note += 4; }
	char *argv[32];
	int argc = 0;
	for (char *t = strtok(line, " \t\n"); t && argc < 31; t = strtok(0, " \t\n")) argv[argc++] = t;
	if (!argc || argv[0][0] == '#' || !strcmp(argv[0], "title")) return;
	/* "-> NAME" after an ioctl keeps the id it returned; "$NAME" in a later line uses it. */
	const char *keep = 0;
	if (argc >= 3 && !strcmp(argv[argc - 2], "->")) { keep = argv[argc - 1]; argc -= 2; }
	static char subst[32][128];
	for (int i = 1; i < argc; i++) {
		char *d = strchr(argv[i], '$');
		if (!d) continue;
		const char *v = var_get(d + 1);
		if (!v) { fprintf(stderr, "dmaown-rec: no variable %s\n", d + 1); exit(2); }
		snprintf(subst[i], sizeof subst[i], "%.*s%s", (int)(d - argv[i]), argv[i], v);
		argv[i] = subst[i];
	}
	char *cmd = argv[0], *id = strchr(cmd, ':');
	if (id) *id++ = 0;
	drain_kmsg(&(struct buf){ 0 });  /* what came before this step is not its note */
	if (!strcmp(cmd, "capture")) { capture_sysfs(); return; }
	if (!strcmp(cmd, "sleep")) { usleep(atof(argv[1]) * 1e6); return; }
	buf_add(&s, "{", 1);
	if (!strcmp(cmd, "write") && argc >= 3)
		sysfs_step(&s, 'w', id, argv[1], unquote(argv[2]), id ? 3000 : 15000, &note);
	else if (!strcmp(cmd, "read")) sysfs_step(&s, 'r', id, argv[1], 0, id ? 3000 : 15000, &note);
	else if (!strcmp(cmd, "readlink")) sysfs_step(&s, 'l', id, argv[1], 0, 15000, &note);
	else if (!strcmp(cmd, "stat")) sysfs_step(&s, 's', id, argv[1], 0, 15000, &note);
	else if (!strcmp(cmd, "list")) sysfs_step(&s, 'd', id, argv[1], 0, 15000, &note);
	else if (!strcmp(cmd, "wait") && !pending_id(argv[1])) return;  /* it never blocked */
	else if (!strcmp(cmd, "wait")) wait_step(&s, argv[1], argc > 2 ? atoi(argv[2]) * 1000 : 3000, &note);
	else if (!strcmp(cmd, "open") || !strcmp(cmd, "close") || (!strcmp(cmd, "ioctl") && argc >= 3)) {
		fd_call(&s, cmd[0], argv + 1, argc - 1, &note);
		if (keep) var_keep(keep, s.p);
	}
	else { fprintf(stderr, "dmaown-rec: bad line: %s\n", cmd); exit(2); }
	usleep(100000);
	drain_kmsg(&note);
	if (user_note) { if (note.n) buf_add(&note, " | ", 3); buf_add(&note, user_note, strlen(user_note)); }
	if (note.n && !strstr(s.p, "\"note\"")) { buf_add(&s, ",\"note\":", 8); buf_json_str(&s, note.p, note.n); }
	buf_add(&s, "}", 1);
	fprintf(out, "@S %s\n", s.p);
	fflush(out);
	free(s.p);
	free(note.p);
}

int main(int argc, char **argv)
{
	if (argc < 2) { fprintf(stderr, "usage: dmaown-rec SCRIPT | --qemu-exit\n"); return 2; }
	if (!strcmp(argv[1], "--qemu-exit")) {
		/* isa-debug-exit: QEMU quits at once. poweroff would run device_shutdown(), which
		 * waits forever for a device lock that a task killed by a BUG still holds. */
#if defined(__x86_64__) || defined(__i386__)
		if (ioperm(0xf4, 1, 1) == 0) outb(0, 0xf4);
#else
		/* arm64 virt has no isa-debug-exit: SysRq-B is emergency_restart() (no sync, no
		 * device_shutdown()), a PSCI SYSTEM_RESET, and QEMU quits under -no-reboot. */
		int fd = open("/proc/sysrq-trigger", O_WRONLY);
		if (fd >= 0 && write(fd, "b", 1) < 0) perror("sysrq-trigger");
#endif
		return 1;
	}
	const char *dev = getenv("DMAOWN_OUT");
	out = dev && !strcmp(dev, "-") ? stdout : fopen(dev ? dev : "/dev/ttyS1", "w");
	if (!out) { perror("data port"); return 1; }
	FILE *f = fopen(argv[1], "r");
	if (!f) { perror(argv[1]); return 1; }
	kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (kmsg >= 0) lseek(kmsg, 0, SEEK_END);
	struct utsname u;
	uname(&u);
	fprintf(out, "@KERNEL %s\n", u.release);
	char cl[4096] = "";
	int cfd = open("/proc/cmdline", O_RDONLY);
	ssize_t n = cfd >= 0 ? read(cfd, cl, sizeof cl - 1) : 0;
	cl[n > 0 ? n : 0] = 0;
	fprintf(out, "@CMDLINE %s", cl);
	if (!strchr(cl, '\n')) fputc('\n', out);
	char line[4096];
	while (fgets(line, sizeof line, f)) run_line(line);
	fprintf(out, "@END\n");
	fflush(out);
	return 0;
}
