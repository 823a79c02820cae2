/*
 * hostfile.h - PVM 3.4's hostfile format (pvmd3(1PVM), "HOST FILE FORMAT").
 *
 * One host a line, its name then options `xx=value' separated by blanks;
 * `#' (after optional blanks) starts a comment line; blank lines are
 * skipped.  A line whose first field is `*' sets the default options of
 * the lines after it (each `*' line replaces the previous defaults); a
 * line starting with `&' names a host that is known but not started
 * until it is added.  Options, as PVM 3.4 documents them:
 *
 *   lo=NAME   login name on the host          so=pw|ms  password / manual start
 *   dx=FILE   the pvmd to run there           ep=PATH   program search path
 *   wd=PATH   tasks' working directory        sp=N      speed, 1..1000000
 *   bx=PATH   debugger                        ip=NAME   address to use
 *   id=VMID   virtual machine id
 *
 * Values are kept as written: a `$NAME' in them is the pvmd's to expand,
 * on the host concerned.  PVM's `$host' (overloading a host) is refused,
 * as is any other option.  pvm_addhosts names use the same syntax as a
 * line ("host sp=500 ep=/opt/bin"), parsed by hostfile_parse_host.
 *
 * Errors come back as text in a caller's buffer: "file:line: what is
 * wrong" for a hostfile, "\"text\": what is wrong" for one host.
 */
#ifndef PVM_HOSTFILE_H
#define PVM_HOSTFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Longest error text written (the caller's buffer may be smaller). */
#define HOSTFILE_ERR_MAX 256

/* Highest sp= value PVM accepts; the default speed is the pvmd's (1000). */
#define HOSTFILE_SPEED_MAX 1000000

/* One host, or a `*' line's defaults (name NULL).  Each string is NULL
 * when the option is not set, else owned by the entry. */
struct hostfile_entry {
    char *name;    /* host name as written (no leading `&') */
    char *lo;      /* lo= login name */
    char *so;      /* so= "pw" or "ms" */
    char *dx;      /* dx= pvmd executable */
    char *ep;      /* ep= program search path (colon-separated) */
    char *wd;      /* wd= working directory of spawned tasks */
    char *bx;      /* bx= debugger */
    char *ip;      /* ip= address (or name) to use for the host */
    char *id;      /* id= virtual machine id */
    int speed;     /* sp=, 0 when not set */
    bool no_start; /* an `&' line: known, started only when added */
    int line;      /* its line in the file (1, 2, ...); 1 for a single host */
};

/* A parsed hostfile: the hosts in file order, each with the defaults of
 * the `*' line before it already applied (its own options win), and the
 * defaults in force at the end, which PVM applies to hosts added later
 * with pvm_addhosts. */
struct hostfile {
    struct hostfile_entry *hosts;
    size_t n;
    struct hostfile_entry defaults; /* name NULL; all unset when no `*' line */
};

/* Parses the hostfile at path into *hf (initialised here; release it with
 * hostfile_fini, also after an error).  Returns 0, or -1 with the reason
 * in err (cap bytes, may be 0): "path: <strerror>" when it cannot be read,
 * "path:line: what is wrong" for the first bad line (nothing is kept). */
int hostfile_read(const char *path, struct hostfile *hf, char *err, size_t cap);

/* Same for an open stream; `where' names it in errors. */
int hostfile_parse_stream(FILE *f, const char *where, struct hostfile *hf, char *err, size_t cap);

/* Same for text in memory (lines separated by '\n'; '\r' before it and a
 * last line without one are accepted). */
int hostfile_parse_string(const char *text, const char *where, struct hostfile *hf, char *err,
                          size_t cap);

/* Frees everything *hf holds and leaves it empty. */
void hostfile_fini(struct hostfile *hf);

/* Parses one host as pvm_addhosts and the console's `add' take it:
 * "name [opt=value ...]", with the defaults of `defaults' (may be NULL)
 * applied as a hostfile line would get them.  A leading `&' or a `*'
 * name is refused: those belong in a hostfile.  Returns 0 with *e filled
 * (release with hostfile_entry_fini), or -1 with the reason in err
 * ("\"text\": ..."), *e then empty. */
int hostfile_parse_host(const char *text, const struct hostfile_entry *defaults,
                        struct hostfile_entry *e, char *err, size_t cap);

/* Frees the strings of *e and zeroes it. */
void hostfile_entry_fini(struct hostfile_entry *e);

/* Deep copy of src into *dst.  Returns 0, or -1 when out of memory (*dst
 * is then empty). */
int hostfile_entry_copy(struct hostfile_entry *dst, const struct hostfile_entry *src);

/* Looks a host up by name among hf's hosts (`&' ones included); the last
 * one of that name wins, as later lines do.  NULL when absent. */
const struct hostfile_entry *hostfile_find(const struct hostfile *hf, const char *name);

/* Writes e back as one line "name opt=value ..." (no `&', no newline) in
 * the form hostfile_parse_host reads, e.g. to send a host with its
 * options to pvm_addhosts.  Returns the length it needs (like snprintf);
 * the result is complete when that is < cap. */
int hostfile_format(const struct hostfile_entry *e, char *buf, size_t cap);

#endif
