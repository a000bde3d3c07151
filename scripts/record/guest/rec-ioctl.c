/* fd labels and the VFIO / IOMMUFD ioctls of a scenario line
 *   ioctl LABEL REQUEST [key=value ...] [> NEWLABEL]
 * Every request prints its inputs as "arg" (descriptor arguments by label) and what the kernel
 * wrote back as "out", in dmaown-trace/1 form. Built against the 6.12 uapi headers; older kernels
 * answer the requests they do not know with ENOTTY, which is recorded as is. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/vfio.h>
#include <linux/iommufd.h>
#include "rec.h"

static struct { char name[64]; int fd; } labels[64];
static int nlabels;

int label_fd(const char *label)
{
	for (int i = 0; i < nlabels; i++)
		if (!strcmp(labels[i].name, label)) return labels[i].fd;
	return -1;
}

void label_set(const char *label, int fd)
{
	for (int i = 0; i < nlabels; i++)
		if (!strcmp(labels[i].name, label)) { labels[i].fd = fd; return; }
	snprintf(labels[nlabels].name, sizeof labels[0].name, "%s", label);
	labels[nlabels++].fd = fd;
}

void label_drop(const char *label) { label_set(label, -1); }

void close_labels_in_child(int keep)
{
	for (int fd = 3; fd < 1024; fd++)
		if (fd != keep) close(fd);
}

static const struct { const char *name; unsigned long v; } ext_names[] = {
	{ "VFIO_TYPE1_IOMMU", 1 }, { "VFIO_SPAPR_TCE_IOMMU", 2 }, { "VFIO_TYPE1v2_IOMMU", 3 },
	{ "VFIO_DMA_CC_IOMMU", 4 }, { "VFIO_EEH", 5 }, { "VFIO_TYPE1_NESTING_IOMMU", 6 },
	{ "VFIO_SPAPR_TCE_v2_IOMMU", 7 }, { "VFIO_NOIOMMU_IOMMU", 8 }, { "VFIO_UNMAP_ALL", 9 },
	{ "VFIO_UPDATE_VADDR", 10 }, { 0, 0 } };

static unsigned long ext_value(const char *s)
{
	for (int i = 0; ext_names[i].name; i++)
		if (!strcmp(ext_names[i].name, s)) return ext_names[i].v;
	return strtoul(s, 0, 0);
}

static const char *arg(char **argv, int argc, const char *key)
{
	size_t k = strlen(key);
	for (int i = 0; i < argc; i++)
		if (!strncmp(argv[i], key, k) && argv[i][k] == '=') return argv[i] + k + 1;
	return 0;
}

static unsigned long long num(char **argv, int argc, const char *key)
{
	const char *v = arg(argv, argc, key);
	return v ? strtoull(v, 0, 0) : 0;
}

static void flags_json(struct buf *b, unsigned long flags, const char *const *names)
{
	int first = 1;
	buf_add(b, "[", 1);
	for (int i = 0; names[i]; i++)
		if (flags & (1ul << i)) {
			if (!first) buf_add(b, ",", 1);
			buf_printf(b, "\"%s\"", names[i]);
			first = 0;
		}
	buf_add(b, "]", 1);
}

static const char *const status_flags[] = { "VIABLE", "CONTAINER_SET", 0 };
static const char *const info_flags[] = { "RESET", "PCI", "PLATFORM", "AMBA", "CCW", "AP",
	"FSL_MC", "CAPS", "CDX", 0 };
static const char *const map_flags[] = { "FIXED_IOVA", "WRITEABLE", "READABLE", 0 };

/* Keys whose value is a descriptor label; all others print as numbers except these strings. */
static int is_label_key(const char *k) { return !strcmp(k, "fd") || !strcmp(k, "iommufd"); }
static int is_string_key(const char *k)
{
	return !strcmp(k, "extension") || !strcmp(k, "type") || !strcmp(k, "name");
}

