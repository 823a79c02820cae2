/*
 * mesh_keys.c - the virtual machine's CurveZMQ key pair on disk (see
 * mesh_keys.h for where and why).
 */
#include "mesh_keys.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zmq.h>

#include "defs.h"
#include "pvm3.h"

#define KEYS_ENV_DIR "PVMD_KEY_DIR"
#define KEYS_Z85_LEN 40

void mesh_keys_wipe(void *p, size_t n)
{
    volatile uint8_t *v = p;
    while (n--)
        *v++ = 0;
}

/* Says what did not fit; returns PvmBadParam. */
static int too_long(char *why, size_t cap, const char *what)
{
    snprintf(why, cap, "the key file's path is too long (%s)", what);
    return PvmBadParam;
}

/* Makes dir (one level) 0700, or checks the one there: a directory of
 * ours, made private when it was not.  Returns 0, or -errno with why. */
static int private_dir(const char *dir, char *why, size_t whycap)
{
    if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
        int e = errno;
        snprintf(why, whycap, "cannot create the key directory %s: %s", dir, strerror(e));
        return -e;
    }
    struct stat st;
    if (lstat(dir, &st) < 0) {
        int e = errno;
        snprintf(why, whycap, "cannot use the key directory %s: %s", dir, strerror(e));
        return -e;
    }
    /* Someone else's directory (or a symlink planted there) could hold a
     * key they know. */
    if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid()) {
        snprintf(why, whycap,
                 "%s is not a directory owned by this user: refusing to keep keys there", dir);
        return -EEXIST; /* something wrong is there: no fallback */
    }
    if ((st.st_mode & 077) && chmod(dir, 0700) < 0) {
        int e = errno;
        snprintf(why, whycap, "cannot make the key directory %s private: %s", dir, strerror(e));
        return -e;
    }
    return 0;
}

/* A home that cannot hold the directory (so the fallback is taken), as
 * opposed to one that holds something wrong. */
static bool unusable(int e)
{
    return e == -EACCES || e == -EROFS || e == -EPERM || e == -ENOENT || e == -ENOTDIR;
}

static int key_dir(char *dir, size_t cap, char *why, size_t whycap)
{
    const char *env = getenv(KEYS_ENV_DIR);
    if (env && *env) {
        if ((size_t)snprintf(dir, cap, "%s", env) >= cap)
            return too_long(why, whycap, KEYS_ENV_DIR);
        return private_dir(dir, why, whycap) < 0 ? PvmSysErr : 0;
    }
    const char *xdg = getenv("XDG_CONFIG_HOME");
    const char *home = getenv("HOME");
    int r = -ENOENT;
    if (xdg && xdg[0] == '/') {
        if ((size_t)snprintf(dir, cap, "%s/pvm3", xdg) >= cap)
            return too_long(why, whycap, "XDG_CONFIG_HOME");
        if (mkdir(xdg, 0700) < 0 && errno != EEXIST) {
            r = -errno;
            snprintf(why, whycap, "cannot create %s: %s", xdg, strerror(errno));
        } else
            r = private_dir(dir, why, whycap);
    } else if (home && home[0] == '/') {
        char config[4096];
        if ((size_t)snprintf(config, sizeof config, "%s/.config", home) >= sizeof config ||
            (size_t)snprintf(dir, cap, "%s/pvm3", config) >= cap)
            return too_long(why, whycap, "HOME");
        /* ~/.config is the user's to set up: made if missing, else left. */
        if (mkdir(config, 0700) < 0 && errno != EEXIST) {
            r = -errno;
            snprintf(why, whycap, "cannot create %s: %s", config, strerror(errno));
        } else
            r = private_dir(dir, why, whycap);
    }
    if (r == 0)
        return 0;
    if (!unusable(r))
        return PvmSysErr;
    /* No home to keep it in: beside the socket directories. */
    const char *tmp = getenv(ENV_PVM_TMP);
    if (!tmp || !*tmp)
        tmp = "/tmp";
    if ((size_t)snprintf(dir, cap, "%s/pvm.%u.keys", tmp, (unsigned)geteuid()) >= cap)
        return too_long(why, whycap, ENV_PVM_TMP);
    return private_dir(dir, why, whycap) < 0 ? PvmSysErr : 0;
}

int mesh_keys_path(char *path, size_t cap, char *why, size_t whycap)
{
    const char *vmid = getenv(ENV_PVM_VMID);
    if (vmid && strchr(vmid, '/')) {
        snprintf(why, whycap, "PVM_VMID %s has a '/': no key file can be named after it", vmid);
        return PvmBadParam;
    }
    char dir[4096];
    int cc = key_dir(dir, sizeof dir, why, whycap);
    if (cc < 0)
        return cc;
    int n = vmid && *vmid ? snprintf(path, cap, "%s/vm.%s.key", dir, vmid)
                          : snprintf(path, cap, "%s/vm.key", dir);
    if (n < 0 || (size_t)n >= cap)
        return too_long(why, whycap, dir);
    return 0;
}

