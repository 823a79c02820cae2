/*
 * test_paths.c - the socket directory and the paths inside it
 * (common/paths.c): PVM_TMP, PVM_VMID, PVM_SOCKDIR and overflow.
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

#include "defs.h"
#include "paths.h"
#include "pvm3.h"

static int clear_env(void **state)
{
    (void)state;
    unsetenv(ENV_PVM_TMP);
    unsetenv(ENV_PVM_VMID);
    unsetenv(ENV_TASK_SOCKDIR);
    return 0;
}

static void expect_sockdir(const char *want)
{
    char buf[PATHS_MAX];
    memset(buf, 0x7f, sizeof buf);
    assert_int_equal(paths_sockdir(buf, sizeof buf), 0);
    assert_string_equal(buf, want);
}

static void test_default(void **state)
{
    (void)state;
    char want[PATHS_MAX];
    snprintf(want, sizeof want, "/tmp/pvm.%u", (unsigned)getuid());
    expect_sockdir(want);
    /* Empty variables count as unset. */
    setenv(ENV_PVM_TMP, "", 1);
    setenv(ENV_PVM_VMID, "", 1);
    setenv(ENV_TASK_SOCKDIR, "", 1);
    expect_sockdir(want);
}

static void test_tmp_and_vmid(void **state)
{
    (void)state;
    char want[PATHS_MAX];
    setenv(ENV_PVM_TMP, "/var/tmp/x", 1);
    snprintf(want, sizeof want, "/var/tmp/x/pvm.%u", (unsigned)getuid());
    expect_sockdir(want);
    setenv(ENV_PVM_VMID, "blue", 1);
    snprintf(want, sizeof want, "/var/tmp/x/pvm.%u.blue", (unsigned)getuid());
    expect_sockdir(want);
    unsetenv(ENV_PVM_TMP);
    snprintf(want, sizeof want, "/tmp/pvm.%u.blue", (unsigned)getuid());
    expect_sockdir(want);
}

/* A spawned task uses its host's directory, whatever else is set. */
static void test_sockdir_wins(void **state)
{
    (void)state;
    setenv(ENV_PVM_TMP, "/var/tmp/x", 1);
    setenv(ENV_PVM_VMID, "blue", 1);
    setenv(ENV_TASK_SOCKDIR, "/run/pvm/host2", 1);
    expect_sockdir("/run/pvm/host2");
}

static void test_too_long(void **state)
{
    (void)state;
    char big[300];
    memset(big, 'd', sizeof big - 1);
    big[0] = '/';
    big[sizeof big - 1] = 0;
    char buf[PATHS_MAX];

    setenv(ENV_PVM_TMP, big, 1);
    assert_int_equal(paths_sockdir(buf, sizeof buf), PvmBadParam);
    unsetenv(ENV_PVM_TMP);
    setenv(ENV_PVM_VMID, big, 1);
    assert_int_equal(paths_sockdir(buf, sizeof buf), PvmBadParam);
    unsetenv(ENV_PVM_VMID);
    setenv(ENV_TASK_SOCKDIR, big, 1);
    assert_int_equal(paths_sockdir(buf, sizeof buf), PvmBadParam);
    unsetenv(ENV_TASK_SOCKDIR);

    /* Exactly full (cap - 1 characters) fits; one more does not. */
    char dir[PATHS_MAX];
    memset(dir, 'a', sizeof dir);
    dir[0] = '/';
    dir[PATHS_MAX - 1 - 7] = 0; /* "/" + "x.sock" adds 7 */
    assert_int_equal(paths_join(buf, sizeof buf, dir, "x.sock"), 0);
    assert_int_equal(strlen(buf), PATHS_MAX - 1);
    assert_int_equal(paths_join(buf, sizeof buf, dir, "xy.sock"), PvmBadParam);
    assert_int_equal(paths_join(buf, 4, "/tmp", "a"), PvmBadParam);
    assert_int_equal(paths_task_sock(buf, sizeof buf, big, 0x40001), PvmBadParam);
}

static void test_join_and_task_sock(void **state)
{
    (void)state;
    char buf[PATHS_MAX];
    assert_int_equal(paths_join(buf, sizeof buf, "/tmp/pvm.1000", PVMD_SOCK_NAME), 0);
    assert_string_equal(buf, "/tmp/pvm.1000/pvmd.sock");
    assert_int_equal(paths_join(buf, sizeof buf, "/tmp/pvm.1000", PVMD_LOCK_NAME), 0);
    assert_string_equal(buf, "/tmp/pvm.1000/pvmd.lock");
    assert_int_equal(paths_task_sock(buf, sizeof buf, "/tmp/pvm.1000", 0x40001), 0);
    assert_string_equal(buf, "/tmp/pvm.1000/t40001.sock");
    assert_int_equal(paths_task_sock(buf, sizeof buf, "/d", 0x3fffffff), 0);
    assert_string_equal(buf, "/d/t3fffffff.sock");
}

/* Collects the entries of list as "[a][][b]". */
static void walk(const char *list, char *out, size_t cap)
{
    out[0] = 0;
    const char *item;
    size_t len;
    for (const char *p = list; paths_list_next(&p, &item, &len);)
        snprintf(out + strlen(out), cap - strlen(out), "[%.*s]", (int)len, item);
}

static void test_list_next(void **state)
{
    (void)state;
    char got[128];
    walk(NULL, got, sizeof got);
    assert_string_equal(got, "");
    walk("", got, sizeof got);
    assert_string_equal(got, "");
    walk("a", got, sizeof got);
    assert_string_equal(got, "[a]");
    walk("/usr/bin::/bin", got, sizeof got);
    assert_string_equal(got, "[/usr/bin][][/bin]");
    walk(":x", got, sizeof got);
    assert_string_equal(got, "[][x]");
    walk("x:", got, sizeof got); /* a trailing colon ends the list */
    assert_string_equal(got, "[x]");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_default, clear_env),
        cmocka_unit_test_setup(test_tmp_and_vmid, clear_env),
        cmocka_unit_test_setup(test_sockdir_wins, clear_env),
        cmocka_unit_test_setup(test_too_long, clear_env),
        cmocka_unit_test_setup(test_join_and_task_sock, clear_env),
        cmocka_unit_test(test_list_next),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