static void args_json(struct buf *b, char **argv, int argc)
{
	if (!argc) return;
	buf_add(b, ",\"arg\":{", 8);
	for (int i = 0; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		if (!eq) continue;
		buf_printf(b, "%s\"%.*s\":", i ? "," : "", (int)(eq - argv[i]), argv[i]);
		*eq = 0;
		if (!strcmp(argv[i], "flags")) {
			unsigned long f = 0;
			for (char *t = strtok(eq + 1, "|"); t; t = strtok(0, "|"))
				for (int j = 0; map_flags[j]; j++)
					if (!strcmp(t, map_flags[j])) f |= 1ul << j;
			flags_json(b, f, map_flags);
			snprintf(eq + 1, 16, "%lu", f);
		} else if (is_label_key(argv[i]) || is_string_key(argv[i]))
			buf_json_str(b, eq + 1, strlen(eq + 1));
		else
			buf_printf(b, "%llu", strtoull(eq + 1, 0, 0));  /* JSON has no hex */
		*eq = '=';
	}
	buf_add(b, "}", 1);
}

void do_ioctl(struct buf *s, char **argv, int argc)
{
	const char *label = argv[0], *req = argv[1], *newlabel = 0;
	argv += 2;
	argc -= 2;
	if (argc >= 2 && !strcmp(argv[argc - 2], ">")) { newlabel = argv[argc - 1]; argc -= 2; }
	buf_printf(s, "\"call\":\"ioctl\",\"fd\":\"%s\",\"request\":\"%s\"", label, req);
	args_json(s, argv, argc);
	if (newlabel) buf_printf(s, ",\"fdOut\":\"%s\"", newlabel);
	int fd = label_fd(label);
	if (fd < 0) {
		buf_printf(s, ",\"result\":\"EBADF\",\"note\":\"the recorder issued no syscall: %s holds no "
			"descriptor (its open failed or it was closed), EBADF by definition\"", label);
		return;
	}
	int afd = -1;
	const char *l = arg(argv, argc, "fd");
	if (!l) l = arg(argv, argc, "iommufd");
	if (l) afd = label_fd(l);

	struct buf o = { 0 };
	long r = -1;
	if (!strcmp(req, "VFIO_GET_API_VERSION")) {
		r = ioctl(fd, VFIO_GET_API_VERSION);
		if (r >= 0) buf_printf(&o, "{\"ret\":%ld}", r);
	} else if (!strcmp(req, "VFIO_CHECK_EXTENSION")) {
		r = ioctl(fd, VFIO_CHECK_EXTENSION, ext_value(arg(argv, argc, "extension")));
		if (r >= 0) buf_printf(&o, "{\"ret\":%ld}", r);
	} else if (!strcmp(req, "VFIO_SET_IOMMU")) {
		r = ioctl(fd, VFIO_SET_IOMMU, ext_value(arg(argv, argc, "type")));
	} else if (!strcmp(req, "VFIO_GROUP_GET_STATUS")) {
		struct vfio_group_status st = { .argsz = sizeof st };
		r = ioctl(fd, VFIO_GROUP_GET_STATUS, &st);
		if (r >= 0) { buf_add(&o, "{\"flags\":", 9); flags_json(&o, st.flags, status_flags); buf_add(&o, "}", 1); }
	} else if (!strcmp(req, "VFIO_GROUP_SET_CONTAINER")) {
		r = ioctl(fd, VFIO_GROUP_SET_CONTAINER, &afd);
	} else if (!strcmp(req, "VFIO_GROUP_UNSET_CONTAINER")) {
		r = ioctl(fd, VFIO_GROUP_UNSET_CONTAINER);
	} else if (!strcmp(req, "VFIO_GROUP_GET_DEVICE_FD")) {
		r = ioctl(fd, VFIO_GROUP_GET_DEVICE_FD, arg(argv, argc, "name"));
		if (r >= 0 && newlabel) { label_set(newlabel, r); r = 0; }
	} else if (!strcmp(req, "VFIO_DEVICE_GET_INFO")) {
		struct vfio_device_info in = { .argsz = sizeof in };
		r = ioctl(fd, VFIO_DEVICE_GET_INFO, &in);
		if (r >= 0) {
			buf_add(&o, "{\"flags\":", 9);
			flags_json(&o, in.flags, info_flags);
			buf_printf(&o, ",\"num_regions\":%u,\"num_irqs\":%u}", in.num_regions, in.num_irqs);
		}
	} else if (!strcmp(req, "VFIO_DEVICE_BIND_IOMMUFD")) {
		struct vfio_device_bind_iommufd b = { .argsz = sizeof b, .iommufd = afd };
		r = ioctl(fd, VFIO_DEVICE_BIND_IOMMUFD, &b);
		if (r >= 0) buf_printf(&o, "{\"devid\":%u}", b.out_devid);
	} else if (!strcmp(req, "VFIO_DEVICE_ATTACH_IOMMUFD_PT")) {
		struct vfio_device_attach_iommufd_pt a = { .argsz = sizeof a, .pt_id = num(argv, argc, "pt_id") };
		r = ioctl(fd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &a);
		if (r >= 0) buf_printf(&o, "{\"pt_id\":%u}", a.pt_id);
	} else if (!strcmp(req, "VFIO_DEVICE_DETACH_IOMMUFD_PT")) {
		struct vfio_device_detach_iommufd_pt d = { .argsz = sizeof d };
		r = ioctl(fd, VFIO_DEVICE_DETACH_IOMMUFD_PT, &d);
	} else if (!strcmp(req, "IOMMU_IOAS_ALLOC")) {
		struct iommu_ioas_alloc a = { .size = sizeof a };
		r = ioctl(fd, IOMMU_IOAS_ALLOC, &a);
		if (r >= 0) buf_printf(&o, "{\"id\":%u}", a.out_ioas_id);
	} else if (!strcmp(req, "IOMMU_IOAS_MAP")) {
		unsigned long long len = num(argv, argc, "length");
		void *va = mmap(0, len ? len : 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		struct iommu_ioas_map m = { .size = sizeof m, .flags = num(argv, argc, "flags"),
			.ioas_id = num(argv, argc, "ioas_id"), .user_va = (unsigned long)va,
			.length = len, .iova = num(argv, argc, "iova") };
		r = ioctl(fd, IOMMU_IOAS_MAP, &m);
		if (r >= 0) buf_printf(&o, "{\"iova\":%llu}", (unsigned long long)m.iova);
	} else if (!strcmp(req, "IOMMU_IOAS_UNMAP")) {
		struct iommu_ioas_unmap u = { .size = sizeof u, .ioas_id = num(argv, argc, "ioas_id"),
			.iova = num(argv, argc, "iova"), .length = num(argv, argc, "length") };
		r = ioctl(fd, IOMMU_IOAS_UNMAP, &u);
		if (r >= 0) buf_printf(&o, "{\"length\":%llu}", (unsigned long long)u.length);
	} else if (!strcmp(req, "IOMMU_HWPT_ALLOC")) {
		struct iommu_hwpt_alloc h = { .size = sizeof h, .dev_id = num(argv, argc, "dev_id"),
			.pt_id = num(argv, argc, "pt_id") };
		r = ioctl(fd, IOMMU_HWPT_ALLOC, &h);
		if (r >= 0) buf_printf(&o, "{\"id\":%u}", h.out_hwpt_id);
	} else if (!strcmp(req, "IOMMU_DESTROY")) {
		struct iommu_destroy d = { .size = sizeof d, .id = num(argv, argc, "id") };
		r = ioctl(fd, IOMMU_DESTROY, &d);
	} else {
		buf_printf(s, ",\"result\":\"EINVAL\",\"note\":\"recorder: unknown request\"");
		return;
	}
	buf_printf(s, ",\"result\":\"%s\"", errno_name(r < 0 ? errno : 0));
	if (r >= 0 && o.n) { buf_add(s, ",\"out\":", 7); buf_add(s, o.p, o.n); }
	free(o.p);
}
