/*
 * The syscall floor for a report of IOMMU groups (issue #15): what any tool must at least do to
 * know, per PCI function, its group, its driver, its ids and its capabilities — in C, nothing else.
 *   for each group in /sys/kernel/iommu_groups (readdir), each member of its devices/ (readdir):
 *     readlink driver, readlink iommu_group, read modalias (vendor, device, subsystem, class),
 *     read the first 256 bytes of config (header and capability list).
 * Prints the number of functions and groups seen (a check that it read the whole tree).
 * Build: cc -O2 -o floor floor.c
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char buf[4096];

static long read_file(const char *path, size_t max) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  long n = read(fd, buf, max);
  close(fd);
  return n;
}

int main(int argc, char **argv) {
  const char *root = argc > 1 ? argv[1] : "/sys";
  char path[4096], link[4096];
  long functions = 0, groups = 0, bytes = 0;
  snprintf(path, sizeof path, "%s/kernel/iommu_groups", root);
  DIR *g = opendir(path);
  if (!g) { perror(path); return 1; }
  struct dirent *ge;
  while ((ge = readdir(g)) != NULL) {
    if (ge->d_name[0] == '.') continue;
    groups++;
    snprintf(path, sizeof path, "%s/kernel/iommu_groups/%s/devices", root, ge->d_name);
    DIR *d = opendir(path);
    if (!d) continue;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
      if (de->d_name[0] == '.') continue;
      functions++;
      const char *base = "%s/kernel/iommu_groups/%s/devices/%s/%s";
      snprintf(path, sizeof path, base, root, ge->d_name, de->d_name, "driver");
      if (readlink(path, link, sizeof link) > 0) bytes++;
      snprintf(path, sizeof path, base, root, ge->d_name, de->d_name, "iommu_group");
      if (readlink(path, link, sizeof link) > 0) bytes++;
      snprintf(path, sizeof path, base, root, ge->d_name, de->d_name, "modalias");
      long n = read_file(path, sizeof buf);
      if (n > 0) bytes += n;
      snprintf(path, sizeof path, base, root, ge->d_name, de->d_name, "config");
      n = read_file(path, 256);
      if (n > 0) bytes += n;
    }
    closedir(d);
  }
  closedir(g);
  printf("%ld functions in %ld groups (%ld bytes and links read)\n", functions, groups, bytes);
  return 0;
}
