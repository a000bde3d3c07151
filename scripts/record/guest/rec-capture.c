/* The guest half of a sysfs-capture/1: prints one line per entry on the data port,
 *   @CL <path> <link target>   @CF <path> <hex of text>   @CB <path> <hex of binary>
 *   @CD <path> (a directory with nothing captured below)   @CE <path> <ERRNO>
 * with paths relative to /sys. capture.mjs turns them into the JSON object. The rules are
 * sysfs-capture.md's: PCI devices, IOMMU groups, PCI drivers, class/iommu — nothing else. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "rec.h"

static const char *dev_files[] = { "vendor", "device", "class", "subsystem_vendor",
	"subsystem_device", "revision", "config", "driver_override", "modalias", "reset_method",
	"numa_node", "boot_vga", "sriov_totalvfs", "sriov_numvfs", "enable", 0 };
static const char *dev_links[] = { "driver", "iommu_group", "iommu", "physfn", 0 };
static const char *group_files[] = { "type", "reserved_regions", "name", 0 };

static const char *rel(const char *abs) { return abs + strlen("/sys/"); }

static void emit_link(const char *abs)
{
	char t[PATH_MAX];
	ssize_t n = readlink(abs, t, sizeof t - 1);
	if (n < 0) {
		if (errno != ENOENT) fprintf(out, "@CE %s %s\n", rel(abs), errno_name(errno));
		return;
	}
	t[n] = 0;
	fprintf(out, "@CL %s %s\n", rel(abs), t);
}

static void emit_file(const char *abs, int binary)
{
	int fd = open(abs, O_RDONLY);
	if (fd < 0) {
		if (errno != ENOENT) fprintf(out, "@CE %s %s\n", rel(abs), errno_name(errno));
		return;
	}
	static unsigned char data[65536];
	size_t len = 0;
	for (;;) {
		ssize_t n = read(fd, data + len, sizeof data - len);
		if (n < 0) {
			fprintf(out, "@CE %s %s\n", rel(abs), errno_name(errno));
			close(fd);
			return;
		}
		if (n == 0 || len + n == sizeof data) { len += n; break; }
		len += n;
	}
	close(fd);
	fprintf(out, "@C%c %s ", binary ? 'B' : 'F', rel(abs));
	for (size_t i = 0; i < len; i++) fprintf(out, "%02x", data[i]);
	fputc('\n', out);
}

static int cmp(const void *a, const void *b) { return strcmp(*(char **)a, *(char **)b); }

/* Sorted entry names of a directory (without . and ..); *n gets the count. */
static char **list_dir(const char *abs, int *n)
{
	DIR *d = opendir(abs);
	char **v = 0;
	*n = 0;
	if (!d) return 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.') continue;
		v = realloc(v, sizeof *v * (*n + 1));
		v[(*n)++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(v, *n, sizeof *v, cmp);
	return v;
}

static void capture_pci_device(const char *dir)
{
	char p[PATH_MAX];
	for (int i = 0; dev_files[i]; i++) {
		snprintf(p, sizeof p, "%s/%s", dir, dev_files[i]);
		emit_file(p, !strcmp(dev_files[i], "config"));
	}
	for (int i = 0; dev_links[i]; i++) {
		snprintf(p, sizeof p, "%s/%s", dir, dev_links[i]);
		emit_link(p);
	}
	int n;
	char **v = list_dir(dir, &n);
	for (int i = 0; i < n; i++) {
		if (!strncmp(v[i], "virtfn", 6)) {
			snprintf(p, sizeof p, "%s/%s", dir, v[i]);
			emit_link(p);
		}
		free(v[i]);
	}
	free(v);
}

static int is_pci_name(const char *s)
{
	unsigned a, b, c, d;
	char tail;
	return sscanf(s, "%4x:%2x:%2x.%1x%c", &a, &b, &c, &d, &tail) == 4 && strlen(s) == 12;
}

static void capture_links_below(const char *dir, int only_pci, int dir_if_empty)
{
	int n, got = 0;
	char p[PATH_MAX];
	char **v = list_dir(dir, &n);
	for (int i = 0; i < n; i++) {
		struct stat st;
		snprintf(p, sizeof p, "%s/%s", dir, v[i]);
		if ((!only_pci || is_pci_name(v[i])) && !lstat(p, &st) && S_ISLNK(st.st_mode)) {
			emit_link(p);
			got++;
		}
		free(v[i]);
	}
	free(v);
	if (!got && dir_if_empty) fprintf(out, "@CD %s\n", rel(dir));
}

void capture_sysfs(void)
{
	int n;
	char p[PATH_MAX], real[PATH_MAX];
	fprintf(out, "@CAPTURE-BEGIN\n");
	char **v = list_dir("/sys/bus/pci/devices", &n);
	for (int i = 0; i < n; i++) {
		snprintf(p, sizeof p, "/sys/bus/pci/devices/%s", v[i]);
		emit_link(p);
		if (realpath(p, real)) capture_pci_device(real);
		free(v[i]);
	}
	free(v);
	v = list_dir("/sys/kernel/iommu_groups", &n);
	for (int i = 0; i < n; i++) {
		snprintf(p, sizeof p, "/sys/kernel/iommu_groups/%s/devices", v[i]);
		capture_links_below(p, 0, 1);
		for (int j = 0; group_files[j]; j++) {
			snprintf(p, sizeof p, "/sys/kernel/iommu_groups/%s/%s", v[i], group_files[j]);
			emit_file(p, 0);
		}
		free(v[i]);
	}
	free(v);
	v = list_dir("/sys/bus/pci/drivers", &n);
	for (int i = 0; i < n; i++) {
		snprintf(p, sizeof p, "/sys/bus/pci/drivers/%s", v[i]);
		capture_links_below(p, 1, 1);
		free(v[i]);
	}
	free(v);
	v = list_dir("/sys/class/iommu", &n);
	for (int i = 0; i < n; i++) {
		snprintf(p, sizeof p, "/sys/class/iommu/%s", v[i]);
		emit_link(p);
		if (realpath(p, real)) {
			snprintf(p, sizeof p, "%s/devices", real);
			capture_links_below(p, 0, 0);
			const char *units[] = { "intel-iommu", "amd-iommu", 0 };
			for (int u = 0; units[u]; u++) {
				int m;
				char q[PATH_MAX];
				snprintf(p, sizeof p, "%s/%s", real, units[u]);
				char **w = list_dir(p, &m);
				for (int j = 0; j < m; j++) {
					snprintf(q, sizeof q, "%s/%s", p, w[j]);
					emit_file(q, 0);
					free(w[j]);
				}
				free(w);
			}
		}
		free(v[i]);
	}
	free(v);
	fprintf(out, "@CAPTURE-END\n");
	fflush(out);
}
