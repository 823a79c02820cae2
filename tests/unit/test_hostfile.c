/*
 * test_hostfile.c - PVM 3.4's hostfile format (common/hostfile.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "hostfile.h"

static char err[HOSTFILE_ERR_MAX];

/* Parses text, expecting success. */
static void parse_ok(const char *text, struct hostfile *hf)
{
    err[0] = 0;
    int rc = hostfile_parse_string(text, "hf", hf, err, sizeof err);
    if (rc != 0)
        fail_msg("unexpected error: %s", err);
}

/* Parses text, expecting the error `want'. */
static void parse_err(const char *text, const char *want)
{
    struct hostfile hf;
    err[0] = 0;
    assert_int_equal(hostfile_parse_string(text, "hf", &hf, err, sizeof err), -1);
    assert_string_equal(err, want);
    assert_int_equal(hf.n, 0); /* nothing kept */
    assert_null(hf.hosts);
    hostfile_fini(&hf);
}

static void test_simple_names_comments_blanks(void **state)
{
    (void)state;
    struct hostfile hf;
    parse_ok("# my first host file\n"
             "thud\n"
             "\n"
             "   \t\n"
             "  # indented comment\n"
             "fred\r\n"
             "\twilma  \n"
             "barney", /* last line without newline */
             &hf);
    assert_int_equal(hf.n, 4);
    const char *names[] = {"thud", "fred", "wilma", "barney"};
    const int lines[] = {2, 6, 7, 8};
    for (int i = 0; i < 4; i++) {
        assert_string_equal(hf.hosts[i].name, names[i]);
        assert_int_equal(hf.hosts[i].line, lines[i]);
        assert_false(hf.hosts[i].no_start);
        assert_null(hf.hosts[i].lo);
        assert_null(hf.hosts[i].ep);
        assert_int_equal(hf.hosts[i].speed, 0);
    }
    assert_null(hf.defaults.name);
    hostfile_fini(&hf);
    assert_int_equal(hf.n, 0);
}

static void test_every_option(void **state)
{
    (void)state;
    struct hostfile hf;
    parse_ok("h1 lo=guest so=pw dx=/usr/local/pvm3/lib/pvmd ep=bob/bin/$PVM_ARCH:/opt "
             "wd=/scratch sp=2500 bx=/usr/bin/gdb ip=h1-eth1 id=vm7\n"
             "h2 so=ms sp=1 \n"
             "h3 sp=1000000\n",
             &hf);
    assert_int_equal(hf.n, 3);
    const struct hostfile_entry *e = &hf.hosts[0];
    assert_string_equal(e->name, "h1");
    assert_string_equal(e->lo, "guest");
    assert_string_equal(e->so, "pw");
    assert_string_equal(e->dx, "/usr/local/pvm3/lib/pvmd");
    assert_string_equal(e->ep, "bob/bin/$PVM_ARCH:/opt"); /* $ kept for the pvmd */
    assert_string_equal(e->wd, "/scratch");
    assert_int_equal(e->speed, 2500);
    assert_string_equal(e->bx, "/usr/bin/gdb");
    assert_string_equal(e->ip, "h1-eth1");
    assert_string_equal(e->id, "vm7");
    assert_string_equal(hf.hosts[1].so, "ms");
    assert_int_equal(hf.hosts[1].speed, 1);
    assert_null(hf.hosts[1].lo);
    assert_int_equal(hf.hosts[2].speed, 1000000);
    hostfile_fini(&hf);
}

static void test_later_option_wins(void **state)
{
    (void)state;
    struct hostfile hf;
    parse_ok("h lo=a lo=b sp=5 sp=7\n", &hf);
    assert_string_equal(hf.hosts[0].lo, "b");
    assert_int_equal(hf.hosts[0].speed, 7);
    hostfile_fini(&hf);
}

