/*
 * test_pvmerr.c - error texts: each code's text is PVM 3.4's, and
 * pvm_perror / pvm_strerror / pvm_errlist agree with it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core.h"
#include "pvm3.h"
#include "pvmerr.h"

/* PVM 3.4.6's texts (pvm_errlist of its libpvm3), by code. */
static const struct {
    int code;
    const char *text;
} want[] = {
    {PvmOk, "Error 0"},
    {-1, "Error 1"},
    {PvmBadParam, "Bad parameter"},
    {PvmMismatch, "Parameter mismatch"},
    {PvmOverflow, "Value too large"},
    {PvmNoData, "End of buffer"},
    {PvmNoHost, "No such host"},
    {PvmNoFile, "No such file"},
    {PvmDenied, "Permission denied"},
    {-9, "Error 9"},
    {PvmNoMem, "Malloc failed"},
    {-11, "Error 11"},
    {PvmBadMsg, "Can't decode message"},
    {-13, "Error 13"},
    {PvmSysErr, "Can't contact local daemon"},
    {PvmNoBuf, "No current buffer"},
    {PvmNoSuchBuf, "No such buffer"},
    {PvmNullGroup, "Null group name"},
    {PvmDupGroup, "Already in group"},
    {PvmNoGroup, "No such group"},
    {PvmNotInGroup, "Not in group"},
    {PvmNoInst, "No such instance"},
    {PvmHostFail, "Host failed"},
    {PvmNoParent, "No parent task"},
    {PvmNotImpl, "Not implemented"},
    {PvmDSysErr, "Pvmd system error"},
    {PvmBadVersion, "Version mismatch"},
    {PvmOutOfRes, "Out of resources"},
    {PvmDupHost, "Duplicate host"},
    {PvmCantStart, "Can't start pvmd"},
    {PvmAlready, "Already in progress"},
    {PvmNoTask, "No such task"},
    {PvmNotFound, "Not Found"},
    {PvmExists, "Already Exists"},
    {PvmHostrNMstr, "Hoster must run on master host"},
    {PvmParentNotSet, "Spawning parent set PvmNoParent"},
    /* PVM's own text goes on "! (See pvm3/Readme)", a file this
     * implementation does not ship; only the statement is checked. */
    {PvmIPLoopback, "Master Host IP Address is Loopback"},
};
#define NWANT (sizeof want / sizeof want[0])

static void test_table(void **state)
{
    (void)state;
    assert_int_equal(NWANT, PVMERR_COUNT);
    assert_int_equal(pvm_nerr, PVMERR_COUNT);
    for (size_t i = 0; i < NWANT; i++) {
        assert_int_equal(want[i].code, -(int)i);
        const char *t = pvmerr_text(want[i].code);
        if (want[i].code == PvmIPLoopback)
            assert_memory_equal(t, want[i].text, strlen(want[i].text));
        else
            assert_string_equal(t, want[i].text);
        assert_string_equal(pvm_errlist[i], t);
    }
}

static void test_out_of_range(void **state)
{
    (void)state;
    static const int codes[] = {1, 100, -PVMERR_COUNT, -1000, INT32_MIN, INT32_MAX};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        const char *t = pvmerr_text(codes[i]);
        assert_non_null(t);
        assert_true(strstr(t, "nknown") != NULL);
    }
}

/* Runs pvm_perror(msg) with stderr going to a file; returns what it wrote. */
static char *perror_output(char *msg)
{
    fflush(stderr);
    int saved = dup(2);
    assert_true(saved >= 0);
    FILE *f = tmpfile();
    assert_non_null(f);
    assert_true(dup2(fileno(f), 2) == 2);
    assert_int_equal(pvm_perror(msg), PvmOk);
    fflush(stderr);
    assert_true(dup2(saved, 2) == 2);
    close(saved);
    static char out[512];
    rewind(f);
    size_t n = fread(out, 1, sizeof out - 1, f);
    out[n] = 0;
    fclose(f);
    return out;
}

static void test_perror(void **state)
{
    (void)state;
    char want_line[256];
    for (size_t i = 0; i < NWANT; i++) {
        pvm_errno = want[i].code;
        char *out = perror_output("mytest");
        /* Before enrolment PVM names the process: "libpvm [pid<n>]: ". */
        snprintf(want_line, sizeof want_line, "libpvm [pid%d]: mytest: %s\n", (int)getpid(),
                 pvmerr_text(want[i].code));
        assert_string_equal(out, want_line);
        assert_string_equal(pvm_strerror(), pvmerr_text(want[i].code));
    }
    /* PVM's example texts, spelled out. */
    pvm_errno = PvmNoTask;
    snprintf(want_line, sizeof want_line, "libpvm [pid%d]: x: No such task\n", (int)getpid());
    assert_string_equal(perror_output("x"), want_line);
    pvm_errno = PvmSysErr;
    snprintf(want_line, sizeof want_line, "libpvm [pid%d]: x: Can't contact local daemon\n",
             (int)getpid());
    assert_string_equal(perror_output("x"), want_line);

    /* An enrolled task is named by its tid. */
    int saved_tid = lpvm_state.mytid;
    lpvm_state.mytid = 0x40001;
    pvm_errno = PvmBadParam;
    assert_string_equal(perror_output("y"), "libpvm [t40001]: y: Bad parameter\n");
    lpvm_state.mytid = saved_tid;

    /* NULL is tolerated. */
    pvm_errno = PvmOk;
    assert_non_null(strstr(perror_output(NULL), "Error 0"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_out_of_range),
        cmocka_unit_test(test_perror),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
