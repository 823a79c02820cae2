/*
 * jobs.c - output jobs of `spawn ->'.
 *
 * Before spawning, the console sets PvmOutputTid to itself and
 * PvmOutputCode to the job's tag; the pvmd then sends each task's output
 * to the console (lpvm_output_parse decodes it).  Children of a job's tasks
 * inherit the tag, so a job grows when a BEGIN names a tid it does not
 * know yet, and it is finished when every task it knows has ended.
 */
#include <stdlib.h>
#include <string.h>

#include "console.h"
#include "lpvm.h"
#include "pvm3.h"

/* Tags of job messages: base + job number.  Far from the small tags
 * programs use, so a stray user message is not taken for output. */
#define JOBS_TAG_BASE 0x4a0b0000
#define JOBS_TAG_MAX 0x4a0bffff

struct jtask {
    int tid;
    bool ended;
};

struct job {
    int num;
    FILE *file; /* NULL: stdout */
    struct jtask *tasks;
    int ntask, cap;
    struct job *next;
};

struct jobs {
    struct job *head;
    int last; /* number of the last job opened */
};

struct jobs *jobs_new(void)
{
    return calloc(1, sizeof(struct jobs));
}

static void job_free(struct job *j)
{
    if (j->file)
        fclose(j->file);
    free(j->tasks);
    free(j);
}

void jobs_destroy(struct jobs **jp)
{
    struct jobs *js = *jp;
    if (!js)
        return;
    while (js->head) {
        struct job *j = js->head;
        js->head = j->next;
        job_free(j);
    }
    free(js);
    *jp = NULL;
}

int jobs_open(struct jobs *js, FILE *file, int *tag)
{
    struct job *j = calloc(1, sizeof *j);
    if (!j)
        return -1;
    j->num = ++js->last;
    j->file = file;
    struct job **pp = &js->head; /* keep the list in job order */
    while (*pp)
        pp = &(*pp)->next;
    *pp = j;
    *tag = JOBS_TAG_BASE + j->num;
    return j->num;
}

static struct job *find_job(const struct jobs *js, int num)
{
    for (struct job *j = js->head; j; j = j->next)
        if (j->num == num)
            return j;
    return NULL;
}

static void unlink_job(struct jobs *js, struct job *dead)
{
    for (struct job **pp = &js->head; *pp; pp = &(*pp)->next)
        if (*pp == dead) {
            *pp = dead->next;
            job_free(dead);
            return;
        }
}

static struct jtask *find_task(struct job *j, int tid)
{
    for (int i = 0; i < j->ntask; i++)
        if (j->tasks[i].tid == tid)
            return &j->tasks[i];
    return NULL;
}

static struct jtask *add_task(struct job *j, int tid)
{
    struct jtask *t = find_task(j, tid);
    if (t)
        return t;
    if (j->ntask == j->cap) {
        int cap = j->cap ? 2 * j->cap : 8;
        struct jtask *n = realloc(j->tasks, (size_t)cap * sizeof *n);
        if (!n)
            return NULL;
        j->tasks = n;
        j->cap = cap;
    }
    t = &j->tasks[j->ntask++];
    t->tid = tid;
    t->ended = false;
    return t;
}

static bool job_running(const struct job *j)
{
    for (int i = 0; i < j->ntask; i++)
        if (!j->tasks[i].ended)
            return true;
    return false;
}

void jobs_add_tasks(struct jobs *js, int num, const int *tids, int n)
{
    struct job *j = find_job(js, num);
    if (!j)
        return;
    for (int i = 0; i < n; i++)
        if (tids[i] > 0)
            add_task(j, tids[i]);
    if (j->ntask == 0)
        unlink_job(js, j);
}

bool jobs_active(const struct jobs *js)
{
    for (const struct job *j = js->head; j; j = j->next)
        if (job_running(j))
            return true;
    return false;
}

/* Prints the lines of buf as "[job:tid] line"; a last line without its
 * newline is printed whole as well (the task has flushed it). */
static void put_lines(struct job *j, int tid, const char *buf, int len)
{
    FILE *f = j->file ? j->file : stdout;
    int start = 0;
    for (int i = 0; i <= len; i++) {
        if (i < len && buf[i] != '\n')
            continue;
        if (i > start || i < len)
            fprintf(f, "[%d:t%x] %.*s\n", j->num, (unsigned)tid, i - start, buf + start);
        start = i + 1;
    }
    fflush(f);
}

int jobs_handle(struct jobs *js, int bufid, void (*before_print)(void))
{
    int bytes, tag, src;
    if (pvm_bufinfo(bufid, &bytes, &tag, &src) < 0)
        return 0;
    if (tag <= JOBS_TAG_BASE || tag > JOBS_TAG_MAX)
        return 0;
    struct job *j = find_job(js, tag - JOBS_TAG_BASE);
    if (!j)
        return 1; /* a job already finished (or from an earlier console) */
    int tid, n;
    const char *text;
    int kind = lpvm_output_parse(bufid, &tid, &text, &n);
    if (kind == LPVM_OUTPUT_BEGIN) {
        add_task(j, tid);
        return 1;
    }
    if (kind == LPVM_OUTPUT_TEXT) {
        if (n > 0) {
            if (before_print && !j->file)
                before_print();
            put_lines(j, tid, text, n);
        }
        return 1;
    }
    if (kind == LPVM_OUTPUT_END) {
        struct jtask *t = add_task(j, tid);
        if (!t || t->ended)
            return 1;
        t->ended = true;
        bool finished = !job_running(j);
        if (before_print && (!j->file || finished))
            before_print();
        FILE *f = j->file ? j->file : stdout;
        fprintf(f, "[%d:t%x] EOF\n", j->num, (unsigned)tid);
        fflush(f);
        if (finished) {
            printf("[%d] finished\n", j->num);
            fflush(stdout);
            unlink_job(js, j);
        }
    }
    return 1;
}

void jobs_list(const struct jobs *js, bool lng, void (*ps_line)(int tid, void *arg), void *arg)
{
    for (const struct job *j = js->head; j; j = j->next) {
        if (!job_running(j))
            continue;
        printf(lng ? "%2d:\n" : "%2d:", j->num);
        for (int i = 0; i < j->ntask; i++) {
            if (j->tasks[i].ended)
                continue;
            if (lng)
                ps_line(j->tasks[i].tid, arg);
            else
                printf(" t%x", (unsigned)j->tasks[i].tid);
        }
        if (!lng)
            printf("\n");
    }
}