/* Reads the key from an open key file (closed here). */
static int read_key(int fd, const char *path, uint8_t secret[MESH_KEYS_LEN], char *why,
                    size_t whycap)
{
    struct stat st;
    char buf[512];
    int cc = PvmSysErr;
    if (fstat(fd, &st) < 0) {
        snprintf(why, whycap, "cannot read the key file %s: %s", path, strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
        snprintf(why, whycap, "the key file %s is not a file owned by this user: refusing it",
                 path);
        goto out;
    }
    if (st.st_mode & 077) {
        snprintf(why, whycap,
                 "the key file %s is open to others (mode %04o): refusing it; remove it (a new "
                 "key is made) or chmod 600 it if nobody else can have read it",
                 path, (unsigned)(st.st_mode & 07777));
        goto out;
    }
    ssize_t n = read(fd, buf, sizeof buf - 1);
    if (n < 0) {
        snprintf(why, whycap, "cannot read the key file %s: %s", path, strerror(errno));
        goto out;
    }
    buf[n] = 0;
    snprintf(why, whycap, "the key file %s holds no key (one line of 40 Z85 characters)", path);
    for (char *line = buf, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = 0;
        if (line[0] == '#')
            continue;
        size_t len = strlen(line);
        if (len && line[len - 1] == '\r')
            line[--len] = 0;
        if (len == KEYS_Z85_LEN && zmq_z85_decode(secret, line)) {
            cc = 0;
            why[0] = 0;
        }
        break;
    }
out:
    mesh_keys_wipe(buf, sizeof buf);
    close(fd);
    return cc;
}

/* Makes a new key file.  Returns 0 (made: secret filled in), 1 (another
 * pvmd made it first: read that one) or PvmSysErr with why. */
static int create_key(const char *path, uint8_t secret[MESH_KEYS_LEN], char *why, size_t whycap)
{
    char pub[KEYS_Z85_LEN + 1], sec[KEYS_Z85_LEN + 1], tmp[4200], text[160];
    if (zmq_curve_keypair(pub, sec) < 0) {
        snprintf(why, whycap, "cannot make a key pair: %s", zmq_strerror(errno));
        return PvmSysErr;
    }
    int len = snprintf(text, sizeof text,
                       "# The PVM virtual machine's CurveZMQ secret key (Z85). Keep it private.\n"
                       "%s\n",
                       sec);
    snprintf(tmp, sizeof tmp, "%s.%ld.new", path, (long)getpid());
    /* Written whole under a private name, then linked into place: a
     * reader never sees half a key, and of two pvmds making it at once
     * only one wins the link. */
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    int cc = PvmSysErr;
    if (fd < 0) {
        snprintf(why, whycap, "cannot create the key file %s: %s", tmp, strerror(errno));
        goto out;
    }
    if (fchmod(fd, 0600) < 0 || write(fd, text, (size_t)len) != len || fsync(fd) < 0) {
        snprintf(why, whycap, "cannot write the key file %s: %s", tmp, strerror(errno));
        close(fd);
        unlink(tmp);
        goto out;
    }
    close(fd);
    if (link(tmp, path) < 0) {
        int e = errno;
        unlink(tmp);
        if (e == EEXIST) {
            cc = 1;
            goto out;
        }
        snprintf(why, whycap, "cannot create the key file %s: %s", path, strerror(e));
        goto out;
    }
    unlink(tmp);
    cc = zmq_z85_decode(secret, sec) ? 0 : PvmSysErr;
out:
    mesh_keys_wipe(sec, sizeof sec);
    mesh_keys_wipe(text, sizeof text);
    return cc;
}

int mesh_keys_load(uint8_t secret[MESH_KEYS_LEN], bool *created, char *path, size_t cap, char *why,
                   size_t whycap)
{
    *created = false;
    int cc = mesh_keys_path(path, cap, why, whycap);
    if (cc < 0)
        return cc;
    for (int tries = 0; tries < 3; tries++) {
        int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd >= 0)
            return read_key(fd, path, secret, why, whycap);
        if (errno != ENOENT) {
            snprintf(why, whycap, "cannot open the key file %s: %s", path,
                     errno == ELOOP ? "it is a symbolic link" : strerror(errno));
            return PvmSysErr;
        }
        cc = create_key(path, secret, why, whycap);
        if (cc <= 0) {
            *created = cc == 0;
            return cc;
        }
    }
    snprintf(why, whycap, "the key file %s keeps disappearing", path);
    return PvmSysErr;
}

int mesh_keys_public(const uint8_t secret[MESH_KEYS_LEN], uint8_t pub[MESH_KEYS_LEN])
{
    char sec[KEYS_Z85_LEN + 1], p[KEYS_Z85_LEN + 1];
    int cc = PvmSysErr;
    if (zmq_z85_encode(sec, secret, MESH_KEYS_LEN) && zmq_curve_public(p, sec) == 0 &&
        zmq_z85_decode(pub, p))
        cc = 0;
    mesh_keys_wipe(sec, sizeof sec);
    return cc;
}