/* The example of pvmd3(1PVM), "HOST FILE FORMAT". */
static void test_man_page_example(void **state)
{
    (void)state;
    struct hostfile hf;
    parse_ok("# host file for testing on various platforms\n"
             "fonebone\n"
             "refuge\n"
             "# installed in /usr/local here\n"
             "sigi.cs             dx=/usr/local/pvm3/lib/pvmd\n"
             "# borrowed accts, \"guest\", don't trust fonebone\n"
             "*                   lo=guest  so=pw\n"
             "sn666.jrandom.com\n"
             "cubie.misc.edu\n"
             "# really painful one, must start it by hand and share a homedir\n"
             "& igor.firewall.com  lo=guest2  so=ms  ep=bob/pvm3/bin/$PVM_ARCH\n",
             &hf);
    assert_int_equal(hf.n, 6);
    assert_string_equal(hf.hosts[0].name, "fonebone");
    assert_null(hf.hosts[0].lo);
    assert_string_equal(hf.hosts[2].name, "sigi.cs");
    assert_string_equal(hf.hosts[2].dx, "/usr/local/pvm3/lib/pvmd");
    assert_null(hf.hosts[2].so);
    for (int i = 3; i < 5; i++) {
        assert_string_equal(hf.hosts[i].lo, "guest");
        assert_string_equal(hf.hosts[i].so, "pw");
        assert_false(hf.hosts[i].no_start);
    }
    const struct hostfile_entry *igor = &hf.hosts[5];
    assert_string_equal(igor->name, "igor.firewall.com");
    assert_true(igor->no_start);
    assert_string_equal(igor->lo, "guest2"); /* its own options win */
    assert_string_equal(igor->so, "ms");
    assert_string_equal(igor->ep, "bob/pvm3/bin/$PVM_ARCH");
    assert_int_equal(igor->line, 11);
    /* The last `*' line's options stay, for hosts added later. */
    assert_string_equal(hf.defaults.lo, "guest");
    assert_string_equal(hf.defaults.so, "pw");
    assert_null(hf.defaults.name);
    assert_ptr_equal(hostfile_find(&hf, "igor.firewall.com"), igor);
    assert_null(hostfile_find(&hf, "igor"));
    hostfile_fini(&hf);
}

static void test_defaults_replace_and_reset(void **state)
{
    (void)state;
    struct hostfile hf;
    parse_ok("* sp=10 ep=/a\n"
             "a\n"
             "*ep=/b\n" /* no blank after the star */
             "b\n"
             "b2 ep=/own\n"
             "*\n" /* a bare star resets */
             "c\n",
             &hf);
    assert_int_equal(hf.n, 4);
    assert_int_equal(hf.hosts[0].speed, 10);
    assert_string_equal(hf.hosts[0].ep, "/a");
    assert_int_equal(hf.hosts[1].speed, 0); /* replaced, not merged */
    assert_string_equal(hf.hosts[1].ep, "/b");
    assert_string_equal(hf.hosts[2].ep, "/own");
    assert_null(hf.hosts[3].ep);
    assert_null(hf.defaults.ep);
    assert_int_equal(hf.defaults.speed, 0);
    hostfile_fini(&hf);
}

static void test_ampersand_forms(void **state)
{
    (void)state;
    struct hostfile hf;
    parse_ok("&x\n  &  y sp=3\nz\n", &hf);
    assert_int_equal(hf.n, 3);
    assert_string_equal(hf.hosts[0].name, "x");
    assert_true(hf.hosts[0].no_start);
    assert_string_equal(hf.hosts[1].name, "y");
    assert_true(hf.hosts[1].no_start);
    assert_int_equal(hf.hosts[1].speed, 3);
    assert_false(hf.hosts[2].no_start);
    hostfile_fini(&hf);
}

static void test_empty_file(void **state)
{
    (void)state;
    struct hostfile hf;
    parse_ok("", &hf);
    assert_int_equal(hf.n, 0);
    hostfile_fini(&hf);
    parse_ok("# nothing\n\n", &hf);
    assert_int_equal(hf.n, 0);
    hostfile_fini(&hf);
}

