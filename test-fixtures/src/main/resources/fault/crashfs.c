/*
 * crashfs: a FUSE filesystem for power-loss tests. It keeps two states of everything in memory:
 *   - the current state, what processes see (every write, truncate, create, rename, unlink);
 *   - the durable state, what a disk would still hold after a power cut.
 * A file's content becomes durable when it is forced (fsync or fdatasync, which the kernel sends after
 * writing back the file's dirty pages, including those of shared writable mappings); a directory's entries
 * become durable when the directory is forced (fsync on a directory fd). Nothing else is ever durable.
 *
 * Usage: crashfs IMAGE MOUNTPOINT [fuse options]. At start IMAGE (a directory tree) is loaded as both
 * states. When the filesystem is unmounted, the durable state alone is written back to IMAGE: everything
 * not forced is forgotten, as if the power had gone. Run it single-threaded (-s) and in the foreground (-f).
 * No direct_io: the page cache (and so shared mmap) must work as on a disk filesystem.
 *
 * Failures on demand: a process writes commands to the control file /.crashfs-faults (at the mount's root, not
 * listed by readdir), one per line:
 *   fsync PREFIX [COUNT]   fsync and fdatasync of files, and fsync of directories, whose path (from the mount's
 *                          root, e.g. /data/t-1/) starts with PREFIX fail with EIO: the next COUNT times, or every
 *                          time until cleared;
 *   write PREFIX [COUNT]   the same for write requests, from write(2) or a shared mapping's write-back: the request
 *                          changes nothing. The kernel sends one write(2) as several requests where it starts inside
 *                          a page not wholly in its page cache (the first ends at that page's end): a failure of the
 *                          first reaches the writer as EIO, of a later one as a short write (Linux drops the error);
 *   clear                  no more failures.
 * A write of a bad command fails with EINVAL. Reading the control file tells, per kind, the failures still to come
 * (-1: until cleared), how many were injected and the path of the last one:
 *   fsync remaining=0 injected=1 last=/data/t-1/00000000000000000000.log
 * A failed file fsync behaves like Linux after a write-back error ("fsyncgate"): the pages it should have written
 * are marked clean without reaching the disk, so they stay as the durable state had them even when a later fsync
 * succeeds, until a process writes them again. Processes still read the new content. A power cut (unmount) after
 * that shows what a program that trusted the later fsync lost.
 */
#define FUSE_USE_VERSION 31
#define _GNU_SOURCE
#include <fuse.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct node;
struct entry { char *name; struct node *node; struct entry *next; };
struct node {
    int is_dir;
    mode_t mode;
    char *data; size_t size, cap;   /* current content */
    char *ddata; size_t dsize;      /* durable content */
    struct entry *entries;          /* current entries */
    struct entry *dentries;         /* durable entries */
    unsigned char *lost;            /* per page of content: 1 where a failed fsync dropped the page's write-back */
    size_t lost_pages;              /* length of lost */
    struct timespec mtime;
};

#define PAGE 4096
#define CONTROL "/.crashfs-faults"

/* Failures injected on demand, see the comment at the top. remaining: -1 every time, 0 none, else that many. */
struct fault { const char *kind; char prefix[1024]; long remaining; unsigned long injected; char last[1024]; };
static struct fault fsync_fault = { .kind = "fsync" }, write_fault = { .kind = "write" };

static struct node *root;
static char *image;
static unsigned long forced_files, forced_dirs;

static struct node *new_node(int is_dir, mode_t mode) {
    struct node *n = calloc(1, sizeof *n);
    n->is_dir = is_dir;
    n->mode = mode;
    clock_gettime(CLOCK_REALTIME, &n->mtime);
    return n;
}

static struct entry *find_entry(struct entry *list, const char *name) {
    for (; list; list = list->next) if (strcmp(list->name, name) == 0) return list;
    return NULL;
}

static void add_entry(struct entry **list, const char *name, struct node *node) {
    struct entry *e = find_entry(*list, name);
    if (e) { e->node = node; return; }
    e = calloc(1, sizeof *e);
    e->name = strdup(name);
    e->node = node;
    e->next = *list;
    *list = e;
}

