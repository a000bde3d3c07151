/* dmaown-rec: runs one scenario script inside the guest and prints dmaown-trace/1 steps and a
 * sysfs capture on the data port (see ../README.md). Built with gcc -static. */
#ifndef DMAOWN_REC_H
#define DMAOWN_REC_H
#include <stdio.h>

extern FILE *out;                 /* the data port (/dev/ttyS1) */

/* JSON helpers: append to a growing buffer. */
struct buf { char *p; size_t n, cap; };
void buf_add(struct buf *b, const char *s, size_t n);
void buf_printf(struct buf *b, const char *fmt, ...);
void buf_json_str(struct buf *b, const char *s, size_t n);
const char *errno_name(int e);

/* rec-capture.c: walk /sys and print "@C..." lines (sysfs-capture/1 entries). */
void capture_sysfs(void);

/* rec-ioctl.c: fd labels and the ioctl table. */
int label_fd(const char *label);              /* -1 if the label holds no descriptor */
void label_set(const char *label, int fd);
void label_drop(const char *label);
void close_labels_in_child(int keep);
/* Runs one "ioctl LABEL REQUEST args..." line; fills the step JSON (without braces). */
void do_ioctl(struct buf *step, char **argv, int argc);

#endif
