/*
 * hostfile.c - PVM 3.4's hostfile format: lines into hostfile_entry
 * records, and one record back into a line.
 *
 * A line is split at blanks (PVM has no quoting: a value cannot hold a
 * blank); its first field is the host name, or `*' for a defaults line;
 * `&' before the name marks a host that is not started.  The options are
 * a table, so an option PVM adds later is one row.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hostfile.h"

/* ===================================================================== */
/* Options                                                                */
/* ===================================================================== */

struct parse;
typedef int (*opt_check_fn)(struct parse *p, const char *key, const char *val);

static int check_so(struct parse *p, const char *key, const char *val);

/* One row per option.  `field' is the offset of its string in the entry;
 * sp= is an integer and handled by name. */
static const struct opt {
    const char *key;
    size_t field;
    opt_check_fn check; /* NULL: any non-empty value */
} opts[] = {
    {"lo", offsetof(struct hostfile_entry, lo), NULL},
    {"so", offsetof(struct hostfile_entry, so), check_so},
    {"dx", offsetof(struct hostfile_entry, dx), NULL},
    {"ep", offsetof(struct hostfile_entry, ep), NULL},
    {"wd", offsetof(struct hostfile_entry, wd), NULL},
    {"bx", offsetof(struct hostfile_entry, bx), NULL},
    {"ip", offsetof(struct hostfile_entry, ip), NULL},
    {"id", offsetof(struct hostfile_entry, id), NULL},
    {"sp", SIZE_MAX, NULL},
};

#define NOPTS (sizeof opts / sizeof opts[0])

static char **field_of(struct hostfile_entry *e, const struct opt *o)
{
    return (char **)((char *)e + o->field);
}

static const char *cfield_of(const struct hostfile_entry *e, const struct opt *o)
{
    return *(char *const *)((const char *)e + o->field);
}

/* ===================================================================== */
/* Errors                                                                 */
/* ===================================================================== */

/* Where the parser is, for error texts. */
struct parse {
    const char *where; /* file name, or NULL for one host */
    const char *text;  /* the host's text when where is NULL */
    int line;
    char *err;
    size_t cap;
};