static void remove_entry(struct entry **list, const char *name) {
    for (struct entry **p = list; *p; p = &(*p)->next) {
        if (strcmp((*p)->name, name) == 0) {
            struct entry *e = *p;
            *p = e->next;
            free(e->name);
            free(e);
            return;
        }
    }
}

static struct entry *copy_entries(struct entry *list) {
    struct entry *copy = NULL;
    for (; list; list = list->next) add_entry(&copy, list->name, list->node);
    return copy;
}

static void free_entries(struct entry *list) {
    while (list) { struct entry *next = list->next; free(list->name); free(list); list = next; }
}

/* The node at path in the current state, or NULL. */
static struct node *resolve(const char *path) {
    struct node *n = root;
    char *copy = strdup(path), *save = NULL;
    for (char *part = strtok_r(copy, "/", &save); part && n; part = strtok_r(NULL, "/", &save)) {
        struct entry *e = n->is_dir ? find_entry(n->entries, part) : NULL;
        n = e ? e->node : NULL;
    }
    free(copy);
    return n;
}

/* The parent directory of path and the last name in it. */
static struct node *resolve_parent(const char *path, char *name, size_t name_size) {
    char *copy = strdup(path);
    char *slash = strrchr(copy, '/');
    snprintf(name, name_size, "%s", slash + 1);
    *slash = 0;
    struct node *parent = resolve(*copy ? copy : "/");
    free(copy);
    return parent && parent->is_dir ? parent : NULL;
}

static void clear_lost(struct node *n, size_t from, size_t to) {
    for (size_t page = from / PAGE; page * PAGE < to && page < n->lost_pages; page++) n->lost[page] = 0;
}

/*
 * Whether a failure of this kind is due for path; counts it and logs it if so, with the request's range (a write's;
 * fsyncs have none, -1) and the thread that asked (0 for the kernel's own write-back), so that a test's log shows
 * which request of a write failed: the kernel may send one write(2) as several requests, and a failure after the
 * first comes back to the writer as a short count rather than as EIO.
 */
static int inject(struct fault *f, const char *path, long off, long size) {
    if (f->remaining == 0 || !path || strncmp(path, f->prefix, strlen(f->prefix)) != 0) return 0;
    if (f->remaining > 0) f->remaining--;
    f->injected++;
    snprintf(f->last, sizeof f->last, "%s", path);
    fprintf(stderr, "crashfs: EIO injected into %s of %s, offset %ld, %ld bytes, thread %d\n", f->kind, path, off, size,
            (int) fuse_get_context()->pid);
    return 1;
}

/* The write-back a failed fsync dropped: every page whose content is not the durable one. */
static void drop_unforced_pages(struct node *n) {
    size_t pages = (n->size + PAGE - 1) / PAGE;
    if (pages > n->lost_pages) {
        unsigned char *lost = realloc(n->lost, pages);
        if (!lost) return;
        memset(lost + n->lost_pages, 0, pages - n->lost_pages);
        n->lost = lost;
        n->lost_pages = pages;
    }
    for (size_t page = 0; page < pages; page++) {
        size_t start = page * PAGE, end = start + PAGE < n->size ? start + PAGE : n->size;
        if (end > n->dsize || memcmp(n->data + start, n->ddata + start, end - start) != 0) n->lost[page] = 1;
    }
}

static int control(const char *buf, size_t size) {
    char *text = strndup(buf, size), *save = NULL;
    int rc = 0;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char op[16], prefix[1024];
        long count = -1;
        int fields = sscanf(line, "%15s %1023s %ld", op, prefix, &count);
        if (fields == 1 && strcmp(op, "clear") == 0) {
            fsync_fault.remaining = write_fault.remaining = 0;
        } else if (fields >= 2 && (strcmp(op, "fsync") == 0 || strcmp(op, "write") == 0) && (fields == 2 || count > 0)) {
            struct fault *f = op[0] == 'f' ? &fsync_fault : &write_fault;
            snprintf(f->prefix, sizeof f->prefix, "%s", prefix);
            f->remaining = count;
        } else if (fields > 0) {
            fprintf(stderr, "crashfs: bad command in %s: %s\n", CONTROL, line);
            rc = -EINVAL;
        }
    }
    free(text);
    return rc;
}

