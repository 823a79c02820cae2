/*
 * test_api_util.h - shared by the libpvm API tests (test_api_*.c): one
 * private pvmd per test program, started in the group set-up, and small
 * helpers.  Header-only so that each test stays one file.
 */
#ifndef TEST_API_UTIL_H
#define TEST_API_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "pvm3.h"

/* The harness needs paths_sockdir, which libpvm3.so keeps to itself (it
 * exports PVM's API only): compile it in, weak so that a build linking the
 * common objects as well still links. */
#include "../../common/paths.c"
#pragma weak paths_sockdir
#pragma weak paths_join
#pragma weak paths_task_sock

static struct harness vm;

static int vm_up(void **state)
{
    (void)state;
    if (harness_start(&vm, NULL, 170) < 0)
        return -1;
    /* Errors are checked by the tests; keep stderr readable. */
    pvm_setopt(PvmAutoErr, 0);
    return pvm_mytid() > 0 ? 0 : -1;
}

static int vm_down(void **state)
{
    (void)state;
    pvm_exit();
    harness_stop(&vm);
    return 0;
}

__attribute__((unused)) static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Spawns one copy of test program `name' with args; returns its tid. */
__attribute__((unused)) static int spawn1(const char *name, char **args)
{
    int tid = 0;
    int n = pvm_spawn((char *)harness_prog(name), args, PvmTaskDefault, "", 1, &tid);
    assert_int_equal(n, 1);
    assert_true(tid > 0);
    return tid;
}

/* Receives an empty message with tag from tid within 20 s. */
__attribute__((unused)) static void expect_msg(int tid, int tag)
{
    struct timeval tv = {20, 0};
    int b = pvm_trecv(tid, tag, &tv);
    assert_true(b > 0);
}

/* Sends an empty message. */
__attribute__((unused)) static void send_empty(int tid, int tag)
{
    assert_true(pvm_initsend(PvmDataDefault) > 0);
    assert_int_equal(pvm_send(tid, tag), 0);
}

/* Waits (at most 20 s) until tid is no task any more.  pvm_notify comes
 * with a later issue, so this asks the pvmd every 10 ms. */
__attribute__((unused)) static void wait_gone(int tid)
{
    for (int i = 0; i < 2000 && pvm_pstat(tid) == PvmOk; i++) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    assert_int_equal(pvm_pstat(tid), PvmNoTask);
}

#endif