__attribute__((format(printf, 2, 3))) static int fail(struct parse *p, const char *fmt, ...)
{
    if (!p->err || p->cap == 0)
        return -1;
    int n;
    if (p->where)
        n = snprintf(p->err, p->cap, "%s:%d: ", p->where, p->line);
    else
        n = snprintf(p->err, p->cap, "\"%s\": ", p->text);
    if (n < 0 || (size_t)n >= p->cap)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->err + n, p->cap - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

static int check_so(struct parse *p, const char *key, const char *val)
{
    if (strcmp(val, "pw") && strcmp(val, "ms"))
        return fail(p, "%s=%s: must be so=pw (password) or so=ms (manual startup)", key, val);
    return 0;
}

/* ===================================================================== */
/* Entries                                                                */
/* ===================================================================== */

void hostfile_entry_fini(struct hostfile_entry *e)
{
    free(e->name);
    for (size_t i = 0; i < NOPTS; i++)
        if (opts[i].field != SIZE_MAX)
            free(*field_of(e, &opts[i]));
    *e = (struct hostfile_entry){0};
}

int hostfile_entry_copy(struct hostfile_entry *dst, const struct hostfile_entry *src)
{
    *dst = *src;
    dst->name = NULL;
    for (size_t i = 0; i < NOPTS; i++)
        if (opts[i].field != SIZE_MAX)
            *field_of(dst, &opts[i]) = NULL;
    bool ok = !src->name || (dst->name = strdup(src->name));
    for (size_t i = 0; ok && i < NOPTS; i++) {
        const struct opt *o = &opts[i];
        if (o->field == SIZE_MAX || !cfield_of(src, o))
            continue;
        ok = (*field_of(dst, o) = strdup(cfield_of(src, o))) != NULL;
    }
    if (!ok) {
        hostfile_entry_fini(dst);
        return -1;
    }
    return 0;
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* Parses sp=: decimal digits only, 1 .. HOSTFILE_SPEED_MAX. */
static int parse_speed(struct parse *p, const char *val, int *speed)
{
    long v = 0;
    const char *s = val;
    for (; *s >= '0' && *s <= '9' && v <= HOSTFILE_SPEED_MAX; s++)
        v = v * 10 + (*s - '0');
    if (s == val || *s || v < 1 || v > HOSTFILE_SPEED_MAX)
        return fail(p, "sp=%s: the speed must be a number from 1 to %d", val, HOSTFILE_SPEED_MAX);
    *speed = (int)v;
    return 0;
}

/* Applies one "key=value" field to e. */
static int apply_option(struct parse *p, struct hostfile_entry *e, const char *field)
{
    const char *eq = strchr(field, '=');
    if (!eq)
        return fail(p, "\"%s\": an option is written xx=value", field);
    size_t klen = (size_t)(eq - field);
    const char *val = eq + 1;
    const struct opt *o = NULL;
    for (size_t i = 0; i < NOPTS && !o; i++)
        if (strlen(opts[i].key) == klen && !strncmp(opts[i].key, field, klen))
            o = &opts[i];
    if (!o)
        return fail(p, "unknown option \"%s\" (known: lo so dx ep wd sp bx ip id)", field);
    if (!*val)
        return fail(p, "\"%s\": the option has no value", field);
    if (o->field == SIZE_MAX)
        return parse_speed(p, val, &e->speed);
    if (o->check && o->check(p, o->key, val) < 0)
        return -1;
    char *v = strdup(val);
    if (!v)
        return fail(p, "out of memory");
    char **f = field_of(e, o);
    free(*f);
    *f = v;
    return 0;
}

/* Next blank-separated field of *sp (modified in place: terminated), or
 * NULL at the end. */
static char *next_field(char **sp)
{
    char *s = *sp;
    while (is_blank(*s))
        s++;
    if (!*s) {
        *sp = s;
        return NULL;
    }
    char *start = s;
    while (*s && !is_blank(*s))
        s++;
    if (*s)
        *s++ = 0;
    *sp = s;
    return start;
}

/* Applies every option field of s to e. */
static int apply_options(struct parse *p, struct hostfile_entry *e, char *s)
{
    for (char *f; (f = next_field(&s));)
        if (apply_option(p, e, f) < 0)
            return -1;
    return 0;
}

/* The kinds of line. */
enum line_kind { LINE_EMPTY, LINE_DEFAULTS, LINE_HOST };

/* Parses one line (modified in place) into *e: a host (defaults applied)
 * or, for a `*' line, the new defaults.  allow_file_forms false: `*' and
 * `&' are refused (a single pvm_addhosts name). */
static int parse_line(struct parse *p, char *s, const struct hostfile_entry *defaults,
                      bool allow_file_forms, struct hostfile_entry *e, enum line_kind *kind)
{
    *e = (struct hostfile_entry){.line = p->line};
    *kind = LINE_EMPTY;
    while (is_blank(*s))
        s++;
    if (!*s || *s == '#')
        return 0;
    if (*s == '*') {
        if (!allow_file_forms)
            return fail(p, "default options (`*') belong in a hostfile");
        *kind = LINE_DEFAULTS;
        if (apply_options(p, e, s + 1) < 0) {
            hostfile_entry_fini(e);
            return -1;
        }
        return 0;
    }
    bool amp = *s == '&';
    if (amp) {
        if (!allow_file_forms)
            return fail(p, "a host not to start (`&') belongs in a hostfile");
        s++;
    }
    char *name = next_field(&s);
    if (!name)
        return fail(p, "`&' without a host name");
    if (name[0] == '$')
        return fail(p, "\"%s\": overloading a host (`$') is not supported", name);
    if (strchr(name, '='))
        return fail(p, "\"%s\": a host name comes first, then its options", name);
    if (defaults && hostfile_entry_copy(e, defaults) < 0)
        return fail(p, "out of memory");
    e->line = p->line;
    e->no_start = amp;
    if (!(e->name = strdup(name)) || apply_options(p, e, s) < 0) {
        if (!e->name)
            fail(p, "out of memory");
        hostfile_entry_fini(e);
        return -1;
    }
    *kind = LINE_HOST;
    return 0;
}

/* ===================================================================== */
/* Whole files                                                            */
/* ===================================================================== */

void hostfile_fini(struct hostfile *hf)
{
    for (size_t i = 0; i < hf->n; i++)
        hostfile_entry_fini(&hf->hosts[i]);
    free(hf->hosts);
    hostfile_entry_fini(&hf->defaults);
    *hf = (struct hostfile){0};
}

/* Takes one line of a file (modified in place) into hf. */
static int take_line(struct parse *p, struct hostfile *hf, size_t *cap, char *line)
{
    struct hostfile_entry e;
    enum line_kind kind;
    if (parse_line(p, line, &hf->defaults, true, &e, &kind) < 0)
        return -1;
    if (kind == LINE_DEFAULTS) {
        /* A `*' line replaces the defaults (pvmd3(1PVM)). */
        hostfile_entry_fini(&hf->defaults);
        hf->defaults = e;
        hf->defaults.line = 0;
        return 0;
    }
    if (kind == LINE_EMPTY)
        return 0;
    if (hf->n == *cap) {
        size_t nc = *cap ? 2 * *cap : 8;
        struct hostfile_entry *nh = realloc(hf->hosts, nc * sizeof *nh);
        if (!nh) {
            hostfile_entry_fini(&e);
            return fail(p, "out of memory");
        }
        hf->hosts = nh;
        *cap = nc;
    }
    hf->hosts[hf->n++] = e;
    return 0;
}

int hostfile_parse_stream(FILE *f, const char *where, struct hostfile *hf, char *err, size_t cap)
{
    *hf = (struct hostfile){0};
    struct parse p = {.where = where ? where : "hostfile", .err = err, .cap = cap};
    size_t hcap = 0, lcap = 0;
    char *line = NULL;
    ssize_t len;
    int rc = 0;
    errno = 0;
    while (rc == 0 && (len = getline(&line, &lcap, f)) >= 0) {
        p.line++;
        if (len > 0 && line[len - 1] == '\n')
            line[--len] = 0;
        if ((size_t)len != strlen(line))
            rc = fail(&p, "a NUL byte in the line");
        else
            rc = take_line(&p, hf, &hcap, line);
    }
    if (rc == 0 && ferror(f)) {
        p.line = 0;
        rc = -1;
        if (err && cap)
            snprintf(err, cap, "%s: %s", p.where, strerror(errno ? errno : EIO));
    }
    free(line);
    if (rc < 0)
        hostfile_fini(hf);
    return rc;
}

int hostfile_read(const char *path, struct hostfile *hf, char *err, size_t cap)
{
    *hf = (struct hostfile){0};
    FILE *f = fopen(path, "r");
    if (!f) {
        if (err && cap)
            snprintf(err, cap, "%s: %s", path, strerror(errno));
        return -1;
    }
    int rc = hostfile_parse_stream(f, path, hf, err, cap);
    fclose(f);
    return rc;
}

int hostfile_parse_string(const char *text, const char *where, struct hostfile *hf, char *err,
                          size_t cap)
{
    *hf = (struct hostfile){0};
    struct parse p = {.where = where ? where : "hostfile", .err = err, .cap = cap};
    char *copy = strdup(text ? text : "");
    if (!copy)
        return fail(&p, "out of memory");
    size_t hcap = 0;
    int rc = 0;
    for (char *s = copy; rc == 0 && *s;) {
        char *nl = strchr(s, '\n');
        if (nl)
            *nl = 0;
        p.line++;
        rc = take_line(&p, hf, &hcap, s);
        s = nl ? nl + 1 : s + strlen(s);
    }
    free(copy);
    if (rc < 0)
        hostfile_fini(hf);
    return rc;
}

/* ===================================================================== */
/* One host                                                               */
/* ===================================================================== */

int hostfile_parse_host(const char *text, const struct hostfile_entry *defaults,
                        struct hostfile_entry *e, char *err, size_t cap)
{
    *e = (struct hostfile_entry){0};
    struct parse p = {.text = text ? text : "", .line = 1, .err = err, .cap = cap};
    if (!text || strchr(text, '\n'))
        return fail(&p, "a host is one line");
    char *copy = strdup(text);
    if (!copy)
        return fail(&p, "out of memory");
    enum line_kind kind;
    int rc = parse_line(&p, copy, defaults, false, e, &kind);
    free(copy);
    if (rc == 0 && kind != LINE_HOST)
        rc = fail(&p, "no host name");
    return rc;
}

const struct hostfile_entry *hostfile_find(const struct hostfile *hf, const char *name)
{
    for (size_t i = hf->n; i-- > 0;)
        if (!strcmp(hf->hosts[i].name, name))
            return &hf->hosts[i];
    return NULL;
}

int hostfile_format(const struct hostfile_entry *e, char *buf, size_t cap)
{
    size_t n = 0;
    int k = snprintf(buf, cap, "%s", e->name ? e->name : "");
    if (k < 0)
        return -1;
    n += (size_t)k;
    for (size_t i = 0; i < NOPTS; i++) {
        const struct opt *o = &opts[i];
        char num[16];
        const char *v = NULL;
        if (o->field != SIZE_MAX) {
            v = cfield_of(e, o);
        } else if (e->speed > 0) {
            snprintf(num, sizeof num, "%d", e->speed);
            v = num;
        }
        if (!v)
            continue;
        k = snprintf(n < cap ? buf + n : NULL, n < cap ? cap - n : 0, " %s=%s", o->key, v);
        if (k < 0)
            return -1;
        n += (size_t)k;
    }
    return n > INT32_MAX ? -1 : (int)n;
}