static int control_status(char *buf, size_t size, off_t off) {
    char text[4096];
    int length = 0;
    struct fault *faults[] = { &fsync_fault, &write_fault };
    for (int i = 0; i < 2; i++) {
        length += snprintf(text + length, sizeof text - length, "%s remaining=%ld injected=%lu last=%s\n",
                           faults[i]->kind, faults[i]->remaining, faults[i]->injected,
                           faults[i]->injected ? faults[i]->last : "-");
    }
    if (off >= length) return 0;
    if ((size_t) (length - off) < size) size = length - off;
    memcpy(buf, text + off, size);
    return (int) size;
}

static int resize(struct node *n, size_t size) {
    if (size > n->cap) {
        size_t cap = n->cap ? n->cap : 4096;
        while (cap < size) cap *= 2;
        char *data = realloc(n->data, cap);
        if (!data) return -ENOSPC;
        n->data = data;
        n->cap = cap;
    }
    if (size > n->size) memset(n->data + n->size, 0, size - n->size);
    else clear_lost(n, size, n->size);   /* what grows back later is new content */
    n->size = size;
    clock_gettime(CLOCK_REALTIME, &n->mtime);
    return 0;
}

static void *cfs_init(struct fuse_conn_info *conn, struct fuse_config *cfg) {
    (void) conn;
    cfg->hard_remove = 1;     /* no .fuse_hidden files: unlink means unlink */
    cfg->entry_timeout = 0;
    cfg->attr_timeout = 0;
    cfg->negative_timeout = 0;
    cfg->direct_io = 0;
    return NULL;
}

static int cfs_getattr(const char *path, struct stat *st, struct fuse_file_info *fi) {
    if (strcmp(path, CONTROL) == 0) {
        memset(st, 0, sizeof *st);
        st->st_mode = S_IFREG | 0600;
        st->st_nlink = 1;
        st->st_uid = getuid();
        st->st_gid = getgid();
        return 0;
    }
    struct node *n = fi && fi->fh ? (struct node *) fi->fh : resolve(path);
    if (!n) return -ENOENT;
    memset(st, 0, sizeof *st);
    st->st_mode = (n->is_dir ? S_IFDIR : S_IFREG) | (n->mode & 07777);
    st->st_nlink = n->is_dir ? 2 : 1;
    st->st_size = n->is_dir ? 4096 : (off_t) n->size;
    st->st_blocks = (st->st_size + 511) / 512;
    st->st_blksize = 4096;
    st->st_uid = getuid();
    st->st_gid = getgid();
    st->st_mtim = st->st_ctim = st->st_atim = n->mtime;
    return 0;
}

static int cfs_access(const char *path, int mask) {
    (void) mask;
    return strcmp(path, CONTROL) == 0 || resolve(path) ? 0 : -ENOENT;
}

static int cfs_readdir(const char *path, void *buf, fuse_fill_dir_t filler, off_t off,
                       struct fuse_file_info *fi, enum fuse_readdir_flags flags) {
    (void) off; (void) flags;
    struct node *n = fi && fi->fh ? (struct node *) fi->fh : resolve(path);
    if (!n || !n->is_dir) return -ENOTDIR;
    filler(buf, ".", NULL, 0, 0);
    filler(buf, "..", NULL, 0, 0);
    for (struct entry *e = n->entries; e; e = e->next) filler(buf, e->name, NULL, 0, 0);
    return 0;
}

static int cfs_opendir(const char *path, struct fuse_file_info *fi) {
    struct node *n = resolve(path);
    if (!n) return -ENOENT;
    if (!n->is_dir) return -ENOTDIR;
    fi->fh = (uint64_t) n;
    return 0;
}

