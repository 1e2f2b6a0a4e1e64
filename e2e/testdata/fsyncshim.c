/*
 * fsyncshim: an LD_PRELOAD library that notes, for every fsync and fdatasync
 * of a Redis append-only file, how long the file was when the sync began:
 * what a crash of the host (a power loss) would have kept. The load proof's
 * host-crash fault kills Redis with SIGKILL and cuts each AOF file back to its
 * last noted length before starting Redis again.
 *
 * FSYNC_LOG names the log: one line per sync, "PATH LENGTH".
 * Built by the e2e tests: gcc -shared -fPIC -o fsyncshim.so fsyncshim.c -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int (*real_fsync)(int);
static int (*real_fdatasync)(int);

/* length returns the length of fd when it is an AOF file, else -1. */
static long long length(int fd) {
	char link[64], path[PATH_MAX];
	struct stat st;
	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, path, sizeof path - 1);
	if (n <= 0) return -1;
	path[n] = 0;
	if (!strstr(path, "appendonly")) return -1;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return -1;
	return (long long)st.st_size;
}

static void note(int fd, long long size) {
	const char *log = getenv("FSYNC_LOG");
	char link[64], path[PATH_MAX], line[PATH_MAX + 64];
	if (!log || size < 0) return;
	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, path, sizeof path - 1);
	if (n <= 0) return;
	path[n] = 0;
	int len = snprintf(line, sizeof line, "%s %lld\n", path, size);
	int lfd = open(log, O_WRONLY | O_APPEND | O_CREAT, 0600);
	if (lfd < 0) return;
	if (write(lfd, line, len) < 0) { /* nothing to do */ }
	close(lfd);
}

int fsync(int fd) {
	if (!real_fsync) real_fsync = dlsym(RTLD_NEXT, "fsync");
	long long size = length(fd); /* before: what the sync is sure to keep */
	int r = real_fsync(fd);
	if (r == 0) note(fd, size);
	return r;
}

int fdatasync(int fd) {
	if (!real_fdatasync) real_fdatasync = dlsym(RTLD_NEXT, "fdatasync");
	long long size = length(fd);
	int r = real_fdatasync(fd);
	if (r == 0) note(fd, size);
	return r;
}
