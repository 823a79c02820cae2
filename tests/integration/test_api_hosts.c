/*
 * test_api_hosts.c - pvm_addhosts and pvm_delhosts against a real pvmd:
 * argument errors as PVM 3.4.6's libpvm gives them, names that are not
 * host lines, and a second host on a loopback address added, listed,
 * refused as a duplicate and deleted.
 *
 * PVM_RSH is a program that fails, so a host that needs the remote shell
 * fails at once (PvmCantStart) instead of waiting for ssh.
 */
#include "test_api_util.h"

static int setup(void **state)
{
    setenv("PVM_RSH", "/bin/false", 1);
    return vm_up(state);
}

static void fill(int *v, int n)
{
    for (int i = 0; i < n; i++)
        v[i] = 12345;
}

/* Measured against Debian's libpvm3 3.4.6: nhost < 1 (or more than a tid
 * can number) is PvmBadParam for the call, infos untouched. */
static void test_argument_errors(void **state)
{
    (void)state;
    char *one[] = {"127.0.0.2"};
    char *null_name[] = {NULL};
    int in[2];
    int bad_n[] = {0, -1, 4096};
    for (size_t k = 0; k < sizeof bad_n / sizeof bad_n[0]; k++) {
        fill(in, 2);
        pvm_errno = 0;
        assert_int_equal(pvm_addhosts(one, bad_n[k], in), PvmBadParam);
        assert_int_equal(pvm_errno, PvmBadParam);
        assert_int_equal(pvm_delhosts(one, bad_n[k], in), PvmBadParam);
        assert_int_equal(in[0], 12345);
    }
    /* PVM crashes on these; here they are bad parameters. */
    assert_int_equal(pvm_addhosts(NULL, 1, in), PvmBadParam);
    assert_int_equal(pvm_delhosts(NULL, 1, in), PvmBadParam);
    assert_int_equal(pvm_addhosts(null_name, 1, in), PvmBadParam);
    assert_int_equal(pvm_delhosts(null_name, 1, in), PvmBadParam);
    assert_int_equal(in[0], 12345);
}

/* Names that are not host lines fail in their slot; the rest of the call
 * goes on.  0 hosts added is an answer, not an error. */
static void test_bad_names(void **state)
{
    (void)state;
    char *names[] = {"", "h xx=1", "& h", "* sp=5", "h sp=abc"};
    int n = sizeof names / sizeof names[0];
    int in[5];
    fill(in, n);
    pvm_errno = 0;
    assert_int_equal(pvm_addhosts(names, n, in), 0);
    assert_int_equal(pvm_errno, 0);
    for (int i = 0; i < n; i++)
        assert_int_equal(in[i], PvmBadParam);
    /* infos may be NULL. */
    assert_int_equal(pvm_addhosts(names, n, NULL), 0);

    int nh = 0, na = 0;
    struct pvmhostinfo *hi = NULL;
    assert_int_equal(pvm_config(&nh, &na, &hi), 0);
    char *first = strdup(hi[0].hi_name);
    char *del[] = {"", "nohost.invalid", first};
    fill(in, 3);
    assert_int_equal(pvm_delhosts(del, 3, in), 0);
    assert_int_equal(in[0], PvmNoHost);
    assert_int_equal(in[1], PvmNoHost);
    assert_int_equal(in[2], PvmBadParam); /* the first host stays (halt ends it) */
    free(first);
}

/* A host that needs the remote shell, which fails. */
static void test_cant_start(void **state)
{
    (void)state;
    char *names[] = {"192.0.2.77"};
    int in[1] = {12345};
    assert_int_equal(pvm_addhosts(names, 1, in), 0);
    assert_int_equal(in[0], PvmCantStart);
}

static int config_hosts(void)
{
    int nh = 0, na = 0;
    struct pvmhostinfo *hi = NULL;
    assert_int_equal(pvm_config(&nh, &na, &hi), 0);
    return nh;
}

static void test_add_and_delete(void **state)
{
    (void)state;
    /* Blanks around the name are tidied before the pvmd sees it. */
    char *names[] = {" 127.0.0.2 ", "127.0.0.2"};
    int in[2];
    fill(in, 2);
    int added = pvm_addhosts(names, 2, in);
    assert_int_equal(in[1], PvmDupHost); /* the same name twice in one call */
    if (added == 0 && in[0] == PvmCantStart) {
        /* A pvmd without its mesh transport cannot start hosts yet. */
        assert_int_equal(config_hosts(), 1);
        skip();
    }
    assert_int_equal(added, 1);
    assert_true(in[0] > 0);
    assert_int_equal(in[0], pvm_tidtohost(in[0])); /* a pvmd tid */
    assert_int_equal(config_hosts(), 2);
    fill(in, 1);
    assert_int_equal(pvm_addhosts(names + 1, 1, in), 0);
    assert_int_equal(in[0], PvmDupHost);

    char *del[] = {"127.0.0.2", "nohost.invalid"};
    fill(in, 2);
    assert_int_equal(pvm_delhosts(del, 2, in), 1);
    assert_int_equal(in[0], 0); /* as PVM: 0 for a deleted host */
    assert_int_equal(in[1], PvmNoHost);
    assert_int_equal(config_hosts(), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_argument_errors),
        cmocka_unit_test(test_bad_names),
        cmocka_unit_test(test_cant_start),
        cmocka_unit_test(test_add_and_delete),
    };
    return cmocka_run_group_tests(tests, setup, vm_down);
}