static int cfs_releasedir(const char *path, struct fuse_file_info *fi) {
    (void) path; (void) fi;
    return 0;
}

static int cfs_fsyncdir(const char *path, int datasync, struct fuse_file_info *fi) {
    (void) datasync;
    struct node *n = fi && fi->fh ? (struct node *) fi->fh : resolve(path);
    if (!n) return -ENOENT;
    if (inject(&fsync_fault, path, -1, -1)) return -EIO;
    free_entries(n->dentries);
    n->dentries = copy_entries(n->entries);
    forced_dirs++;
    return 0;
}

static int cfs_mkdir(const char *path, mode_t mode) {
    char name[256];
    struct node *parent = resolve_parent(path, name, sizeof name);
    if (!parent) return -ENOENT;
    if (find_entry(parent->entries, name)) return -EEXIST;
    add_entry(&parent->entries, name, new_node(1, mode));
    return 0;
}

static int cfs_rmdir(const char *path) {
    char name[256];
    struct node *parent = resolve_parent(path, name, sizeof name);
    struct entry *e = parent ? find_entry(parent->entries, name) : NULL;
    if (!e) return -ENOENT;
    if (!e->node->is_dir) return -ENOTDIR;
    if (e->node->entries) return -ENOTEMPTY;
    remove_entry(&parent->entries, name);
    return 0;
}

static int cfs_create(const char *path, mode_t mode, struct fuse_file_info *fi) {
    char name[256];
    struct node *parent = resolve_parent(path, name, sizeof name);
    if (!parent) return -ENOENT;
    struct entry *e = find_entry(parent->entries, name);
    struct node *n = e ? e->node : new_node(0, mode);
    if (!e) add_entry(&parent->entries, name, n);
    fi->fh = (uint64_t) n;
    return 0;
}

static int cfs_open(const char *path, struct fuse_file_info *fi) {
    if (strcmp(path, CONTROL) == 0) {
        fi->fh = 0;
        fi->direct_io = 1;   /* every read and write reaches control(), whatever the size says */
        return 0;
    }
    struct node *n = resolve(path);
    if (!n) return -ENOENT;
    if (n->is_dir) return -EISDIR;
    fi->fh = (uint64_t) n;
    return 0;
}

static int cfs_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi) {
    if (path && strcmp(path, CONTROL) == 0) return control_status(buf, size, off);
    struct node *n = fi && fi->fh ? (struct node *) fi->fh : resolve(path);
    if (!n) return -ENOENT;
    if ((size_t) off >= n->size) return 0;
    if (off + size > n->size) size = n->size - off;
    memcpy(buf, n->data + off, size);
    return (int) size;
}

static int cfs_write(const char *path, const char *buf, size_t size, off_t off, struct fuse_file_info *fi) {
    if (path && strcmp(path, CONTROL) == 0) {
        int rc = control(buf, size);
        return rc ? rc : (int) size;
    }
    struct node *n = fi && fi->fh ? (struct node *) fi->fh : resolve(path);
    if (!n) return -ENOENT;
    if (inject(&write_fault, path, (long) off, (long) size)) return -EIO;
    if (off + size > n->size) {
        int rc = resize(n, off + size);
        if (rc) return rc;
    }
    memcpy(n->data + off, buf, size);
    clear_lost(n, off, off + size);   /* dirty again: the next write-back takes these pages */
    clock_gettime(CLOCK_REALTIME, &n->mtime);
    return (int) size;
}

static int cfs_truncate(const char *path, off_t size, struct fuse_file_info *fi) {
    if (path && strcmp(path, CONTROL) == 0) return 0;   /* opened with O_TRUNC to write a command */
    struct node *n = fi && fi->fh ? (struct node *) fi->fh : resolve(path);
    if (!n) return -ENOENT;
    if (n->is_dir) return -EISDIR;
    return resize(n, size);
}

static int cfs_fallocate(const char *path, int mode, off_t off, off_t len, struct fuse_file_info *fi) {
    struct node *n = fi && fi->fh ? (struct node *) fi->fh : resolve(path);
    if (!n) return -ENOENT;
    if (mode != 0) return -EOPNOTSUPP;
    return (size_t) (off + len) > n->size ? resize(n, off + len) : 0;
}