static void test_errors(void **state)
{
    (void)state;
    parse_err("ok\nh xx=1\n", "hf:2: unknown option \"xx=1\" (known: lo so dx ep wd sp bx ip id)");
    parse_err("h lo\n", "hf:1: \"lo\": an option is written xx=value");
    parse_err("h lo=\n", "hf:1: \"lo=\": the option has no value");
    parse_err("h sp=abc\n", "hf:1: sp=abc: the speed must be a number from 1 to 1000000");
    parse_err("h sp=0\n", "hf:1: sp=0: the speed must be a number from 1 to 1000000");
    parse_err("h sp=1000001\n", "hf:1: sp=1000001: the speed must be a number from 1 to 1000000");
    parse_err("h sp=-5\n", "hf:1: sp=-5: the speed must be a number from 1 to 1000000");
    parse_err("h sp=99999999999999999999\n",
              "hf:1: sp=99999999999999999999: the speed must be a number from 1 to 1000000");
    parse_err("h so=rsh\n", "hf:1: so=rsh: must be so=pw (password) or so=ms (manual startup)");
    parse_err("\n\n&\n", "hf:3: `&' without a host name");
    parse_err("$h\n", "hf:1: \"$h\": overloading a host (`$') is not supported");
    parse_err("lo=x h\n", "hf:1: \"lo=x\": a host name comes first, then its options");
    parse_err("* bad=1\n", "hf:1: unknown option \"bad=1\" (known: lo so dx ep wd sp bx ip id)");
    parse_err("* h\n", "hf:1: \"h\": an option is written xx=value");
}

static void test_long_lines(void **state)
{
    (void)state;
    /* Far beyond any fixed line buffer (PVM's was 1 KiB). */
    size_t n = 200000;
    char *text = malloc(n + 64);
    assert_non_null(text);
    strcpy(text, "# c\nbig ep=");
    size_t k = strlen(text);
    memset(text + k, 'p', n);
    strcpy(text + k + n, " sp=9\nnext\n");
    struct hostfile hf;
    parse_ok(text, &hf);
    assert_int_equal(hf.n, 2);
    assert_int_equal(strlen(hf.hosts[0].ep), n);
    assert_int_equal(hf.hosts[0].speed, 9);
    assert_string_equal(hf.hosts[1].name, "next");
    hostfile_fini(&hf);

    /* The same through a file (getline). */
    char path[] = "/tmp/test_hostfile.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs(text, f);
    fclose(f);
    assert_int_equal(hostfile_read(path, &hf, err, sizeof err), 0);
    assert_int_equal(hf.n, 2);
    assert_int_equal(strlen(hf.hosts[0].ep), n);
    assert_int_equal(hf.hosts[1].line, 3);
    hostfile_fini(&hf);
    unlink(path);
    free(text);

    /* A long bad field: the error text is cut, never overflows. */
    char *bad = malloc(5000);
    memset(bad, 'x', 4990);
    strcpy(bad + 4990, "=1\n");
    assert_int_equal(hostfile_parse_string(bad, "hf", &hf, err, sizeof err), -1);
    assert_int_equal(strlen(err), sizeof err - 1);
    assert_memory_equal(err, "hf:1: \"xxx", 10);
    char small[8];
    assert_int_equal(hostfile_parse_string(bad, "hf", &hf, small, sizeof small), -1);
    assert_string_equal(small, "hf:1: \"");
    assert_int_equal(hostfile_parse_string(bad, "hf", &hf, NULL, 0), -1);
    free(bad);
}

static void test_files(void **state)
{
    (void)state;
    struct hostfile hf;
    assert_int_equal(hostfile_read("/nonexistent/hosts", &hf, err, sizeof err), -1);
    assert_string_equal(err, "/nonexistent/hosts: No such file or directory");
    char path[] = "/tmp/test_hostfile.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("a\nb sp=x\n", f);
    fclose(f);
    char want[128];
    snprintf(want, sizeof want, "%s:2: sp=x: the speed must be a number from 1 to 1000000", path);
    assert_int_equal(hostfile_read(path, &hf, err, sizeof err), -1);
    assert_string_equal(err, want);
    /* A NUL byte is not text. */
    f = fopen(path, "w");
    fwrite("a\nb\0c\n", 1, 6, f);
    fclose(f);
    snprintf(want, sizeof want, "%s:2: a NUL byte in the line", path);
    assert_int_equal(hostfile_read(path, &hf, err, sizeof err), -1);
    assert_string_equal(err, want);
    unlink(path);
}

