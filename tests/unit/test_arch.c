/*
 * test_arch.c - architecture names and data signatures (common/arch.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "arch.h"
#include "pvm3.h"

static void test_known_names(void **state)
{
    (void)state;
    /* PVM 3.4.6's values for the hosts this project builds for. */
    assert_int_equal(arch_dsig("LINUX64"), 0x00408c41);
    assert_int_equal(arch_dsig("LINUXARM64"), 0x00408c41);
    assert_int_equal(arch_dsig("LINUX"), 0x00408841);
    /* and a few others: same layout, same signature */
    assert_int_equal(arch_dsig("SUN4"), ARCH_DSIG_BE32);
    assert_int_equal(arch_dsig("SGI64"), ARCH_DSIG_BE64);
    assert_int_equal(arch_dsig("ALPHA"), arch_dsig("LINUX64"));
    assert_int_equal(arch_dsig("SUN4"), arch_dsig("RS6K"));
}

static void test_unknown_names(void **state)
{
    (void)state;
    assert_int_equal(arch_dsig("NOSUCHARCH"), PvmNotFound);
    assert_int_equal(arch_dsig(""), PvmNotFound);
    assert_int_equal(arch_dsig("linux64"), PvmNotFound); /* names are exact */
    assert_int_equal(arch_dsig("LINUX64 "), PvmNotFound);
    assert_int_equal(arch_dsig(NULL), PvmBadParam);
}

/* The build's name is in the table, and its signature describes the data
 * layout this code was compiled for. */
static void test_this_build(void **state)
{
    (void)state;
    const char *me = arch_this();
    assert_non_null(me);
    assert_true(strlen(me) > 0);
    assert_int_equal(arch_dsig(me), arch_this_dsig());
    int want;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    want = sizeof(long) == 8 ? ARCH_DSIG_LE64 : ARCH_DSIG_LE32;
#else
    want = sizeof(long) == 8 ? ARCH_DSIG_BE64 : ARCH_DSIG_BE32;
#endif
    assert_int_equal(arch_this_dsig(), want);
}

/* pvm_archcode answers from the same table. */
static void test_archcode(void **state)
{
    (void)state;
    pvm_setopt(PvmAutoErr, 0);
    assert_int_equal(pvm_archcode("LINUX64"), arch_dsig("LINUX64"));
    assert_int_equal(pvm_archcode((char *)arch_this()), arch_this_dsig());
    pvm_errno = 0;
    assert_int_equal(pvm_archcode("NOSUCHARCH"), PvmNotFound);
    assert_int_equal(pvm_errno, PvmNotFound);
    assert_int_equal(pvm_archcode(NULL), PvmBadParam);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_names),
        cmocka_unit_test(test_unknown_names),
        cmocka_unit_test(test_this_build),
        cmocka_unit_test(test_archcode),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