static int cfs_fsync(const char *path, int datasync, struct fuse_file_info *fi) {
    (void) datasync;
    if (path && strcmp(path, CONTROL) == 0) return 0;
    struct node *n = fi && fi->fh ? (struct node *) fi->fh : resolve(path);
    if (!n) return -ENOENT;
    if (inject(&fsync_fault, path, -1, -1)) {
        drop_unforced_pages(n);
        return -EIO;
    }
    char *copy = malloc(n->size ? n->size : 1);
    if (!copy) return -ENOSPC;
    memcpy(copy, n->data, n->size);
    /* Pages a failed fsync dropped are clean: this fsync does not write them, the disk keeps what it had. */
    for (size_t page = 0; page < n->lost_pages && page * PAGE < n->size; page++) {
        if (!n->lost[page]) continue;
        size_t start = page * PAGE, end = start + PAGE < n->size ? start + PAGE : n->size;
        size_t kept = n->dsize > start ? (n->dsize < end ? n->dsize : end) - start : 0;
        if (kept) memcpy(copy + start, n->ddata + start, kept);
        memset(copy + start + kept, 0, end - start - kept);
    }
    free(n->ddata);
    n->ddata = copy;
    n->dsize = n->size;
    forced_files++;
    return 0;
}

static int cfs_unlink(const char *path) {
    char name[256];
    struct node *parent = resolve_parent(path, name, sizeof name);
    struct entry *e = parent ? find_entry(parent->entries, name) : NULL;
    if (!e) return -ENOENT;
    if (e->node->is_dir) return -EISDIR;
    remove_entry(&parent->entries, name);   /* the node lives on: open handles and durable entries */
    return 0;
}

static int cfs_rename(const char *from, const char *to, unsigned int flags) {
    char from_name[256], to_name[256];
    struct node *from_parent = resolve_parent(from, from_name, sizeof from_name);
    struct node *to_parent = resolve_parent(to, to_name, sizeof to_name);
    struct entry *e = from_parent ? find_entry(from_parent->entries, from_name) : NULL;
    if (!e || !to_parent) return -ENOENT;
    struct entry *target = find_entry(to_parent->entries, to_name);
    if ((flags & RENAME_NOREPLACE) && target) return -EEXIST;
    if (flags & ~RENAME_NOREPLACE) return -EINVAL;
    if (target && target->node->is_dir && target->node->entries) return -ENOTEMPTY;
    struct node *n = e->node;
    remove_entry(&from_parent->entries, from_name);
    add_entry(&to_parent->entries, to_name, n);
    return 0;
}

static int cfs_chmod(const char *path, mode_t mode, struct fuse_file_info *fi) {
    struct node *n = fi && fi->fh ? (struct node *) fi->fh : resolve(path);
    if (!n) return -ENOENT;
    n->mode = mode;
    return 0;
}

static int cfs_chown(const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi) {
    (void) uid; (void) gid; (void) fi;
    return resolve(path) ? 0 : -ENOENT;
}

static int cfs_utimens(const char *path, const struct timespec tv[2], struct fuse_file_info *fi) {
    (void) tv;
    struct node *n = fi && fi->fh ? (struct node *) fi->fh : resolve(path);
    return n ? 0 : -ENOENT;
}

static int cfs_statfs(const char *path, struct statvfs *st) {
    (void) path;
    memset(st, 0, sizeof *st);
    st->f_bsize = st->f_frsize = 4096;
    st->f_blocks = st->f_bfree = st->f_bavail = 1UL << 22;   /* 16 GiB */
    st->f_files = st->f_ffree = 1 << 20;
    st->f_namemax = 255;
    return 0;
}

static int cfs_release(const char *path, struct fuse_file_info *fi) {
    (void) path; (void) fi;
    return 0;
}

static int cfs_flush(const char *path, struct fuse_file_info *fi) {
    (void) path; (void) fi;
    return 0;   /* close(2) forces nothing */
}