static void test_parse_host(void **state)
{
    (void)state;
    struct hostfile_entry e;
    assert_int_equal(hostfile_parse_host("127.0.0.2", NULL, &e, err, sizeof err), 0);
    assert_string_equal(e.name, "127.0.0.2");
    assert_null(e.ep);
    assert_false(e.no_start);
    hostfile_entry_fini(&e);

    assert_int_equal(
        hostfile_parse_host("  h2  sp=500 ep=/opt/bin wd=/tmp ", NULL, &e, err, sizeof err), 0);
    assert_string_equal(e.name, "h2");
    assert_int_equal(e.speed, 500);
    assert_string_equal(e.ep, "/opt/bin");
    assert_string_equal(e.wd, "/tmp");
    hostfile_entry_fini(&e);

    /* With the defaults of a hostfile's last `*' line. */
    struct hostfile hf;
    parse_ok("* lo=guest sp=20\n", &hf);
    assert_int_equal(hostfile_parse_host("h3 sp=30", &hf.defaults, &e, err, sizeof err), 0);
    assert_string_equal(e.lo, "guest");
    assert_int_equal(e.speed, 30);
    assert_null(e.ep);
    hostfile_entry_fini(&e);
    hostfile_fini(&hf);

    const struct {
        const char *text, *want;
    } bad[] = {
        {"", "\"\": no host name"},
        {"   ", "\"   \": no host name"},
        {"# x", "\"# x\": no host name"},
        {"h xx=1", "\"h xx=1\": unknown option \"xx=1\" (known: lo so dx ep wd sp bx ip id)"},
        {"& h", "\"& h\": a host not to start (`&') belongs in a hostfile"},
        {"* sp=5", "\"* sp=5\": default options (`*') belong in a hostfile"},
        {"a\nb", "\"a\nb\": a host is one line"},
        {"h sp=", "\"h sp=\": \"sp=\": the option has no value"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(hostfile_parse_host(bad[i].text, NULL, &e, err, sizeof err), -1);
        assert_string_equal(err, bad[i].want);
        assert_null(e.name);
    }
    assert_int_equal(hostfile_parse_host(NULL, NULL, &e, err, sizeof err), -1);
}

static void test_format_round_trip(void **state)
{
    (void)state;
    struct hostfile hf;
    parse_ok("* lo=guest\n& h1 sp=42 ep=/a:/b wd=/w dx=/d so=pw ip=i id=v bx=/g\n", &hf);
    char buf[256];
    int n = hostfile_format(&hf.hosts[0], buf, sizeof buf);
    assert_string_equal(buf, "h1 lo=guest so=pw dx=/d ep=/a:/b wd=/w bx=/g ip=i id=v sp=42");
    assert_int_equal(n, (int)strlen(buf));
    struct hostfile_entry e;
    assert_int_equal(hostfile_parse_host(buf, NULL, &e, err, sizeof err), 0);
    char buf2[256];
    hostfile_format(&e, buf2, sizeof buf2);
    assert_string_equal(buf, buf2);
    assert_false(e.no_start); /* `&' is the file's business */
    hostfile_entry_fini(&e);

    /* Truncation: the length needed comes back, the buffer stays a string. */
    char tiny[6];
    assert_int_equal(hostfile_format(&hf.hosts[0], tiny, sizeof tiny), n);
    assert_string_equal(tiny, "h1 lo");
    assert_int_equal(hostfile_format(&hf.hosts[0], NULL, 0), n);
    /* Copies are deep. */
    struct hostfile_entry c;
    assert_int_equal(hostfile_entry_copy(&c, &hf.hosts[0]), 0);
    hostfile_fini(&hf);
    hostfile_format(&c, buf2, sizeof buf2);
    assert_string_equal(buf, buf2);
    assert_true(c.no_start);
    hostfile_entry_fini(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simple_names_comments_blanks),
        cmocka_unit_test(test_every_option),
        cmocka_unit_test(test_later_option_wins),
        cmocka_unit_test(test_man_page_example),
        cmocka_unit_test(test_defaults_replace_and_reset),
        cmocka_unit_test(test_ampersand_forms),
        cmocka_unit_test(test_empty_file),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_long_lines),
        cmocka_unit_test(test_files),
        cmocka_unit_test(test_parse_host),
        cmocka_unit_test(test_format_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