static const struct fuse_operations ops = {
    .init = cfs_init, .getattr = cfs_getattr, .access = cfs_access, .readdir = cfs_readdir,
    .opendir = cfs_opendir, .releasedir = cfs_releasedir, .fsyncdir = cfs_fsyncdir, .mkdir = cfs_mkdir,
    .rmdir = cfs_rmdir, .create = cfs_create, .open = cfs_open, .read = cfs_read, .write = cfs_write,
    .truncate = cfs_truncate, .fallocate = cfs_fallocate, .fsync = cfs_fsync, .unlink = cfs_unlink,
    .rename = cfs_rename, .chmod = cfs_chmod, .chown = cfs_chown, .utimens = cfs_utimens,
    .statfs = cfs_statfs, .release = cfs_release, .flush = cfs_flush,
};

/* Loads a directory of the image as both the current and the durable state. */
static int load(const char *dir, struct node *into) {
    DIR *d = opendir(dir);
    if (!d) { perror(dir); return -1; }
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        struct stat st;
        if (lstat(path, &st)) { perror(path); closedir(d); return -1; }
        struct node *n = new_node(S_ISDIR(st.st_mode), st.st_mode);
        if (n->is_dir) {
            if (load(path, n)) { closedir(d); return -1; }
        } else {
            int fd = open(path, O_RDONLY);
            if (fd < 0 || resize(n, st.st_size)) { perror(path); closedir(d); return -1; }
            for (size_t done = 0; done < n->size;) {
                ssize_t r = read(fd, n->data + done, n->size - done);
                if (r <= 0) { perror(path); close(fd); closedir(d); return -1; }
                done += r;
            }
            close(fd);
            n->ddata = malloc(n->size ? n->size : 1);
            memcpy(n->ddata, n->data, n->size);
            n->dsize = n->size;
        }
        add_entry(&into->entries, de->d_name, n);
    }
    closedir(d);
    into->dentries = copy_entries(into->entries);
    return 0;
}

/* Writes the durable state of a directory into the image. */
static int dump(const char *dir, struct node *n) {
    for (struct entry *e = n->dentries; e; e = e->next) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->name);
        if (e->node->is_dir) {
            if (mkdir(path, 0755) || dump(path, e->node)) { perror(path); return -1; }
        } else {
            int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
            if (fd < 0) { perror(path); return -1; }
            for (size_t done = 0; done < e->node->dsize;) {
                ssize_t w = write(fd, e->node->ddata + done, e->node->dsize - done);
                if (w <= 0) { perror(path); close(fd); return -1; }
                done += w;
            }
            close(fd);
        }
    }
    return 0;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    (void) st; (void) flag;
    return ftw->level == 0 ? 0 : remove(path);
}

int main(int argc, char *argv[]) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s IMAGE MOUNTPOINT [fuse options]\n", argv[0]);
        return 2;
    }
    image = realpath(argv[1], NULL);
    if (!image) { perror(argv[1]); return 2; }
    root = new_node(1, 0755);
    if (load(image, root)) return 2;
    char **fuse_argv = calloc(argc + 4, sizeof *fuse_argv);
    int fuse_argc = 0;
    fuse_argv[fuse_argc++] = argv[0];
    for (int i = 2; i < argc; i++) fuse_argv[fuse_argc++] = argv[i];
    fuse_argv[fuse_argc++] = "-f";
    fuse_argv[fuse_argc++] = "-s";
    int rc = fuse_main(fuse_argc, fuse_argv, &ops, NULL);
    /* Unmounted: the power is gone. Only what was forced reaches the image. */
    if (nftw(image, remove_one, 16, FTW_DEPTH | FTW_PHYS)) { perror(image); return 3; }
    if (dump(image, root)) return 3;
    fprintf(stderr, "crashfs: unmounted; kept what %lu file and %lu directory forces made durable "
            "(failures injected: %lu fsync, %lu write)\n", forced_files, forced_dirs,
            fsync_fault.injected, write_fault.injected);
    return rc;
}
